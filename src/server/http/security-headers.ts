// The browser-facing hardening headers, in one place: every answer gets the API set (set before
// routing, so every route and error carries it); the console's own
// files get a CSP that lets them load their same-origin script and style and nothing else.

import type { ServerResponse } from 'node:http'

/**
 * For the console (index.html and its assets): same-origin script and style files only. The build
 * has no inline script or style and nothing uses eval, so neither 'unsafe-inline' nor
 * 'unsafe-eval' is needed (test/security/web-surface.test.ts reads the built console to keep it so).
 * frame-ancestors works only as a header, never in the page's own <meta> CSP.
 */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

/** For JSON, CSV and event streams: nothing in them may ever run or load as a page. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  // Tokens never travel in URLs here, but paths name users and sessions: tell no one where we were.
  ['Referrer-Policy', 'no-referrer'],
  ['Content-Security-Policy', API_CSP],
  // Another site cannot pull an answer into its own page as a <script> or <img> (Spectre-style reads).
  ['Cross-Origin-Resource-Policy', 'same-origin'],
]

/** Sets the API set on a response about to be routed; writeHead() keeps them unless a route overrides. */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value)
}

/** The console's files: its CSP replaces the API's. */
export function setConsoleHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONSOLE_CSP)
}
