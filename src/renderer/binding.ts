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

// The console's device token (server: core/device-cookies.ts), kept here beside the secret and
// sent as X-Authdock-Device on sign-in only: a known-good device of the user passes an account
// lock that others' guessing caused. Never a cookie, which a server on another port of this host
// would receive too (cookies are not isolated by port) and could replay to lock this device out.
export const DEVICE_HEADER = 'X-Authdock-Device'
const DEVICE_KEY = 'authdock.console-device'
const DEVICE_FORMAT = /^d1\.[A-Za-z0-9_.-]{1,200}$/

/** The device token of the last sign-in in this browser, or null. */
export function deviceToken(): string | null {
  try {
    const stored = localStorage.getItem(DEVICE_KEY)
    return stored !== null && DEVICE_FORMAT.test(stored) ? stored : null
  } catch {
    return null // storage disabled: signed in as a client without a device token
  }
}

/** Keeps the device token a sign-in answered with (a new one at each sign-in). */
export function keepDeviceToken(token: unknown): void {
  if (typeof token !== 'string' || !DEVICE_FORMAT.test(token)) return
  try {
    localStorage.setItem(DEVICE_KEY, token)
  } catch {
    // as above
  }
}
