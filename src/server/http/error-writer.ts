// Every error answer, written once: one table from the core's error codes to HTTP statuses, and
// the route's dialect for the body. Langflow's clients read `{"detail", "code"}`; OAuth clients
// read `{"error", "error_description"}` (RFC 6749 §5.2, RFC 7009, RFC 7662). A bearer failure
// says why in WWW-Authenticate (RFC 6750 §3.1), which Langflow's clients ignore.

import type { ServerResponse } from 'node:http'
import type { Logger } from '../core/core.ts'
import type { AuthErrorCode } from '../core/errors.ts'
import { AuthError } from '../core/errors.ts'
import { DuplicateCookieError } from './cookie-guard.ts'
import { writeHead } from './security-headers.ts'
import type { Dialect } from './route.ts'

export const statusFor: Record<AuthErrorCode, number> = {
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
  // Ours (Langflow has no email): a conflict with another user's record, as RFC 9110 §15.5.10 means it.
  EMAIL_TAKEN: 409,
  // FastAPI (and so Langflow) answers input that fails its schema with 422, not 400.
  INVALID_INPUT: 422,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BODY_TOO_LARGE: 413,
  BAD_REQUEST: 400,
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
  INVALID_GRANT: 400,
  CLIENT_NOT_FOUND: 404,
  // RFC 6749 §5.2: 401 when the client tried to authenticate (the token endpoint adds its challenge).
  INVALID_CLIENT: 401,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  INTERNAL: 500,
}

/** The credential was presented and is no good: RFC 6750's invalid_token. */
const INVALID_CREDENTIAL = new Set<AuthErrorCode>(['INVALID_TOKEN', 'TOKEN_EXPIRED', 'SESSION_REVOKED', 'INVALID_API_KEY', 'API_KEY_EXPIRED', 'DUPLICATE_COOKIE'])
/** The credential is good and lacks the rights: RFC 6750's insufficient_scope. */
const LACKING_RIGHTS = new Set<AuthErrorCode>(['NOT_SUPERUSER'])
const BAD_INPUT = new Set<AuthErrorCode>(['INVALID_INPUT', 'CONFIRMATION_REQUIRED'])

/** RFC 6749 §5.2 / RFC 6750 §3.1 error names for our codes. */
function oauthErrorOf(code: AuthErrorCode, status: number): string {
  if (code === 'NOT_AUTHENTICATED' || code === 'INVALID_CLIENT') return 'invalid_client' // no or failed client authentication (§5.2)
  if (code === 'INVALID_GRANT') return 'invalid_grant'
  if (INVALID_CREDENTIAL.has(code)) return 'invalid_token'
  if (LACKING_RIGHTS.has(code)) return 'insufficient_scope'
  if (status >= 500) return 'server_error'
  return 'invalid_request'
}

/** RFC 6750 §3: a quoted-string may not hold `"` or `\`, and the header wants one short line. */
function quoted(text: string): string {
  return text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, ' ').slice(0, 200)
}

/** RFC 6750 §3.1; no error when the request had no credential at all. */
function bearerChallenge(code: AuthErrorCode, detail: string): string | undefined {
  if (INVALID_CREDENTIAL.has(code)) return `Bearer error="invalid_token", error_description="${quoted(detail)}"`
  if (LACKING_RIGHTS.has(code)) return `Bearer error="insufficient_scope", error_description="${quoted(detail)}"`
  return undefined
}

export interface ErrorReply {
  readonly status: number
  readonly headers: Record<string, string | string[]>
  readonly body: Record<string, unknown>
}

/** What an AuthError becomes on the wire, in the route's dialect. */
export function errorReply(err: AuthError, dialect: Dialect = 'langflow'): ErrorReply {
  const description = typeof err.detail === 'string' ? err.detail : err.message
  // OAuth has no 422: a request its endpoint cannot take is a 400 invalid_request (RFC 6749 §5.2).
  const status = dialect === 'oauth' && BAD_INPUT.has(err.code) ? 400 : statusFor[err.code]
  const headers: Record<string, string | string[]> = {}
  const challenge = bearerChallenge(err.code, description)
  if (challenge !== undefined) headers['WWW-Authenticate'] = challenge
  else if (status === 401) headers['WWW-Authenticate'] = 'Bearer' // RFC 9110 §15.5.2: every 401 carries one
  if (err.retryAfterSeconds !== undefined) headers['Retry-After'] = String(err.retryAfterSeconds)
  if (err instanceof DuplicateCookieError) headers['Set-Cookie'] = err.clearing
  const body = dialect === 'oauth'
    ? { error: oauthErrorOf(err.code, status), error_description: description }
    : { ...err.fields, detail: err.detail, code: err.code }
  return { status, headers, body }
}

/** A JSON answer: what every API response, error or not, is written with. */
export function sendJson(res: ServerResponse, status: number, headers: Readonly<Record<string, string | string[]>>, body: unknown): void {
  const json = JSON.stringify(body)
  writeHead(res, status, headers, ['Content-Type', 'application/json; charset=utf-8', 'Content-Length', Buffer.byteLength(json)])
  res.end(json)
}

/**
 * Writes any error a route raised. An AuthError is the client's to read; anything else is ours,
 * logged with the method and path only (never a query, header or body, which could hold a secret)
 * and answered with a bare 500. Past the headers (a download failed half-way) the response is cut,
 * so the client sees a broken transfer rather than a short file that looks complete.
 */
export function writeError(res: ServerResponse, err: unknown, dialect: Dialect, log: Logger, where: { method?: string; path: string }): void {
  if (res.headersSent) {
    log.error('error after the response started', { ...where, error: err instanceof Error ? err.message : String(err) })
    res.destroy()
    return
  }
  if (!(err instanceof AuthError)) {
    log.error('unhandled error', { ...where, error: err instanceof Error ? err.stack : String(err) })
    err = new AuthError('INTERNAL', 'Internal server error')
  }
  const reply = errorReply(err as AuthError, dialect)
  sendJson(res, reply.status, reply.headers, reply.body)
}
