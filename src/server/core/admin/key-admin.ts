// The key ring as the console sees it: each key with how many live sessions still hold a token it
// signed, what the environment pins, and the emergency rotation that also signs everyone out.

import type { Actor } from '../users/users.ts'
import type { KeyRing } from '../keys/key-ring.ts'
import type { Sessions } from '../sessions/sessions.ts'

export function createKeyAdmin(deps: { keys: KeyRing; sessions: Sessions }) {
  const { keys, sessions } = deps
  return {
    describe() {
      const dependents = sessions.liveCountByKid()
      return {
        algorithm: keys.signer().alg,
        activeKid: keys.signer().kid,
        pins: keys.pins(),
        keys: keys.list().map((record) => ({ record, liveSessions: record.state === 'retired' ? 0 : (dependents[record.kid] ?? 0) })),
      }
    },

    /**
     * Regenerates the signing key. Without `revokeSessions` nobody is logged out. With it (a leaked
     * key, say): every session is revoked and every older key retired at once, so no token signed
     * before this moment, genuine or forged, is accepted any more.
     */
    async rotate(actor: Actor, revokeSessions: boolean) {
      const key = await keys.rotate(actor)
      if (!revokeSessions) return { key, revokedSessions: 0, retiredKeys: [] as string[] }
      const revoked = sessions.revokeAll('admin', actor.context, actor.user.id)
      return { key, revokedSessions: revoked.length, retiredKeys: keys.retireAllInactive() }
    },
  }
}

export type KeyAdmin = ReturnType<typeof createKeyAdmin>
