// Authorization codes of the code flow (RFC 6749 §4.1, OAuth 2.1, RFC 9700): single-use, 60 s,
// bound to the client, the redirect URI, the PKCE challenge and the nonce of the request that got
// them. A code presented a second time is refused and what its first exchange issued is revoked
// (§4.1.2: it was stolen, or the first exchange was). Only a code's SHA-256 is stored.

import { createHash, randomBytes } from 'node:crypto'
import type { RequestContext } from '../audit.ts'
import type { Clock } from '../clock.ts'
import { AuthError } from '../errors.ts'
import type { Sessions } from '../sessions/sessions.ts'
import type { AuthorizationCode, Store } from '../store/types.ts'
import { isCodeChallenge, pkceMatches } from './pkce.ts'

export const CODE_TTL_MS = 60_000

const hashOf = (code: string): string => createHash('sha256').update(code).digest('base64url')

/** What a code stands for: the user's grant to a client, as the authorization request made it. */
export type CodeGrant = Omit<AuthorizationCode, 'codeHash' | 'createdAt' | 'expiresAt' | 'usedAt' | 'sessionId'>

export interface Redemption {
  readonly clientId: string
  readonly redirectUri: string
  readonly codeVerifier: string
}

const refused = (detail: string) => new AuthError('INVALID_GRANT', detail)

export function createAuthorizationCodes(deps: { store: Store; clock: Clock; sessions: Pick<Sessions, 'revoke'> }) {
  const { store, clock, sessions } = deps

  return {
    /** A new code for a grant the user has just made; the only time the code exists in clear. */
    issue(grant: CodeGrant): string {
      if (!isCodeChallenge(grant.codeChallenge)) throw new AuthError('INVALID_INPUT', 'code_challenge must be the S256 challenge: 43 base64url characters')
      const code = randomBytes(32).toString('base64url')
      const now = clock.now()
      store.authorizationCodes.insert({ ...grant, codeHash: hashOf(code), createdAt: now, expiresAt: now + CODE_TTL_MS })
      return code
    },

    /**
     * The grant of a code, which is spent by this call whatever its outcome: a wrong client,
     * redirect URI or verifier is as much a sign of theft as a second use. A second use revokes
     * the session the first one created. Throws INVALID_GRANT.
     */
    redeem(code: string, presented: Redemption, context?: RequestContext): AuthorizationCode {
      const codeHash = hashOf(code)
      const now = clock.now()
      const { found, first } = store.transaction(() => {
        const found = store.authorizationCodes.byHash(codeHash)
        return { found, first: found !== null && store.authorizationCodes.markUsed(codeHash, now) }
      })
      if (found === null || found.expiresAt <= now) throw refused('The authorization code is unknown or has expired')
      if (!first) {
        if (found.sessionId !== null) sessions.revoke(found.sessionId, 'code_replay', context)
        throw refused('The authorization code was already used; what it was exchanged for is revoked')
      }
      // RFC 6749 §4.1.3: issued to this client, for this redirect URI; RFC 7636 §4.6: this verifier.
      if (found.clientId !== presented.clientId) throw refused('The authorization code was issued to another client')
      if (found.redirectUri !== presented.redirectUri) throw refused('redirect_uri is not the one of the authorization request')
      if (!pkceMatches(presented.codeVerifier, found.codeChallenge)) throw refused('code_verifier does not match the code_challenge')
      return found
    },

    /** Records the session a code's exchange created, so that a replay can revoke it. */
    exchanged(code: string, sessionId: string): void {
      store.authorizationCodes.attachSession(hashOf(code), sessionId)
    },

    /** Forgets codes that expired more than a lifetime ago (a replay of one is refused as unknown). */
    sweep(): number {
      return store.authorizationCodes.deleteExpired(clock.now() - CODE_TTL_MS)
    },
  }
}

export type AuthorizationCodes = ReturnType<typeof createAuthorizationCodes>
