// The two routes local apps call on every request of their own, GET /api/v1/users/whoami and the
// forward-auth GET /api/v1/auth/verify, answered straight from node:http. Express's router and
// middleware cost several times the whole token check (bench/README.md); these routes need none
// of it: no body, no cookies set, no params. The caller is resolved by the same credentials.ts as
// every other route, through the same core, and errors leave as the same JSON.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Principal } from '../core/authenticate.ts'
import type { AuthCore, Logger } from '../core/core.ts'
import { AuthError } from '../core/errors.ts'
import { resolvePrincipal } from './credentials.ts'
import { userRead } from './dto.ts'
import { authErrorReply } from './error-handler.ts'

/** Headers every API answer carries (app.ts sets the same on the Express routes). */
export const API_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  // Tokens and identities travel in these responses: never cache them (RFC 6749 §5.1).
  'Cache-Control': 'no-store',
} as const

/** nginx auth_request, Traefik forwardAuth, Caddy forward_auth: who the caller is, in headers. */
export function forwardAuthReply(principal: Principal) {
  const { user } = principal
  return {
    headers: { 'X-Auth-User': encodeURIComponent(user.username), 'X-Auth-User-Id': user.id, 'X-Auth-Superuser': String(user.isSuperuser) },
    body: { user_id: user.id, username: user.username, is_superuser: user.isSuperuser, session_id: principal.sessionId },
  }
}

const ROUTES: Record<string, (p: Principal) => { headers?: Record<string, string>; body: unknown }> = {
  '/api/v1/users/whoami': (p) => ({ body: userRead(p.user) }),
  '/api/v1/auth/verify': forwardAuthReply,
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  const json = JSON.stringify(body)
  res.writeHead(status, { ...API_HEADERS, ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) })
  res.end(json)
}

/** Returns a handler that answers the fast routes and returns false for everything else. */
export function createFastRoutes(core: AuthCore, log: Logger) {
  return function handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' || req.url === undefined) return false
    const q = req.url.indexOf('?')
    const path = q === -1 ? req.url : req.url.slice(0, q)
    // Express (non-strict routing) took a trailing slash too.
    const route = ROUTES[path.endsWith('/') ? path.slice(0, -1) : path]
    if (route === undefined) return false
    try {
      const principal = resolvePrincipal(core, req)
      if (principal === null) throw new AuthError('NOT_AUTHENTICATED', 'No authentication credentials provided')
      const reply = route(principal)
      send(res, 200, reply.headers ?? {}, reply.body)
    } catch (err) {
      if (err instanceof AuthError) {
        const reply = authErrorReply(err)
        send(res, reply.status, reply.headers, reply.body)
      } else {
        log.error('unhandled error', { method: req.method, path, error: err instanceof Error ? err.stack : String(err) })
        send(res, 500, {}, { detail: 'Internal server error', code: 'INTERNAL' })
      }
    }
    return true
  }
}
