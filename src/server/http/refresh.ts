// Langflow's refresh, once for both routes that rotate a refresh token: POST /refresh and the
// token endpoint's refresh_token grant (routes/auth.ts). What is presented, rotated and answered.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AuthCore } from '../core/core.ts'
import { AuthError } from '../core/errors.ts'
import type { CookieJar } from './cookies.ts'
import { appendCookies, REFRESH_COOKIE } from './cookies.ts'
import { singleCookie } from './cookie-guard.ts'
import { refuseCrossSiteLogin, requireOwnOrigin } from './credentials.ts'
import { tokenResponse } from './dto.ts'
import { contextOf } from './request.ts'

/**
 * The refresh token a request presents: the refresh cookie (Langflow), else a `refresh_token`
 * field of the body (clients without a cookie jar); '' for none. Refresh and logout alike.
 */
export function presentedRefreshToken(req: IncomingMessage, fromBody: unknown, cookieDomain: string | null): string {
  const cookie = singleCookie(req, REFRESH_COOKIE, [cookieDomain])
  // The cookie rides along with requests other pages make (every localhost port is one site), and
  // a CORS-listed origin could read the new tokens: it is honoured only from our own pages.
  if (cookie) requireOwnOrigin(req)
  return cookie || (typeof fromBody === 'string' ? fromBody : '')
}

/** Rotates the presented refresh token; sets the new cookies and returns the JSON. Throws AuthError. */
export async function refreshSession(core: AuthCore, cookies: CookieJar, req: IncomingMessage, res: ServerResponse, fromBody: unknown) {
  // The body's token from a form on another page would sign this browser in as someone else.
  refuseCrossSiteLogin(req, core.config.corsOrigins)
  const presented = presentedRefreshToken(req, fromBody, core.config.cookies.domain)
  if (presented === '') throw new AuthError('INVALID_REFRESH_TOKEN', 'Invalid refresh token')
  // No binding: a console session's token (bound to its browser) is refused here, untouched.
  const tokens = await core.sessions.refresh(presented, contextOf(req))
  appendCookies(res, cookies.tokenCookies(tokens, { access: core.settings.accessTtlSeconds(), refresh: core.settings.refreshTtlSeconds() }))
  return tokenResponse(tokens)
}
