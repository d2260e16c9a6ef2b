// RFC 7662 introspection and RFC 7009 revocation for local apps: who may ask, is this token good
// right now (signature, expiry, live session, active user), and end the session a token belongs to.

import type { RequestContext } from './audit.ts'
import type { Principal } from './authenticate.ts'
import type { Clock } from './clock.ts'
import { AuthError } from './errors.ts'
import type { Sessions } from './sessions/sessions.ts'
import type { Store } from './store/types.ts'
import type { AccessTokens } from './tokens/access-tokens.ts'

/** What a token is right now; the HTTP layer spells it as RFC 7662's claims. */
export type Introspection =
  | { readonly active: false }
  | {
      readonly active: true
      readonly type: 'access' | 'refresh'
      readonly userId: string
      readonly username: string
      readonly sessionId: string
      /** Epoch ms, as every time in the core. */
      readonly issuedAt: number
      readonly expiresAt: number
      readonly isSuperuser: boolean
      /** The access token's own id (its jti); null for a refresh token. */
      readonly tokenId: string | null
      /** The signing key of an access token; null for a refresh token. */
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

const NOT_ALLOWED = "Only a superuser's token or API key may introspect tokens or follow revocations"

/**
 * The caller of introspection or of the revocation stream, if trusted: NOT_AUTHENTICATED without
 * a credential (RFC 7662 §2.3), NOT_SUPERUSER for one mayIntrospect refuses (the HTTP layer says
 * insufficient_scope: RFC 6750 §3.1, a valid credential without the rights the request needs).
 */
export function requireTrustedCaller(principal: Principal | null): Principal {
  if (principal === null) throw new AuthError('NOT_AUTHENTICATED', "A superuser's API key (x-api-key) or token is required")
  if (!mayIntrospect(principal)) {
    throw new AuthError('NOT_SUPERUSER', NOT_ALLOWED)
  }
  return principal
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
    return {
      active: true, type: 'access', userId: user.id, username: user.username, sessionId: claims.sid,
      issuedAt: claims.iat * 1000, expiresAt: claims.exp * 1000, isSuperuser: user.isSuperuser, tokenId: claims.jti || null, kid: claims.kid,
    }
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
    return {
      active: true, type: 'refresh', userId: user.id, username: user.username, sessionId: session.id,
      issuedAt: row.issuedAt, expiresAt: row.expiresAt, isSuperuser: user.isSuperuser, tokenId: null, kid: null,
    }
  }

  return {
    mayIntrospect,
    requireTrustedCaller,
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
