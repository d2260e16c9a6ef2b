// Public endpoints: the JWKS (RSA public keys only) and a health check.

import { createHash } from 'node:crypto'
import { Router } from 'express'
import type { AuthCore } from '../../core/core.ts'

export function wellKnownRoutes(core: AuthCore): Router {
  const router = Router()

  router.get('/.well-known/jwks.json', (req, res) => {
    const body = JSON.stringify(core.keys.jwks())
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
    // Short max-age: after a rotation the new kid signs at once, so verifiers must see it soon;
    // a verifier meeting an unknown kid refetches anyway (jose's createRemoteJWKSet does).
    res.set({ 'Cache-Control': 'public, max-age=60, must-revalidate', ETag: etag })
    if (req.get('if-none-match') === etag) {
      res.status(304).end()
      return
    }
    res.type('application/json').send(body)
  })

  router.get('/api/v1/health', (_req, res) => {
    res.json({ status: 'ok' })
  })

  return router
}
