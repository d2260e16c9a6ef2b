// RFC 7662 introspection and RFC 7009 revocation for local apps: who may ask, is this token good
// right now (signature, expiry, live session, active user), and end the session a token belongs to.

import type { RequestContext } from './audit.ts'
import type { Principal } from './authenticate.ts'
import type { Clock } from './clock.ts'
import { toSeconds } from './clock.ts'
import { AuthError } from './errors.ts'
import type { Sessions } from './sessions/sessions.ts'
import type { Store } from './store/types.ts'
import type { AccessTokens } from './tokens/access-tokens.ts'

export type Introspection =
  | { readonly active: false }
  | {
      readonly active: true
      readonly type: 'access' | 'refresh'
      readonly sub: string
      readonly username: string
      readonly sid: string
      readonly iat: number
      readonly exp: number
      readonly isSuperuser: boolean
      readonly jti: string | null
      readonly kid: string | null
    }

const INACTIVE = { active: false } as const

/**
 * Whether a caller may introspect other people's tokens and follow every revocation (the
 * revocation stream). RFC 7662 §2.1 wants the caller to be an authorised protected resource, not
 * any holder of a token: what it learns (who holds which session, who was signed out) is about
 * every user. Today that is a superuser, by access token or by one of their API keys. This is the
 * one place the rule lives: a registry of local apps (OAuth clients) extends it here.
 */
export function mayIntrospect(principal: Principal): boolean {
  return principal.user.isSuperuser
}

export function createIntrospection(deps: { store: Store; clock: Clock; accessTokens: AccessTokens; sessions: Sessions }) {
  const { store, clock, accessTokens, sessions } = deps

  function accessClaims(token: string) {
    try {
      return accessTokens.verify(token)
    } catch (err) {
      if (err instanceof AuthError) return null
      throw err
    }
  }

  function introspect(token: string, hint?: string): Introspection {
    // The hint only orders the lookups (RFC 7662 §2.1); both kinds are always tried.
    const order = hint === 'refresh_token' ? [refresh, access] : [access, refresh]
    for (const lookup of order) {
      const result = lookup(token)
      if (result.active) return result
    }
    return INACTIVE
  }

  function access(token: string): Introspection {
    if (!token.includes('.')) return INACTIVE
    const claims = accessClaims(token)
    if (claims === null || !sessions.isLive(claims.sid, claims.sub)) return INACTIVE
    const user = store.users.byId(claims.sub)
    if (user === null || !user.isActive) return INACTIVE
    return { active: true, type: 'access', sub: user.id, username: user.username, sid: claims.sid, iat: claims.iat, exp: claims.exp, isSuperuser: user.isSuperuser, jti: claims.jti || null, kid: claims.kid }
  }

  function refresh(token: string): Introspection {
    const info = sessions.refreshTokenInfo(token)
    if (info === null) return INACTIVE
    const { row, session } = info
    const now = clock.now()
    // Only the newest link of a family can be exchanged; a used one is inactive even in the grace window.
    if (row.usedAt !== null || row.expiresAt <= now || !sessions.isLive(session.id, session.userId)) return INACTIVE
    const user = store.users.byId(session.userId)
    if (user === null || !user.isActive) return INACTIVE
    return { active: true, type: 'refresh', sub: user.id, username: user.username, sid: session.id, iat: toSeconds(row.issuedAt), exp: toSeconds(row.expiresAt), isSuperuser: user.isSuperuser, jti: null, kid: null }
  }

  return {
    mayIntrospect,
    introspect,

    /** Ends the session of a refresh or access token; an unknown or invalid token is not an error (RFC 7009 §2.2). */
    revoke(token: string, context: RequestContext): boolean {
      const info = sessions.refreshTokenInfo(token)
      // An access token ends only a live session of its own subject: one that names someone else's
      // session is refused everywhere else, and must not end that session here either.
      const claims = info === null && token.includes('.') ? accessClaims(token) : null
      const sid = info?.session.id ?? (claims !== null && sessions.isLive(claims.sid, claims.sub) ? claims.sid : undefined)
      return sid === undefined ? false : sessions.revoke(sid, 'oauth_revoke', context)
    },
  }
}

export type IntrospectionService = ReturnType<typeof createIntrospection>
