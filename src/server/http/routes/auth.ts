// Login, refresh, logout, auto-login and first-run setup, with Langflow's shapes and cookies.

import { z } from 'zod'
import { appendCookies, REFRESH_COOKIE } from '../cookies.ts'
import { cookieValues, decodeCookieValue, DuplicateCookieError } from '../cookie-guard.ts'
import { accessCookieOf, bearerToken, refuseCrossSiteLogin, requireOwnOrigin, resolvePrincipal } from '../credentials.ts'
import { passwordLogin } from '../device-cookie.ts'
import { tokenResponse, userRead } from '../dto.ts'
import { presentedRefreshToken, refreshSession } from '../refresh.ts'
import type { Route } from '../route.ts'
import { route } from '../route.ts'
import type { RouteDeps } from '../route-table.ts'
import * as S from '../schemas.ts'

const LOGIN_ERRORS = ['INVALID_CREDENTIALS', 'INACTIVE_USER', 'WAITING_FOR_APPROVAL', 'LOGIN_THROTTLED', 'FORBIDDEN', 'DUPLICATE_COOKIE'] as const
const REFRESH_ERRORS = ['INVALID_REFRESH_TOKEN', 'REFRESH_REUSED', 'SESSION_REVOKED', 'FORBIDDEN', 'DUPLICATE_COOKIE'] as const

const loginForm = z.object({
  grant_type: z
    .enum(['password', 'refresh_token', ''], { error: 'grant_type must be "password" or "refresh_token"' })
    .optional()
    .describe('OAuth2 password form: "password" (or left out); "refresh_token" renews'),
  username: S.text('username').optional(),
  password: S.text('password').optional(),
  refresh_token: S.text('refresh_token').optional().describe('With grant_type=refresh_token, for clients without the cookie'),
})

const refreshField = z.string().optional().describe('For clients without the refresh cookie')
// Langflow's refresh and logout read no body: one that is not a token (another shape, a number,
// another media type) is no token, and the answer is that of a missing one, not a 422.
const refreshForm = z.object({ refresh_token: refreshField.catch(undefined) }).catch({ refresh_token: undefined })


export function authRoutes({ core, cookies }: RouteDeps): Route[] {
  const ttl = () => ({ access: core.settings.accessTtlSeconds(), refresh: core.settings.refreshTtlSeconds() })
  return [
    route({
      method: 'POST', path: '/api/v1/login', caller: 'public', tag: 'auth',
      summary: 'Sign in with a username and password (OAuth2 password form or JSON); sets the token cookies',
      body: loginForm, bodyMedia: 'form-or-json', response: S.tokenResponse,
      errors: [...LOGIN_ERRORS, ...REFRESH_ERRORS],
      async handler({ req, res, body }) {
        refuseCrossSiteLogin(req, core.config.corsOrigins) // login CSRF: both grants set this browser's cookies
        // The token endpoint of the discovery metadata renews here too.
        if (body.grant_type === 'refresh_token') return { body: await refreshSession(core, cookies, req, res, body.refresh_token) }
        const tokens = await passwordLogin(core, req, res, body.username, body.password)
        cookies.setLogin(res, tokens, ttl())
        return { body: tokenResponse(tokens) }
      },
    }),

    route({
      method: 'POST', path: '/api/v1/refresh', caller: 'public', tag: 'auth',
      summary: 'Renew the tokens with the refresh cookie (Langflow) or a refresh_token field',
      body: refreshForm, bodyMedia: 'form-json-or-none', bodyOptional: true, response: S.tokenResponse, errors: REFRESH_ERRORS,
      async handler({ req, res, body }) {
        return { body: await refreshSession(core, cookies, req, res, body.refresh_token) }
      },
    }),

    // Ends the session server-side: the one of the access token, and the one of the refresh token.
    // With a session cookie sent twice (another page wrote one, cookie-guard.ts) logging out still
    // works: every copy's session ends and every copy is cleared, rather than a 401 that leaves the
    // real session alive.
    route({
      method: 'POST', path: '/api/v1/logout', caller: 'public', tag: 'auth',
      summary: "End the caller's session and clear the token cookies",
      body: refreshForm, bodyMedia: 'form-json-or-none', bodyOptional: true, response: S.message, errors: ['FORBIDDEN', 'DUPLICATE_COOKIE'],
      handler({ req, res, body, context }) {
        const sessions = new Set<string>()
        try {
          const principal = bearerToken(req) !== undefined || accessCookieOf(core, req) !== undefined ? resolvePrincipal(core, req) : null
          if (principal?.sessionId) sessions.add(principal.sessionId)
        } catch (err) {
          // an expired or revoked access token: logging out still clears what the client holds
          if (err instanceof DuplicateCookieError) appendCookies(res, err.clearing)
        }
        // From our own pages only, as for refresh: another page must not sign the admin out.
        let refreshTokens: string[]
        try {
          const one = presentedRefreshToken(req, body.refresh_token, core.config.cookies.domain)
          refreshTokens = one === '' ? [] : [one]
        } catch (err) {
          if (!(err instanceof DuplicateCookieError)) throw err
          requireOwnOrigin(req)
          appendCookies(res, err.clearing)
          refreshTokens = cookieValues(req.headers.cookie ?? '', REFRESH_COOKIE).map(decodeCookieValue)
        }
        for (const token of refreshTokens) {
          const session = core.sessions.sessionOfRefreshToken(token)
          if (session !== null) sessions.add(session.id)
        }
        for (const id of sessions) core.sessions.revoke(id, 'logout', context)
        cookies.clearAll(res)
        return { body: { message: 'Logout successful' } }
      },
    }),

    route({
      method: 'GET', path: '/api/v1/auto_login', caller: 'public', tag: 'auth',
      summary: 'Sign in as the configured superuser, when LANGFLOW_AUTO_LOGIN is on',
      response: S.tokenResponse, errors: ['AUTO_LOGIN_DISABLED', 'NO_SUPERUSER'],
      async handler({ res, context }) {
        const tokens = await core.autoLogin(context)
        // Langflow: the access cookie as a session cookie, and no refresh cookie.
        cookies.setLogin(res, { accessToken: tokens.accessToken, refreshToken: null }, { access: null, refresh: 0 })
        return { body: tokenResponse(tokens) }
      },
    }),

    route({
      method: 'GET', path: '/api/v1/setup', caller: 'public', tag: 'setup',
      summary: 'Whether first-run setup is still needed', response: z.object({ needed: z.boolean() }),
      handler: () => ({ body: { needed: core.setup.needed() } }),
    }),

    route({
      method: 'POST', path: '/api/v1/setup', caller: 'public', tag: 'setup',
      summary: 'Create the first superuser with the one-time setup code', status: 201,
      body: z.object({ code: S.text('code'), username: S.text('username'), password: S.text('password') }),
      response: S.userRead, errors: ['SETUP_NOT_NEEDED', 'INVALID_SETUP_CODE', 'USERNAME_TAKEN', 'WEAK_PASSWORD', 'LOGIN_THROTTLED'],
      async handler({ body, context }) {
        return { body: userRead(await core.setup.complete(body, context)) }
      },
    }),
  ]
}
