// Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a value issued
// at each successful login marks that client as a known-good device of that user, so that an
// account lock caused by someone else's guessing does not block it (login-throttle.ts).
//
// Stateless: `d1.<id>.<issued at, s>.<HMAC-SHA256 of user id, id and issue time>`, under a secret
// kept in the database's meta table. No table is needed because the cookie grants no access:
// it only moves its holder from the account's and address's counters to its own. A copied
// cookie therefore buys an attacker one device's budget (3 free guesses, then doubling waits)
// for that one account, and it expires on its own; the user id bound in the MAC makes it
// worthless for any other account.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Clock } from './clock.ts'
import type { MetaStore } from './store/types.ts'

const SECRET_META = 'device_cookie_secret'
export const DEVICE_COOKIE_TTL_SECONDS = 90 * 86_400
/** Presented values looked at, at most: a page can plant same-named cookies to hide the real one. */
const MAX_PRESENTED = 256
const SHAPE = /^d1\.([A-Za-z0-9_-]{16})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/

export function createDeviceCookies(meta: MetaStore, clock: Clock) {
  let stored = meta.get(SECRET_META)
  if (stored === null) {
    stored = randomBytes(32).toString('base64url')
    meta.set(SECRET_META, stored)
  }
  const secret = stored
  const mac = (userId: string, id: string, issuedAt: string) => createHmac('sha256', secret).update(`${userId}\u0000${id}\u0000${issuedAt}`).digest('base64url')

  return {
    /** A new device cookie value for this user (a new id at every login, as OWASP advises). */
    issue(userId: string): string {
      const id = randomBytes(12).toString('base64url')
      const issuedAt = String(Math.floor(clock.now() / 1000))
      return `d1.${id}.${issuedAt}.${mac(userId, id, issuedAt)}`
    },

    /** The device id of the first presented value that is valid and unexpired for this user, or null. */
    deviceOf(presented: readonly string[], userId: string): string | null {
      const now = Math.floor(clock.now() / 1000)
      for (const value of presented.slice(0, MAX_PRESENTED)) {
        const m = SHAPE.exec(value)
        if (m === null) continue
        const [, id = '', issuedAt = '', given = ''] = m
        const age = now - Number(issuedAt)
        if (age < -60 || age > DEVICE_COOKIE_TTL_SECONDS) continue
        // Compared as text: base64url's last character has spare bits, so decoded bytes would
        // accept four spellings of one MAC.
        if (timingSafeEqual(Buffer.from(given), Buffer.from(mac(userId, id, issuedAt)))) return id
      }
      return null
    },
  }
}

export type DeviceCookies = ReturnType<typeof createDeviceCookies>
