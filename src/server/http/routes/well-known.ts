// Public endpoints: the JWKS (RSA public keys only), discovery metadata and a health check.

import { createHash } from 'node:crypto'
import { Router } from 'express'
import type { Request, Response } from 'express'
import { ALGORITHMS } from '../../core/config.ts'
import type { AuthCore } from '../../core/core.ts'
import { publicBaseUrl } from '../../core/host-policy.ts'
import type { BoundAddress } from '../../core/host-policy.ts'

export function wellKnownRoutes(core: AuthCore, listenAddress: () => BoundAddress | null): Router {
  const router = Router()

  router.get('/.well-known/jwks.json', async (req, res) => {
    // While a new config dir's first RSA key is generated, an empty set would be cached by
    // verifiers for max-age: this waits for the key, as issuing tokens does.
    await core.keys.pending()
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

  // Discovery (OpenID Connect Discovery / RFC 8414 field names) so client libraries find the JWKS,
  // the token, introspection and revocation endpoints without configuration.
  // The URLs come from configuration, never from the request's Host (host-policy.ts).
  const discovery = (_req: Request, res: Response) => {
    const base = publicBaseUrl(core.config, listenAddress())
    res.set('Cache-Control', 'public, max-age=300')
    res.json({
      issuer: core.config.issuer,
      jwks_uri: `${base}/.well-known/jwks.json`,
      token_endpoint: `${base}/api/v1/login`,
      introspection_endpoint: `${base}/api/v1/oauth/introspect`,
      revocation_endpoint: `${base}/api/v1/oauth/revoke`,
      grant_types_supported: ['password', 'refresh_token'],
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
      token_endpoint_auth_methods_supported: ['none'],
      introspection_endpoint_auth_methods_supported: ['bearer', 'api_key'],
      revocation_endpoint_auth_methods_supported: ['none'],
      id_token_signing_alg_values_supported: [...ALGORITHMS],
      token_signing_alg_values_supported: [...ALGORITHMS],
      claims_supported: ['sub', 'sid', 'type', 'iat', 'exp', 'jti', 'iss'],
    })
  }
  router.get('/.well-known/openid-configuration', discovery)
  router.get('/.well-known/oauth-authorization-server', discovery)

  router.get('/api/v1/health', (_req, res) => {
    res.json({ status: 'ok' })
  })

  return router
}
