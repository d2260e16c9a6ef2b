// Turns a presented credential into the caller, with every check of the hot path: signature and
// header (access-tokens.ts), token type, live session, existing and active user.

import type { ApiKeys } from './api-keys.ts'
import type { Clock } from './clock.ts'
import { AuthError } from './errors.ts'
import type { Sessions } from './sessions/sessions.ts'
import type { Store, User } from './store/types.ts'
import type { AccessClaims, AccessTokens } from './tokens/access-tokens.ts'

export interface Principal {
  readonly user: User
  /** The session of the access token; null when the caller used an API key. */
  readonly sessionId: string | null
  readonly claims: AccessClaims | null
  /** The API key the caller used; null for a token. */
  readonly apiKeyId: string | null
}

export function createAuthenticator(deps: { store: Store; clock: Clock; accessTokens: AccessTokens; sessions: Sessions; apiKeys: ApiKeys }) {
  const { store, clock, accessTokens, sessions, apiKeys } = deps

  function activeUser(id: string): User {
    const user = store.users.byId(id)
    if (user === null || !user.isActive) throw new AuthError('INVALID_TOKEN', 'User not found or is inactive.')
    return user
  }

  return {
    token(token: string): Principal {
      const claims = accessTokens.verify(token)
      if (!sessions.isLive(claims.sid, claims.sub)) throw new AuthError('SESSION_REVOKED', 'Session has expired or was revoked')
      return { user: activeUser(claims.sub), sessionId: claims.sid, claims, apiKeyId: null }
    },
    /**
     * A caller authenticated earlier (a long-lived event stream) as they are now, or null if they
     * would no longer be accepted: user present and active, API key not deleted nor expired, or
     * the token's session live and the token unexpired. The user is read afresh (a demotion shows).
     * Never counts an API-key use.
     */
    current(principal: Principal): Principal | null {
      const user = store.users.byId(principal.user.id)
      if (user === null || !user.isActive) return null
      if (principal.apiKeyId !== null) return apiKeys.isActive(user.id, principal.apiKeyId) ? { ...principal, user } : null
      const { claims, sessionId } = principal
      const live = claims !== null && sessionId !== null && claims.exp * 1000 > clock.now() && sessions.isLive(sessionId, user.id)
      return live ? { ...principal, user } : null
    },
    apiKey(key: string): Principal {
      const record = apiKeys.use(key)
      if (record === null) throw new AuthError('INVALID_API_KEY', 'Invalid API key')
      return { user: activeUser(record.userId), sessionId: null, claims: null, apiKeyId: record.id }
    },
  }
}

export type Authenticator = ReturnType<typeof createAuthenticator>
