// PKCE (RFC 7636) with S256 only, as OAuth 2.1 asks of every client: the plain method would hand
// the verifier to anyone who sees the authorization request.

import { createHash, timingSafeEqual } from 'node:crypto'

/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/
/** BASE64URL(SHA-256(verifier)): always 43 characters. */
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/

export const isCodeChallenge = (value: string): boolean => CHALLENGE.test(value)

/** Whether `verifier` is the one `challenge` was made from (§4.6). */
export function pkceMatches(verifier: string, challenge: string): boolean {
  if (!VERIFIER.test(verifier) || !CHALLENGE.test(challenge)) return false
  const expected = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'), 'ascii')
  return timingSafeEqual(expected, Buffer.from(challenge, 'ascii'))
}
