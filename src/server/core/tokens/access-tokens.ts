// Access tokens: signing with the ring's active key and verifying on the hot path, both with
// node:crypto directly and synchronously, so that every rule of RFC 8725 is checked here.

import { createHmac, randomUUID, sign as signWithKey, timingSafeEqual, verify as verifySignature } from 'node:crypto'
import type { Clock } from '../clock.ts'
import { toSeconds } from '../clock.ts'
import { AuthError } from '../errors.ts'
import type { KeyRing } from '../keys/key-ring.ts'
import type { LoadedKey } from '../keys/key-material.ts'
import { parseStrictObject } from './strict-json.ts'

/** What verify() returns: the claims, and the kid of the key that verified them. */
export interface VerifiedAccess extends AccessClaims {
  readonly kid: string
}

export interface AccessClaims {
  readonly sub: string
  readonly sid: string
  readonly type: 'access'
  readonly iat: number
  readonly exp: number
  readonly jti: string
  readonly iss: string
}

/** Longer than any token we issue (an RS512 token is under 1 KB); anything past it is refused unread. */
export const MAX_TOKEN_LENGTH = 8192

const B64URL = /^[A-Za-z0-9_-]+$/
const PAYLOAD_AND_SIGNATURE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
// Headers that would make a verifier fetch or trust a key named by the token itself (RFC 8725 §3.10).
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'x5t', 'x5t#S256', 'crit', 'b64'] as const

const b64 = (json: string): string => Buffer.from(json, 'utf8').toString('base64url')

const invalid = (): AuthError => new AuthError('INVALID_TOKEN', 'Could not validate credentials')

/** RSA tokens remembered as verified; past this many the memory starts over. */
const RSA_VERIFIED_LIMIT = 4096
/** Headers of verified tokens remembered as checked (one per key of the ring is the norm). */
const ACCEPTED_HEADERS_LIMIT = 64

export function createAccessTokens(keys: KeyRing, clock: Clock, issuer: string) {
  // An RSA public-key operation costs more than the whole rest of a request, and an app presents
  // the same token many times: remember which exact tokens verified under which loaded key. A hit
  // counts only while keys.verifierFor(kid) still returns that same key object, so a retired or
  // replaced key ends it at once; the header and every claim are still checked on every request.
  const rsaVerified = new Map<string, LoadedKey>()
  // Every token a key signs carries the same header: its parse and checks are done once, for the
  // exact text; what depends on the ring (the kid's key, its alg) is still looked up every time.
  const acceptedHeaders = new Map<string, CheckedHeader>()
  return {
    /** The key that signs now; callers that record its kid pass it back to sign(). */
    signer: (): LoadedKey => keys.signer(),

    /**
     * Signs with node:crypto directly, synchronously: jose's sign goes through WebCrypto's key
     * import and promises on every call, a large share of a refresh's cost (bench/README.md).
     * The compact serialization is RFC 7515 §7.1; the tests verify our tokens with jose.
     */
    sign(userId: string, sessionId: string, ttlSeconds: number, key: LoadedKey = keys.signer()): { token: string; claims: AccessClaims } {
      const iat = toSeconds(clock.now())
      const claims: AccessClaims = { sub: userId, sid: sessionId, type: 'access', iat, exp: iat + ttlSeconds, jti: randomUUID(), iss: issuer }
      const signingKey = key.signingKey
      if (signingKey === null) throw new Error(`key ${key.kid} may only verify`)
      const input = `${b64(JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'JWT' }))}.${b64(JSON.stringify(claims))}`
      const signature =
        key.alg === 'HS256'
          ? createHmac('sha256', signingKey).update(input).digest()
          : signWithKey(key.alg === 'RS256' ? 'sha256' : 'sha512', Buffer.from(input), signingKey)
      return { token: `${input}.${signature.toString('base64url')}`, claims }
    },

    /** Checks signature, algorithm bound to kid, header, type, expiry and issuer. Throws INVALID_TOKEN or TOKEN_EXPIRED. */
    verify(token: string): VerifiedAccess {
      if (token.length > MAX_TOKEN_LENGTH) throw invalid()
      const d1 = token.indexOf('.')
      const d2 = d1 === -1 ? -1 : token.indexOf('.', d1 + 1)
      if (d1 <= 0 || d2 === -1 || token.indexOf('.', d2 + 1) !== -1) throw invalid()
      const h = token.slice(0, d1)
      const s = token.slice(d2 + 1)
      // The payload and the signature in one pass: base64url characters on either side of the dot.
      if (!PAYLOAD_AND_SIGNATURE.test(token.slice(d1 + 1))) throw invalid()

      const header = acceptedHeaders.get(h) ?? checkedHeader(h)
      const key = keys.verifierFor(header.kid)
      // The algorithm comes from our ring, never from the token: `alg` must name the kid's own.
      if (key === undefined || header.alg !== key.alg) throw invalid()

      const signature = Buffer.from(s, 'base64url')
      // Re-encoding catches a flipped padding bit that Buffer would silently ignore.
      if (signature.toString('base64url') !== s) throw invalid()
      const input = token.slice(0, d2)
      let ok: boolean
      if (key.alg === 'HS256') {
        // node:crypto's HMAC under the KeyObject loadKey made once, on every request: it costs
        // about 3 µs (jose's goes through WebCrypto's key import and promises, ~9× as much).
        const expected = createHmac('sha256', key.verifyKey).update(input).digest()
        ok = expected.length === signature.length && timingSafeEqual(expected, signature)
      } else if (rsaVerified.get(token) === key) {
        // These very bytes verified under this very key before, and the ring still holds it.
        ok = true
      } else {
        ok = verifySignature(key.alg === 'RS256' ? 'sha256' : 'sha512', Buffer.from(input), key.verifyKey, signature)
        if (ok) {
          if (rsaVerified.size >= RSA_VERIFIED_LIMIT) rsaVerified.clear()
          rsaVerified.set(token, key)
        }
      }
      if (!ok) throw invalid()
      // Only a header whose token was signed by a key of the ring is remembered: no one without
      // a key can fill the map, and our signers make one header per key.
      if (!acceptedHeaders.has(h)) {
        if (acceptedHeaders.size >= ACCEPTED_HEADERS_LIMIT) acceptedHeaders.clear()
        acceptedHeaders.set(h, header)
      }

      const claims = parseObject(token.slice(d1 + 1, d2))
      if (claims === null) throw invalid()
      const { sub, sid, type, exp, iat, nbf, iss, jti } = claims
      if (typeof exp !== 'number' || !Number.isFinite(exp)) throw invalid()
      if (type !== 'access' || typeof sub !== 'string' || typeof sid !== 'string' || iss !== issuer) throw invalid()
      const now = clock.now() / 1000
      if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now)) throw invalid()
      if (exp <= now) throw new AuthError('TOKEN_EXPIRED', 'Token has expired')
      return { sub, sid, type, exp, iat: typeof iat === 'number' ? iat : 0, iss, jti: typeof jti === 'string' ? jti : '', kid: key.kid }
    },
  }
}

/** What verify() reads from a JOSE header: the kid to look up, and the alg it must name. */
interface CheckedHeader {
  readonly kid: unknown
  readonly alg: unknown
}

/**
 * The header's kid and alg, once it is shown to be a strict JSON object in canonical base64url
 * naming no header that would make a verifier trust a key the token names, and typ JWT if any.
 */
function checkedHeader(h: string): CheckedHeader {
  if (!B64URL.test(h)) throw invalid()
  const header = parseObject(h)
  if (header === null || FORBIDDEN_HEADERS.some((name) => name in header)) throw invalid()
  if (header.typ !== undefined && header.typ !== 'JWT') throw invalid()
  return { kid: header.kid, alg: header.alg }
}

export type AccessTokens = ReturnType<typeof createAccessTokens>

/** A JWT segment's JSON object (a member named twice refuses the whole token); else null. */
export function parseObject(segment: string): Record<string, unknown> | null {
  return parseStrictObject(Buffer.from(segment, 'base64url').toString('utf8'))
}
