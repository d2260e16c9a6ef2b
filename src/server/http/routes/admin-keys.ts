// Admin: the key ring, one-click rotation (optionally signing everyone out), algorithm switch and
// importing an admin's own key. What env pins is refused with ENV_PINNED and the variable's name.

import { Router } from 'express'
import { ALGORITHMS } from '../../core/config.ts'
import type { Algorithm } from '../../core/config.ts'
import type { AuthCore } from '../../core/core.ts'
import { AuthError } from '../../core/errors.ts'
import { keyRead } from '../dto.ts'
import { actorOf, jsonObject, optionalJsonObject, requireConfirmation } from '../request.ts'

function algorithmOf(value: unknown): Algorithm {
  if (typeof value !== 'string' || !(ALGORITHMS as readonly string[]).includes(value)) {
    throw new AuthError('INVALID_INPUT', `algorithm must be one of ${ALGORITHMS.join(', ')}`)
  }
  return value as Algorithm
}

export function adminKeyRoutes(core: AuthCore): Router {
  const router = Router()
  const keyOf = async (kid: string) => {
    const entry = (await core.keyAdmin.describe()).keys.find((k) => k.record.kid === kid)
    return entry === undefined ? null : keyRead(entry.record, entry.liveSessions)
  }

  router.get('/keys', async (_req, res) => {
    const ring = await core.keyAdmin.describe()
    res.json({
      algorithm: ring.algorithm,
      active_kid: ring.activeKid,
      pinned: ring.pins,
      jwks_uri: '/.well-known/jwks.json',
      keys: ring.keys.map((k) => keyRead(k.record, k.liveSessions)),
    })
  })

  // {"revoke_sessions": true, "confirm": "revoke-all"} is the emergency button.
  router.post('/keys/rotate', async (req, res) => {
    const body = optionalJsonObject(req)
    // Strictly a boolean: "true" or 1 must not quietly become a rotation that signs no one out.
    const revokeSessions = body.revoke_sessions ?? false
    if (typeof revokeSessions !== 'boolean') throw new AuthError('INVALID_INPUT', 'revoke_sessions must be true or false')
    if (revokeSessions) requireConfirmation(body)
    const result = await core.keyAdmin.rotate(actorOf(req, res), revokeSessions)
    res.status(201).json({ key: await keyOf(result.key.kid), revoked_count: result.revokedSessions, revoked_api_keys: result.revokedApiKeys, retired_kids: result.retiredKeys })
  })

  router.post('/keys/import', async (req, res) => {
    const body = jsonObject(req)
    const record = await core.keys.importKey(algorithmOf(body.algorithm), { secret: body.secret, privateKey: body.private_key, publicKey: body.public_key }, actorOf(req, res))
    res.status(201).json({ key: await keyOf(record.kid) })
  })

  router.put('/algorithm', async (req, res) => {
    const record = await core.keys.switchAlgorithm(algorithmOf(jsonObject(req).algorithm), actorOf(req, res))
    res.json({ algorithm: record.alg, key: await keyOf(record.kid) })
  })

  return router
}
