// Console session binding: the per-browser secret a console keeps in its origin's localStorage
// (which no other port can read, unlike cookies). A session created with one stores only its
// SHA-256, and its refresh token is then honoured only together with the secret: a refresh cookie
// another page planted from its own login is useless in a browser that holds another secret.

import { createHash, timingSafeEqual } from 'node:crypto'
import { AuthError } from '../errors.ts'

/** 32 random bytes or more, base64url (the console sends 43 characters). */
const BINDING_FORMAT = /^[A-Za-z0-9_-]{43,128}$/

/** The binding as sent, validated; a missing or malformed one is an INVALID_INPUT. */
export function checkBinding(value: unknown): string {
  if (typeof value !== 'string' || !BINDING_FORMAT.test(value)) {
    throw new AuthError('INVALID_INPUT', 'A console session needs its browser binding: 43 to 128 base64url characters')
  }
  return value
}

export const bindingHash = (binding: string): string => createHash('sha256').update(checkBinding(binding)).digest('base64url')

/** Whether `presented` is the binding whose hash is `stored`; null on both sides (an unbound session) matches too. */
export function bindingMatches(stored: string | null, presented: string | null): boolean {
  if (stored === null || presented === null) return stored === presented
  if (!BINDING_FORMAT.test(presented)) return false
  const a = Buffer.from(stored)
  const b = Buffer.from(bindingHash(presented))
  return a.length === b.length && timingSafeEqual(a, b)
}
