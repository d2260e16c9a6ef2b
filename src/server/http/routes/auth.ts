// Login, refresh, logout, auto-login and first-run setup, with Langflow's shapes and cookies.

import { Router } from 'express'
import type { Request, Response } from 'express'
import type { AuthCore } from '../../core/core.ts'
import { AuthError } from '../../core/errors.ts'
import type { CookieJar } from '../cookies.ts'
import { cookieValues, decodeCookieValue, DuplicateCookieError } from '../cookie-guard.ts'
import { REFRESH_COOKIE } from '../cookies.ts'
import { tokenResponse, userRead } from '../dto.ts'
import { accessCookieOf, bearerToken, refuseCrossSiteLogin, requireOwnOrigin, resolvePrincipal } from '../credentials.ts'
import { passwordLogin } from '../device-cookie.ts'
import { contextOf, field, requireFormOrJson } from '../request.ts'
import { presentedRefreshToken, refreshSession } from '../refresh.ts'

export function authRoutes(core: AuthCore, cookies: CookieJar): Router {
  const router = Router()
  const ttl = () => ({ access: core.settings.accessTtlSeconds(), refresh: core.settings.refreshTtlSeconds() })

  // The same function answers POST /refresh on the node:http fast path (fast-routes.ts).
  async function refresh(req: Request, res: Response): Promise<void> {
    const answer = await refreshSession(core, cookies, req, req.body)
    res.append('Set-Cookie', answer.setCookie)
    res.json(answer.body)
  }

  // OAuth2 password form (grant_type, if sent, must be "password"); a JSON body is accepted too.
  router.post('/login', async (req, res) => {
    refuseCrossSiteLogin(req, core.config.corsOrigins) // login CSRF: both grants set this browser's cookies
    requireFormOrJson(req)
    const grant = field(req, 'grant_type')
    if (grant === 'refresh_token') return refresh(req, res) // the token endpoint of discovery metadata
    if (grant !== undefined && grant !== '' && grant !== 'password') {
      throw new AuthError('INVALID_INPUT', 'grant_type must be "password" or "refresh_token"')
    }
    const tokens = await passwordLogin(core, req, res, field(req, 'username'), field(req, 'password'))
    cookies.setTokens(res, tokens, ttl())
    cookies.setApiKeyCookie(res)
    res.json(tokenResponse(tokens))
  })

  // The refresh cookie (Langflow), or a refresh_token field for clients without a cookie jar.
  router.post('/refresh', refresh)

  // Ends the session server-side: the one of the access token, and the one of the refresh token.
  // With a session cookie sent twice (another page wrote one, cookie-guard.ts) logging out still
  // works: every copy's session ends and every copy is cleared, rather than a 401 that leaves the
  // real session alive.
  router.post('/logout', (req, res) => {
    const sessions = new Set<string>()
    try {
      const principal = bearerToken(req) !== undefined || accessCookieOf(core, req) !== undefined ? resolvePrincipal(core, req) : null
      if (principal?.sessionId) sessions.add(principal.sessionId)
    } catch (err) {
      // an expired or revoked access token: logging out still clears what the client holds
      if (err instanceof DuplicateCookieError) res.append('Set-Cookie', err.clearing)
    }
    // From our own pages only, as for refresh: another page must not sign the admin out.
    let refreshTokens: string[]
    try {
      const one = presentedRefreshToken(req, req.body, core.config.cookies.domain)
      refreshTokens = one === '' ? [] : [one]
    } catch (err) {
      if (!(err instanceof DuplicateCookieError)) throw err
      requireOwnOrigin(req)
      res.append('Set-Cookie', err.clearing)
      refreshTokens = cookieValues(req.headers.cookie ?? '', REFRESH_COOKIE).map(decodeCookieValue)
    }
    for (const token of refreshTokens) {
      const session = core.sessions.sessionOfRefreshToken(token)
      if (session !== null) sessions.add(session.id)
    }
    for (const id of sessions) core.sessions.revoke(id, 'logout', contextOf(req))
    cookies.clearAll(res)
    res.json({ message: 'Logout successful' })
  })

  router.get('/auto_login', async (req, res) => {
    const tokens = await core.autoLogin(contextOf(req))
    // Langflow: the access cookie as a session cookie, and no refresh cookie.
    cookies.setTokens(res, { accessToken: tokens.accessToken, refreshToken: null }, { access: null, refresh: 0 })
    cookies.setApiKeyCookie(res)
    res.json(tokenResponse(tokens))
  })

  router.get('/setup', (_req, res) => {
    res.json({ needed: core.setup.needed() })
  })

  router.post('/setup', async (req: Request, res) => {
    const user = await core.setup.complete(
      { code: field(req, 'code'), username: field(req, 'username'), password: field(req, 'password') },
      contextOf(req),
    )
    res.status(201).json(userRead(user))
  })

  return router
}
