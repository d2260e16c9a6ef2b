// Admin: the key ring, one-click rotation (optionally signing everyone out), algorithm switch and
// importing an admin's own key. What env pins is refused with ENV_PINNED and the variable's name.

import { z } from 'zod'
import { keyRead } from '../dto.ts'
import { actorOf, requireConfirmation } from '../request.ts'
import type { Route } from '../route.ts'
import { route } from '../route.ts'
import type { RouteDeps } from '../route-table.ts'
import * as S from '../schemas.ts'

const keyAnswer = z.object({ key: S.keyRead.nullable() })

export function adminKeyRoutes({ core }: RouteDeps): Route[] {
  // The key list waits for a new config dir's first key, as issuing tokens does.
  const keyOf = async (kid: string) => {
    const entry = (await core.keyAdmin.describe()).keys.find((k) => k.record.kid === kid)
    return entry === undefined ? null : keyRead(entry.record, entry.liveSessions)
  }
  return [
    route({
      method: 'GET', path: '/api/v1/admin/keys', caller: 'superuser', tag: 'admin: keys',
      summary: 'The key ring: the signing key, keys that still verify, retired keys', response: S.keyRing,
      async handler() {
        const ring = await core.keyAdmin.describe()
        return {
          body: {
            algorithm: ring.algorithm,
            active_kid: ring.activeKid,
            pinned: ring.pins,
            jwks_uri: '/.well-known/jwks.json',
            keys: ring.keys.map((k) => keyRead(k.record, k.liveSessions)),
          },
        }
      },
    }),

    // {"revoke_sessions": true, "confirm": "revoke-all"} is the emergency button.
    route({
      method: 'POST', path: '/api/v1/admin/keys/rotate', caller: 'superuser', tag: 'admin: keys', status: 201,
      summary: 'Rotate: a new signing key now; with revoke_sessions, everyone is signed out too',
      body: z.object({
        // Strictly a boolean: "true" or 1 must not quietly become a rotation that signs no one out.
        revoke_sessions: z.boolean({ error: 'revoke_sessions must be true or false' }).default(false),
        confirm: z.unknown().optional().describe(`"${S.REVOKE_ALL_CONFIRMATION}", with revoke_sessions`),
      }),
      bodyOptional: true,
      response: z.object({ key: S.keyRead.nullable(), revoked_count: z.number().int(), revoked_api_keys: z.number().int(), retired_kids: z.array(z.string()) }),
      errors: ['CONFIRMATION_REQUIRED', 'ENV_PINNED', 'KEYS_NOT_READY'],
      async handler(call) {
        if (call.body.revoke_sessions) requireConfirmation(call.body.confirm)
        const result = await core.keyAdmin.rotate(actorOf(call), call.body.revoke_sessions)
        return { body: { key: await keyOf(result.key.kid), revoked_count: result.revokedSessions, revoked_api_keys: result.revokedApiKeys, retired_kids: result.retiredKeys } }
      },
    }),

    route({
      method: 'POST', path: '/api/v1/admin/keys/import', caller: 'superuser', tag: 'admin: keys', status: 201,
      summary: 'Import a key of your own: an HS256 secret, or an RSA key pair in PEM',
      body: z.object({
        algorithm: S.algorithm,
        secret: z.unknown().optional().describe('HS256: the secret'),
        private_key: z.unknown().optional().describe('RS256/RS512: the private key, PEM'),
        public_key: z.unknown().optional().describe('RS256/RS512: the public key, PEM (optional)'),
      }),
      response: keyAnswer, errors: ['INVALID_KEY', 'ENV_PINNED', 'KEYS_NOT_READY'],
      async handler(call) {
        const { algorithm, secret, private_key: privateKey, public_key: publicKey } = call.body
        const record = await core.keys.importKey(algorithm, { secret, privateKey, publicKey }, actorOf(call))
        return { body: { key: await keyOf(record.kid) } }
      },
    }),

    route({
      method: 'PUT', path: '/api/v1/admin/algorithm', caller: 'superuser', tag: 'admin: keys',
      summary: 'Switch the signing algorithm', body: z.object({ algorithm: S.algorithm }),
      response: z.object({ algorithm: S.algorithm, key: S.keyRead.nullable() }), errors: ['ENV_PINNED', 'INVALID_KEY', 'KEYS_NOT_READY'],
      async handler(call) {
        const record = await core.keys.switchAlgorithm(call.body.algorithm, actorOf(call))
        return { body: { algorithm: record.alg, key: await keyOf(record.kid) } }
      },
    }),
  ]
}
