// Public endpoints: the JWKS (RSA public keys only), discovery metadata and a health check.

import { createHash } from 'node:crypto'
import { z } from 'zod'
import { ALGORITHMS } from '../../core/config.ts'
import { publicBaseUrl } from '../../core/host-policy.ts'
import type { Route } from '../route.ts'
import { route } from '../route.ts'
import type { RouteDeps } from '../route-table.ts'

const jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) })

export function wellKnownRoutes({ core, listenAddress }: RouteDeps): Route[] {
  // Discovery (OpenID Connect Discovery / RFC 8414 field names) so client libraries find the JWKS,
  // the token, introspection and revocation endpoints without configuration.
  // The URLs come from configuration, never from the request's Host (host-policy.ts).
  const discovery = () => {
    const base = publicBaseUrl(core.config, listenAddress())
    return {
      headers: { 'Cache-Control': 'public, max-age=300' },
      body: {
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
      },
    }
  }
  const metadata = z.object({ issuer: z.string(), jwks_uri: z.string() }).catchall(z.unknown())

  return [
    route({
      method: 'GET', path: '/.well-known/jwks.json', caller: 'public', tag: 'discovery',
      summary: 'The public keys that verify our RS256/RS512 tokens (RFC 7517)', response: jwks,
      otherStatuses: { 304: 'Not modified: the If-None-Match ETag is current' },
      async handler({ req }) {
        // While a new config dir's first RSA key is generated, an empty set would be cached by
        // verifiers for max-age: this waits for the key, as issuing tokens does.
        await core.keys.pending()
        const body = JSON.stringify(core.keys.jwks())
        const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
        // Short max-age: after a rotation the new kid signs at once, so verifiers must see it soon;
        // a verifier meeting an unknown kid refetches anyway (jose's createRemoteJWKSet does).
        const headers = { 'Cache-Control': 'public, max-age=60, must-revalidate', ETag: etag }
        if (req.headers['if-none-match'] === etag) return { status: 304, headers, raw: '' }
        return { headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8' }, raw: body }
      },
    }),
    route({
      method: 'GET', path: '/.well-known/openid-configuration', caller: 'public', tag: 'discovery',
      summary: 'OpenID Connect Discovery metadata', response: metadata, handler: discovery,
    }),
    route({
      method: 'GET', path: '/.well-known/oauth-authorization-server', caller: 'public', tag: 'discovery',
      summary: 'RFC 8414 authorization server metadata', response: metadata, handler: discovery,
    }),
    route({
      method: 'GET', path: '/api/v1/health', caller: 'public', tag: 'discovery',
      summary: 'Liveness: 200 while the server answers', response: z.object({ status: z.literal('ok') }),
      handler: () => ({ body: { status: 'ok' } }),
    }),
  ]
}
