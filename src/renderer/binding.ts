// The browser's console binding: a random secret kept in this origin's localStorage, sent with every
// console session request (X-Authdock-Binding). Cookies are shared by every port of a host, so a
// page on another port can plant a refresh cookie from its own login; it cannot read or write this
// origin's storage, and the server refuses a refresh cookie whose session holds another secret.

export const BINDING_HEADER = 'X-Authdock-Binding'
const STORAGE_KEY = 'authdock.console-binding'
const FORMAT = /^[A-Za-z0-9_-]{43,128}$/

function fresh(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

let kept: string | null = null

/** This browser's secret, made on first use; kept in memory too when storage is unavailable. */
export function browserBinding(): string {
  if (kept !== null) return kept
  let stored: string | null = null
  try {
    stored = localStorage.getItem(STORAGE_KEY)
  } catch {
    // storage disabled: this tab alone keeps the secret, and a reload signs in again
  }
  kept = stored !== null && FORMAT.test(stored) ? stored : fresh()
  if (kept !== stored) {
    try {
      localStorage.setItem(STORAGE_KEY, kept)
    } catch {
      // as above
    }
  }
  return kept
}
