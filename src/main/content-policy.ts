// What the console window may load: its own origin only, and the CSP it gets when a response has none.

import { CONSOLE_CSP } from '../server/http/security-headers.ts'
import { isSameOrigin } from './same-origin.ts'

// One policy for the console, wherever it is set: the server sends it on the console's files, and
// main adds the same to any console response that arrives without a CSP (see withConsoleCsp).
// Same-origin script, style and API calls only; no eval, no inline code, no plugins, no framing.
export { CONSOLE_CSP }

// Not remote: the DevTools front end (when opened by hand) and inline data. blob: URLs need no
// exception: `new URL('blob:http://host/uuid').origin` is their creator's origin.
const LOCAL_SCHEMES = new Set(['devtools:', 'data:'])

/** Whether the window's session may make this request: the console's origin, or nothing remote. */
export function isAllowedRequest(url: string, origin: string): boolean {
  if (isSameOrigin(url, origin)) return true
  try {
    return LOCAL_SCHEMES.has(new URL(url).protocol)
  } catch {
    return false
  }
}

/**
 * `headers` plus CONSOLE_CSP when `url` is the console's and the response has no CSP of its own;
 * null when they should pass unchanged (DevTools pages keep theirs: our policy would break them).
 */
export function withConsoleCsp(
  url: string,
  headers: Readonly<Record<string, string[]>>,
  origin: string,
): Record<string, string[]> | null {
  if (!isSameOrigin(url, origin)) return null
  // Header names arrive as the server spelled them; Report-Only enforces nothing, so it does not count.
  if (Object.keys(headers).some((name) => name.toLowerCase() === 'content-security-policy')) return null
  return { ...headers, 'Content-Security-Policy': [CONSOLE_CSP] }
}
