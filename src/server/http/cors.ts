// CORS: closed unless AUTHDOCK_CORS_ORIGINS lists an origin. A listed origin is echoed back exactly
// (never `*`, since credentials are allowed), with Vary: Origin so no cache hands one origin's
// answer to another; its preflights are answered here. Any other origin's preflight is a 403.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { AuthError } from '../core/errors.ts'
import { errorReply, sendJson } from './error-writer.ts'
import { writeHead } from './security-headers.ts'

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE'
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Api-Key, Last-Event-ID'
// What a script of a listed origin may read besides the simple response headers.
const EXPOSED_HEADERS = 'WWW-Authenticate, Retry-After, Content-Disposition, X-Auth-User, X-Auth-User-Id, X-Auth-Superuser'
const PREFLIGHT_MAX_AGE_SECONDS = '600'

/** Returns a handler that sets CORS headers and answers preflights; true when it answered. */
export function createCors(allowedOrigins: readonly string[]) {
  const allowed = new Set(allowedOrigins)
  return function cors(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin
    const preflight = req.method === 'OPTIONS' && origin !== undefined && req.headers['access-control-request-method'] !== undefined
    if (allowed.size > 0) res.setHeader('Vary', 'Origin')
    if (origin === undefined || !allowed.has(origin)) {
      if (!preflight) return false
      const reply = errorReply(new AuthError('FORBIDDEN', 'This origin may not call the API from a browser (see AUTHDOCK_CORS_ORIGINS)'))
      sendJson(res, reply.status, reply.headers, reply.body)
      return true
    }
    res.setHeader('Access-Control-Allow-Origin', origin)
    res.setHeader('Access-Control-Allow-Credentials', 'true')
    if (!preflight) {
      res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS)
      return false
    }
    writeHead(res, 204, {
      'Access-Control-Allow-Methods': ALLOWED_METHODS,
      'Access-Control-Allow-Headers': ALLOWED_HEADERS,
      'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_SECONDS,
    })
    res.end()
    return true
  }
}
