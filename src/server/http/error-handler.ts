// One table from the core's error codes to HTTP statuses; every error leaves as JSON
// `{detail, code}` (Langflow's clients read `detail`), and every 401 says WWW-Authenticate: Bearer.

import type { ErrorRequestHandler, RequestHandler, Response } from 'express'
import type { AuthErrorCode } from '../core/errors.ts'
import { AuthError } from '../core/errors.ts'
import type { Logger } from '../core/core.ts'
import { DuplicateCookieError } from './cookie-guard.ts'

const statusFor: Record<AuthErrorCode, number> = {
  INVALID_CREDENTIALS: 401,
  INACTIVE_USER: 401,
  WAITING_FOR_APPROVAL: 400,
  LOGIN_THROTTLED: 429,
  NOT_AUTHENTICATED: 401,
  INVALID_TOKEN: 401,
  TOKEN_EXPIRED: 401,
  INVALID_API_KEY: 401,
  INVALID_REFRESH_TOKEN: 401,
  REFRESH_REUSED: 401,
  SESSION_REVOKED: 401,
  FORBIDDEN: 403,
  NOT_SUPERUSER: 403,
  USER_NOT_FOUND: 404,
  USERNAME_TAKEN: 400,
  INVALID_INPUT: 422,
  UNSUPPORTED_MEDIA_TYPE: 415,
  WEAK_PASSWORD: 422,
  PASSWORD_CHANGE_NOT_ALLOWED: 400,
  SAME_PASSWORD: 400,
  WRONG_CURRENT_PASSWORD: 400,
  SELF_DELETE: 400,
  LAST_SUPERUSER: 409,
  API_KEY_NOT_FOUND: 400,
  API_KEY_EXPIRED: 401,
  TOO_MANY_API_KEYS: 409,
  API_KEY_RATE_LIMITED: 429,
  SIGNUP_DISABLED: 403,
  AUTO_LOGIN_DISABLED: 403,
  NO_SUPERUSER: 400,
  SETUP_NOT_NEEDED: 409,
  INVALID_SETUP_CODE: 403,
  ENV_PINNED: 409,
  INVALID_KEY: 422,
  SESSION_NOT_FOUND: 404,
  CONFIRMATION_REQUIRED: 400,
  TOO_MANY_STREAMS: 429,
  // RFC 9110 §15.5.20: this server is not the one that name is meant for (a DNS-rebinding page).
  HOST_NOT_ALLOWED: 421,
  // 401, so that Langflow's UI and the console both take it as "sign in again".
  DUPLICATE_COOKIE: 401,
  // Only while a new config dir's first key is generated (about a second); sent with Retry-After.
  KEYS_NOT_READY: 503,
}

/** What an AuthError becomes on the wire: shared by the Express routes and the fast path. */
export function authErrorReply(err: AuthError): { status: number; headers: Record<string, string | string[]>; body: Record<string, unknown> } {
  const status = statusFor[err.code]
  const headers: Record<string, string | string[]> = {}
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer'
  if (err.retryAfterSeconds !== undefined) headers['Retry-After'] = String(err.retryAfterSeconds)
  if (err instanceof DuplicateCookieError) headers['Set-Cookie'] = err.clearing
  return { status, headers, body: { ...err.fields, detail: err.detail, code: err.code } }
}

export function sendError(res: Response, status: number, detail: unknown, code: string, fields: Readonly<Record<string, unknown>> = {}): void {
  if (res.headersSent) return
  if (status === 401) res.set('WWW-Authenticate', 'Bearer')
  res.status(status).json({ ...fields, detail, code })
}

/** body-parser and friends throw errors carrying a 4xx `status` and a `type`. */
interface HttpishError {
  status?: unknown
  type?: unknown
  expose?: unknown
  message: string
}

/** body-parser's error types, worded for the API; the fast path's own body reader uses them too. */
export const parserMessages = {
  'entity.parse.failed': 'The request body is not valid JSON',
  'entity.too.large': 'The request body is too large',
  'encoding.unsupported': 'The request body encoding is not supported',
  'charset.unsupported': 'The request body charset is not supported',
  'request.aborted': 'The request was aborted',
  'parameters.too.many': 'The request body has too many fields',
} as const satisfies Record<string, string>

export function createErrorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) {
      // Too late for a JSON error (a download failed half-way): cut the response so the client
      // sees a broken transfer rather than a short file that looks complete, or a hang.
      log.error('error after the response started', { method: req.method, path: req.path, error: err instanceof Error ? err.message : String(err) })
      res.destroy()
      return
    }
    if (err instanceof AuthError) {
      const reply = authErrorReply(err)
      res.set(reply.headers).status(reply.status).json(reply.body)
      return
    }
    const e = err as HttpishError
    if (e?.type === 'entity.parse.failed') {
      // FastAPI (and so Langflow) answers an unparsable JSON body with 422, not 400.
      sendError(res, 422, parserMessages[e.type], 'INVALID_INPUT')
      return
    }
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      const message = (typeof e.type === 'string' && (parserMessages as Record<string, string | undefined>)[e.type]) || (e.expose === true ? e.message : 'Bad request')
      sendError(res, e.status, message, 'BAD_REQUEST')
      return
    }
    // Only the method and path: never a query, header or body, which could hold a secret.
    log.error('unhandled error', { method: req.method, path: req.path, error: err instanceof Error ? err.stack : String(err) })
    sendError(res, 500, 'Internal server error', 'INTERNAL')
  }
}

export const notFound: RequestHandler = (_req, res) => sendError(res, 404, 'Not Found', 'NOT_FOUND')
