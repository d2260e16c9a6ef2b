// Admin: every user's API keys (never the keys themselves: who holds one, its use and expiry),
// and revoking any of them.

import { Router } from 'express'
import type { AuthCore } from '../../core/core.ts'
import { adminApiKeyRead } from '../dto.ts'
import { actorOf, pageOf, queryText } from '../request.ts'

export function adminApiKeyRoutes(core: AuthCore): Router {
  const router = Router()

  router.get('/api-keys', (req, res) => {
    const page = core.apiKeys.listAll({ userId: queryText(req, 'user_id') }, pageOf(req, 50))
    const now = core.clock.now()
    res.json({ total_count: page.total, api_keys: page.keys.map((k) => adminApiKeyRead(k, now)) })
  })

  router.delete('/api-keys/:id', (req, res) => {
    const { user, context } = actorOf(req, res)
    core.apiKeys.revokeOne(String(req.params.id), context, user.id)
    res.json({ revoked_api_keys: 1 })
  })

  return router
}
