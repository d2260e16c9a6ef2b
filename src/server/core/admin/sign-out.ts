// "Sign everyone out": every session and every API key, the emergency button shared by the
// Sessions screen's revoke-all and the key ring's rotation for a leaked key.

import type { ApiKeys } from '../api-keys.ts'
import type { Sessions } from '../sessions/sessions.ts'
import type { Actor } from '../users/users.ts'

export interface SignedOut {
  readonly revokedSessions: number
  readonly revokedApiKeys: number
}

export function createSignOut(deps: { sessions: Sessions; apiKeys: ApiKeys }) {
  const { sessions, apiKeys } = deps
  return {
    /**
     * Revokes every session, then every API key. `beforeApiKeys` runs between the two: a key
     * rotation retires the old signing keys there, so that a revocation stream opened with an API
     * key is told of the retired kids before its own key goes and the stream with it.
     */
    everyone(actor: Actor, beforeApiKeys: () => void = () => {}): SignedOut {
      const revokedSessions = sessions.revokeAll('admin', actor.context, actor.user.id).length
      beforeApiKeys()
      const revokedApiKeys = apiKeys.revokeAll('sign_everyone_out', actor.context, actor.user.id)
      return { revokedSessions, revokedApiKeys }
    },
  }
}

export type SignOut = ReturnType<typeof createSignOut>
