// The browser-facing hardening headers, in one place: every answer gets the API set (written with
// the answer's own headers by writeHead below, or set first for the console's files); the console's own
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

/** Sets the API set on a response that something else writes (the console's files). */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value)
}

/** What every answer carries unless its own headers say otherwise: the security set, and no caching (RFC 6749 §5.1: tokens travel in them). */
const DEFAULTS: ReadonlyArray<readonly [string, string]> = [...SECURITY_HEADERS, ['Cache-Control', 'no-store']]

type HeaderValue = string | number | readonly string[]

/**
 * Writes an answer's status and headers: the defaults (each unless `headers` names it, in the same
 * spelling), `headers`, then `tail`, as one flat list. Node writes a list as it is, where five
 * setHeader calls per request cost a fifth of the hot path's throughput; headers set earlier
 * (CORS, Set-Cookie) are kept, and replaced by one of the same name here.
 */
export function writeHead(res: ServerResponse, status: number, headers: Readonly<Record<string, HeaderValue>>, tail: readonly (string | number)[] = []): void {
  const out: (string | number)[] = []
  for (const [name, value] of DEFAULTS) if (headers[name] === undefined) out.push(name, value)
  for (const name in headers) {
    const value = headers[name] as HeaderValue
    if (typeof value === 'object') for (const v of value) out.push(name, v)
    else out.push(name, value)
  }
  for (const v of tail) out.push(v)
  res.writeHead(status, out as string[])
}

/** The console's files: its CSP replaces the API's. */
export function setConsoleHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONSOLE_CSP)
}
