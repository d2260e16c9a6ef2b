// The console's token inspector: for a pasted token, whether it verifies against the key ring
// (and if not, the likeliest reason), whether it is active right now, and the session it belongs
// to. Only a superuser reaches this, so it may say more than a 401 does; it never changes state
// (a used refresh token is looked up, not presented, so no reuse detection fires).

import { AuthError } from '../errors.ts'
import type { IntrospectionService } from '../introspection.ts'
import type { KeyRing } from '../keys/key-ring.ts'
import type { Sessions } from '../sessions/sessions.ts'
import type { Session, Store } from '../store/types.ts'
import type { AccessTokens } from '../tokens/access-tokens.ts'
import { parseObject } from '../tokens/access-tokens.ts'

/** The session a token names, with its user's name (null once the user is deleted). */
export type InspectedSession = Session & { readonly username: string | null }

export interface TokenInspection {
  readonly kind: 'access' | 'refresh' | 'unknown'
  readonly verified: boolean
  readonly reason: string | null
  readonly kid: string | null
  readonly active: boolean
  readonly session: InspectedSession | null
}

/** A JWT segment's JSON object, unverified, parsed as the verifier parses it; null when not one. */
const unverifiedPart = (token: string, index: number): Record<string, unknown> | null => parseObject(token.split('.')[index] ?? '')

export function createTokenInspector(deps: { accessTokens: AccessTokens; keys: KeyRing; sessions: Sessions; introspection: IntrospectionService; store: Store }) {
  const { accessTokens, keys, sessions, introspection, store } = deps

  const withUsername = (session: Session | null): InspectedSession | null =>
    session === null ? null : { ...session, username: store.users.byId(session.userId)?.username ?? null }

  function whyNotVerified(token: string, err: AuthError): string {
    if (err.code === 'TOKEN_EXPIRED') return 'Expired'
    const header = unverifiedPart(token, 0)
    if (header === null || token.split('.').length !== 3) return 'Not a well-formed JWT'
    const key = keys.verifierFor(header.kid)
    if (key === undefined) return `Signed with a key that is not in the ring (kid ${JSON.stringify(header.kid ?? null)}: unknown or retired)`
    if (header.alg !== key.alg) return `Its alg ${JSON.stringify(header.alg ?? null)} is not its key's ${key.alg}`
    return 'Bad signature, or claims this server does not accept (type, issuer, times)'
  }

  function whyInactive(session: Session | null): string {
    if (session === null) return 'Its session does not exist (deleted with its user?)'
    if (session.revokedAt !== null) return `Its session was revoked (${session.revokeReason ?? 'revoked'})`
    return 'Its user is inactive or deleted, or its session expired'
  }

  return function inspect(token: string): TokenInspection {
    if (token.includes('.')) {
      let verified = true
      let reason: string | null = null
      let sid: unknown
      let kid: unknown
      try {
        const claims = accessTokens.verify(token)
        sid = claims.sid
        kid = claims.kid
      } catch (err) {
        if (!(err instanceof AuthError)) throw err
        verified = false
        reason = whyNotVerified(token, err)
        sid = unverifiedPart(token, 1)?.sid
        kid = unverifiedPart(token, 0)?.kid
      }
      const session = typeof sid === 'string' ? sessions.byId(sid) : null
      const active = verified && introspection.introspect(token, 'access_token').active
      if (verified && !active) reason = whyInactive(session)
      return { kind: 'access', verified, reason, kid: typeof kid === 'string' ? kid : null, active, session: withUsername(session) }
    }
    const info = sessions.refreshTokenInfo(token)
    if (info === null) return { kind: 'unknown', verified: false, reason: 'Neither a JWT nor a refresh token this server issued', kid: null, active: false, session: null }
    const active = introspection.introspect(token, 'refresh_token').active
    const reason = active ? null : info.row.usedAt !== null ? 'Already rotated: presenting it again would be a reuse and revoke the session' : whyInactive(info.session)
    return { kind: 'refresh', verified: true, reason, kid: null, active, session: withUsername(info.session) }
  }
}
