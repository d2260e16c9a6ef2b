// The key ring as the console sees it: each key with how many live sessions still hold a token it
// signed, what the environment pins, and the emergency rotation that also signs everyone out.

import type { Actor } from '../users/users.ts'
import type { KeyRing } from '../keys/key-ring.ts'
import type { Sessions } from '../sessions/sessions.ts'
import type { SignOut } from './sign-out.ts'

export function createKeyAdmin(deps: { keys: KeyRing; sessions: Sessions; signOut: SignOut }) {
  const { keys, sessions, signOut } = deps
  return {
    /** Waits for a key still being generated, so that the console never shows the ring without its signer. */
    async describe() {
      await keys.ready()
      const dependents = sessions.liveCountByKid()
      const signer = keys.signer()
      return {
        algorithm: signer.alg,
        activeKid: signer.kid,
        pins: keys.pins(),
        keys: keys.list().map((record) => ({ record, liveSessions: record.state === 'retired' ? 0 : (dependents[record.kid] ?? 0) })),
      }
    },

    /**
     * Regenerates the signing key. Without `revokeSessions` nobody is logged out. With it (a leaked
     * key, say): every session and every API key is revoked and every older key retired at once, so
     * no token signed before this moment, genuine or forged, is accepted any more, and no API key
     * made with a stolen token outlives the clean-up.
     */
    async rotate(actor: Actor, revokeSessions: boolean) {
      const key = await keys.rotate(actor)
      if (!revokeSessions) return { key, revokedSessions: 0, revokedApiKeys: 0, retiredKeys: [] as string[] }
      let retiredKeys: string[] = []
      const out = signOut.everyone(actor, () => void (retiredKeys = keys.retireAllInactive()))
      return { key, ...out, retiredKeys }
    },
  }
}

export type KeyAdmin = ReturnType<typeof createKeyAdmin>
