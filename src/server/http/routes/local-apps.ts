// What local apps use to trust our tokens: RFC 7662 introspection, RFC 7009 revocation, a
// forward-auth endpoint for reverse proxies, and a stream of revocations for apps that verify
// tokens offline with the JWKS.

import { z } from 'zod'
import { introspectionRead } from '../dto.ts'
import { forwardAuthReply } from '../forward-auth.ts'
import type { Route } from '../route.ts'
import { route } from '../route.ts'
import type { RouteDeps } from '../route-table.ts'
import { openAuditStream } from '../sse.ts'

/** Longer than any token this server issues. */
const MAX_TOKEN_LENGTH = 16_384

const tokenForm = z.object({
  token: z.string({ error: 'The token parameter is required' }).min(1, { error: 'The token parameter is required' }).max(MAX_TOKEN_LENGTH, { error: `token must be at most ${MAX_TOKEN_LENGTH} characters` }),
  token_type_hint: z.string().optional().describe('access_token or refresh_token; a wrong hint is ignored'),
})

const introspection = z.union([
  z.object({ active: z.literal(false) }),
  z.object({
    active: z.literal(true),
    sub: z.string(),
    username: z.string(),
    exp: z.number().int(),
    iat: z.number().int(),
    sid: z.string(),
    type: z.enum(['access', 'refresh']),
    token_type: z.literal('Bearer').optional(),
    is_superuser: z.boolean(),
    iss: z.string(),
    jti: z.string().optional(),
    kid: z.string().optional(),
  }),
])

export function localAppRoutes({ core, streams }: RouteDeps): Route[] {
  return [
    route({
      method: 'POST', path: '/api/v1/oauth/introspect', caller: 'local-app', tag: 'local apps', dialect: 'oauth',
      summary: "RFC 7662 introspection: whether a token is active, and whose (a superuser's token or API key asks)",
      body: tokenForm, bodyMedia: 'form-or-json', response: introspection,
      handler({ body }) {
        const r = core.introspection.introspect(body.token, body.token_type_hint)
        return { body: r.active ? introspectionRead(r, core.config.issuer) : { active: false } }
      },
    }),

    // Holding a token is the right to end its session: no other credential is asked (RFC 7009 §2.1
    // allows this for public clients), and an unknown token still gets 200 (§2.2).
    route({
      method: 'POST', path: '/api/v1/oauth/revoke', caller: 'public', tag: 'local apps', dialect: 'oauth',
      summary: 'RFC 7009 revocation: ends the session of the token presented',
      body: tokenForm, bodyMedia: 'form-or-json', response: z.object({}),
      handler({ body, context }) {
        core.introspection.revoke(body.token, context)
        return { body: {} }
      },
    }),

    route({
      method: 'GET', path: '/api/v1/auth/verify', caller: 'user', tag: 'local apps',
      summary: 'Forward auth (nginx auth_request, Caddy forward_auth, Traefik forwardAuth): 200 with the caller in X-Auth-* headers, or 401/403',
      response: z.object({ user_id: z.string(), username: z.string(), is_superuser: z.boolean(), session_id: z.string().nullable() }),
      handler: ({ caller, credential, req }) => forwardAuthReply(caller, credential, req),
    }),

    route({
      method: 'GET', path: '/api/v1/revocations/stream', caller: 'local-app', tag: 'local apps',
      summary: 'Server-sent events: a snapshot of revoked sessions and retired keys, then each revocation as it happens',
      response: null, errors: ['TOO_MANY_STREAMS'],
      handler({ req, res, caller }) {
        // Re-checked at every heartbeat and after any event that may take the right away.
        const stream = openAuditStream(streams, 'revocations', req, res, {
          core, principal: caller, allowed: core.introspection.mayIntrospect,
          forward(e, s) {
            if (e.type === 'session_revoked' && e.sessionId !== null) s.send('revoked', { sid: e.sessionId, user_id: e.userId }, e.id)
            else if (e.type === 'key_retired') s.send('key_retired', { kid: e.detail.kid }, e.id)
          },
        })
        // Revoked sessions whose latest access token has not expired yet: their tokens are still out there.
        stream.send('snapshot', {
          revoked_sessions: core.sessions.revokedWithLiveTokens(),
          retired_kids: core.keys.list().filter((k) => k.state === 'retired').map((k) => k.kid),
        })
        return 'streamed'
      },
    }),
  ]
}
