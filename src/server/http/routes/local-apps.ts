// What local apps use to trust our tokens: RFC 7662 introspection, RFC 7009 revocation, a
// forward-auth endpoint for reverse proxies, and a stream of revocations for apps that verify
// tokens offline with the JWKS.

import { Router } from 'express'
import type { Request, Response } from 'express'
import type { AuthCore } from '../../core/core.ts'
import type { Principal } from '../../core/authenticate.ts'
import { resolvePrincipal } from '../credentials.ts'
import { introspectionRead } from '../dto.ts'
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

/** The trusted caller (core's requireTrustedCaller); a bad credential answers as everywhere (401, a duplicated cookie cleared, a cross-site cookie 403). */
const trustedCaller = (core: AuthCore, req: Request): Principal => core.introspection.requireTrustedCaller(resolvePrincipal(core, req))

export function localAppRoutes(core: AuthCore, streams: StreamHub): Router {
  const router = Router()

  router.post('/oauth/introspect', (req, res) => {
    trustedCaller(core, req)
    const token = tokenField(req, res)
    if (token === null) return
    const hint = field(req, 'token_type_hint')
    const r = core.introspection.introspect(token, typeof hint === 'string' ? hint : undefined)
    res.json(r.active ? introspectionRead(r, core.config.issuer) : { active: false })
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
    // Re-checked at every heartbeat and after any event that may take the right away.
    const stream = openAuditStream(streams, 'revocations', req, res, {
      core, principal, allowed: core.introspection.mayIntrospect,
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
