// What local apps use to trust our tokens: RFC 7662 introspection, RFC 7009 revocation, a
// forward-auth endpoint for reverse proxies, and a stream of revocations for apps that verify
// tokens offline with the JWKS.

import { Router } from 'express'
import type { Request, Response } from 'express'
import type { AuthCore } from '../../core/core.ts'
import { AuthError } from '../../core/errors.ts'
import type { Principal } from '../../core/authenticate.ts'
import { resolvePrincipal } from '../credentials.ts'
import { contextOf, field } from '../request.ts'
import { openAuditStream } from '../sse.ts'
import type { StreamHub } from '../sse.ts'

/** RFC 6749 §5.2 errors, which OAuth client libraries read; `detail`/`code` as everywhere else. */
function oauthError(res: Response, status: number, error: string, description: string): void {
  if (status === 401) res.set('WWW-Authenticate', 'Bearer')
  res.status(status).json({ error, error_description: description, detail: description, code: status === 401 ? 'NOT_AUTHENTICATED' : 'INVALID_INPUT' })
}

/** The `token` form field, or null after answering 400 invalid_request. */
function tokenField(req: Request, res: Response): string | null {
  const token = field(req, 'token')
  if (typeof token === 'string' && token !== '' && token.length <= 16_384) return token
  oauthError(res, 400, 'invalid_request', 'The token parameter is required')
  return null
}

/** An API key, or a superuser's token: who may ask about other people's tokens. */
function trustedCaller(core: AuthCore, req: Request): Principal {
  let principal: Principal | null = null
  try {
    principal = resolvePrincipal(core, req)
  } catch {
    principal = null
  }
  if (principal === null) throw new AuthError('NOT_AUTHENTICATED', 'An API key (x-api-key) or a superuser token is required')
  if (principal.sessionId !== null && !principal.user.isSuperuser) throw new AuthError('NOT_SUPERUSER', 'Only an API key or a superuser may do this')
  return principal
}

export function localAppRoutes(core: AuthCore, streams: StreamHub): Router {
  const router = Router()

  router.post('/oauth/introspect', (req, res) => {
    trustedCaller(core, req)
    const token = tokenField(req, res)
    if (token === null) return
    const hint = field(req, 'token_type_hint')
    const r = core.introspection.introspect(token, typeof hint === 'string' ? hint : undefined)
    if (!r.active) return void res.json({ active: false })
    res.json({
      active: true, sub: r.sub, username: r.username, exp: r.exp, iat: r.iat, sid: r.sid, type: r.type,
      // RFC 7662 token_type is the RFC 6749 §7.1 type: only an access token is a bearer token.
      ...(r.type === 'access' ? { token_type: 'Bearer' } : {}), is_superuser: r.isSuperuser,
      iss: core.config.issuer, ...(r.jti === null ? {} : { jti: r.jti }), ...(r.kid === null ? {} : { kid: r.kid }),
    })
  })

  // Holding a token is the right to end its session: no other credential is asked (RFC 7009 §2.1
  // allows this for public clients), and an unknown token still gets 200 (§2.2).
  router.post('/oauth/revoke', (req, res) => {
    const token = tokenField(req, res)
    if (token === null) return
    core.introspection.revoke(token, contextOf(req))
    res.status(200).json({})
  })

  // GET /auth/verify (forward auth) is answered by fast-routes.ts.

  router.get('/revocations/stream', (req, res) => {
    const principal = trustedCaller(core, req)
    // A token must stay a superuser's; an API key may be anyone's, as long as it exists.
    const stream = openAuditStream(streams, 'revocations', req, res, {
      core, principal, superuser: principal.apiKeyId === null,
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
  })

  return router
}
