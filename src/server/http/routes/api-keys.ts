// Langflow's /api_key routes: list (masked), create (shown once, optionally expiring), delete (own keys only).

import { Router } from 'express'
import type { AuthCore } from '../../core/core.ts'
import { apiKeyRead } from '../dto.ts'
import { contextOf, createGuards, field, principalOf } from '../request.ts'

export function apiKeyRoutes(core: AuthCore): Router {
  const router = Router()
  const { requireUser } = createGuards(core)

  router.get('/api_key/', requireUser, (_req, res) => {
    const user = principalOf(res).user
    const keys = core.apiKeys.list(user.id)
    res.json({ total_count: keys.length, user_id: user.id, api_keys: keys.map((k) => apiKeyRead(k)) })
  })

  router.post('/api_key/', requireUser, (req, res) => {
    const { record, key } = core.apiKeys.create(principalOf(res).user, { name: field(req, 'name'), expiresAt: field(req, 'expires_at') }, contextOf(req))
    res.json(apiKeyRead(record, key))
  })

  router.delete('/api_key/:id', requireUser, (req, res) => {
    core.apiKeys.remove(principalOf(res).user, String(req.params.id), contextOf(req))
    res.json({ detail: 'API Key deleted' })
  })

  return router
}
