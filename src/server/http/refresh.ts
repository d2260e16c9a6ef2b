// Langflow's refresh, once for both callers: the Express routes (POST /refresh, and the token
// endpoint's refresh_token grant in routes/auth.ts) and the node:http fast path (fast-routes.ts).
// Only how the body is read differs between them; what is presented, rotated and answered is here.

import type { IncomingMessage } from 'node:http'
import type { AuthCore } from '../core/core.ts'
import { AuthError } from '../core/errors.ts'
import type { CookieJar } from './cookies.ts'
import { singleCookie } from './cookie-guard.ts'
import { REFRESH_COOKIE } from './cookies.ts'
import { refuseCrossSiteLogin, requireOwnOrigin } from './credentials.ts'
import { tokenResponse } from './dto.ts'
import { contextOf, fieldOf } from './request.ts'

export interface RefreshAnswer {
  readonly setCookie: string[]
  readonly body: ReturnType<typeof tokenResponse>
}

/**
 * The refresh token a request presents: the refresh cookie (Langflow), else a `refresh_token`
 * field of the parsed body (clients without a cookie jar); '' for none. Refresh and logout alike.
 */
export function presentedRefreshToken(req: IncomingMessage, body: unknown, cookieDomain: string | null): string {
  const cookie = singleCookie(req, REFRESH_COOKIE, [cookieDomain])
  // The cookie rides along with requests other pages make (every localhost port is one site), and
  // a CORS-listed origin could read the new tokens: it is honoured only from our own pages.
  if (cookie) requireOwnOrigin(req)
  const fromBody = fieldOf(body, 'refresh_token')
  return cookie || (typeof fromBody === 'string' ? fromBody : '')
}

/**
 * The refresh cookie (Langflow), else a `refresh_token` field of the parsed body (clients without
 * a cookie jar); rotates it and returns the new cookies and JSON. Throws AuthError.
 */
export async function refreshSession(core: AuthCore, cookies: CookieJar, req: IncomingMessage, body: unknown): Promise<RefreshAnswer> {
  // The body's token from a form on another page would sign this browser in as someone else.
  refuseCrossSiteLogin(req, core.config.corsOrigins)
  const presented = presentedRefreshToken(req, body, core.config.cookies.domain)
  if (presented === '') throw new AuthError('INVALID_REFRESH_TOKEN', 'Invalid refresh token')
  // No binding: a console session's token (bound to its browser) is refused here, untouched.
  const tokens = await core.sessions.refresh(presented, contextOf(req))
  const ttl = { access: core.settings.accessTtlSeconds(), refresh: core.settings.refreshTtlSeconds() }
  return { setCookie: cookies.tokenCookies(tokens, ttl), body: tokenResponse(tokens) }
}
