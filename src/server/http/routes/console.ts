// The console's own session: the access token in the JSON answer (the console keeps it in memory
// and sends it as a Bearer token), the refresh token in one HttpOnly, SameSite=Strict cookie scoped
// to these routes, and both bound to the browser's secret (core/sessions/binding.ts). Langflow's
// cookies are neither set nor read here, whatever the LANGFLOW_*_HTTPONLY settings say.

import { Router } from 'express'
import type { Request, Response } from 'express'
import { stringifySetCookie } from 'cookie'
import type { AuthCore } from '../../core/core.ts'
import { AuthError } from '../../core/errors.ts'
import { checkBinding } from '../../core/sessions/binding.ts'
import type { TokenPair } from '../../core/sessions/sessions.ts'
import { singleCookie } from '../cookie-guard.ts'
import { bearerToken, requireOwnOrigin } from '../credentials.ts'
import { contextOf, field } from '../request.ts'

export const CONSOLE_COOKIE = 'authdock_console'
/** The narrowest path that covers refresh and logout: the cookie never rides along with any other request. */
export const CONSOLE_COOKIE_PATH = '/api/v1/console'
/** The browser's secret, from the console's localStorage; a form cannot send a header, a page of another origin cannot read it. */
export const BINDING_HEADER = 'X-Authdock-Binding'
/**
 * The console's device token (core/device-cookies.ts), from its localStorage as well: never a
 * cookie, which every port of the host receives (RFC 6265 §8.5), so that a server on another port
 * the browser visits cannot copy it and spend (and lock) the console's device budget.
 */
export const DEVICE_HEADER = 'X-Authdock-Device'

/**
 * Every console route: from the console's own origin only (a form on another port must not sign
 * this browser in, even with no cookie yet: login CSRF), and with the browser's binding.
 */
function consoleBinding(req: Request): string {
  requireOwnOrigin(req)
  return checkBinding(req.get(BINDING_HEADER))
}

/**
 * Secure when the page is https. Behind a proxy that ends TLS this socket is plain http, so the
 * page's Origin decides (a browser always sends it on these POSTs); without one, the socket does.
 */
function secure(req: Request): boolean {
  const origin = req.get('origin')
  return origin !== undefined ? origin.startsWith('https://') : req.secure
}

function sessionCookie(req: Request, value: string, maxAgeSeconds: number): string {
  return stringifySetCookie(CONSOLE_COOKIE, value, { httpOnly: true, sameSite: 'strict', path: CONSOLE_COOKIE_PATH, secure: secure(req), maxAge: maxAgeSeconds })
}

export function consoleRoutes(core: AuthCore): Router {
  const router = Router()

  function answer(req: Request, res: Response, tokens: TokenPair, extra: Record<string, string> = {}): void {
    res.append('Set-Cookie', sessionCookie(req, tokens.refreshToken, core.settings.refreshTtlSeconds()))
    // No refresh token in the body: it lives only in the HttpOnly cookie.
    res.json({ access_token: tokens.accessToken, token_type: 'bearer', expires_in: core.settings.accessTtlSeconds(), ...extra })
  }

  router.post('/console/login', async (req, res) => {
    const binding = consoleBinding(req)
    // The device token from the header only (a device cookie is neither read nor set here), so
    // that the admin's own browser is not locked out by others' guessing, nor by a copied cookie.
    const device = req.get(DEVICE_HEADER)
    const tokens = await core.login(field(req, 'username'), field(req, 'password'), contextOf(req), device === undefined ? [] : [device])
    // Bound before the refresh token leaves the server: it never exists unbound outside it.
    core.sessions.bind(tokens.session.id, binding)
    answer(req, res, tokens, { device_token: tokens.deviceToken })
  })

  router.post('/console/refresh', async (req, res) => {
    const binding = consoleBinding(req)
    const presented = singleCookie(req, CONSOLE_COOKIE)
    try {
      if (presented === undefined) throw new AuthError('INVALID_REFRESH_TOKEN', 'No console session in this browser')
      answer(req, res, await core.sessions.refresh(presented, contextOf(req), binding))
    } catch (err) {
      // A cookie that does not renew (expired, revoked, planted from another login) is dropped.
      if (err instanceof AuthError) res.append('Set-Cookie', sessionCookie(req, '', 0))
      throw err
    }
  })

  // Ends the session of the refresh cookie (if bound to this browser) and of the Bearer token.
  router.post('/console/logout', (req, res) => {
    const binding = consoleBinding(req)
    const bearer = bearerToken(req)
    try {
      const principal = bearer === undefined ? null : core.authenticate.token(bearer)
      if (principal?.sessionId) core.sessions.revoke(principal.sessionId, 'logout', contextOf(req))
    } catch {
      // an expired or revoked access token: signing out still drops the cookie
    }
    res.append('Set-Cookie', sessionCookie(req, '', 0))
    // After the Bearer's session is ended: a duplicated cookie (cookie-guard.ts) is refused and cleared.
    const presented = singleCookie(req, CONSOLE_COOKIE)
    const bound = presented === undefined ? null : core.sessions.boundSession(presented, binding)
    if (bound !== null) core.sessions.revoke(bound.id, 'logout', contextOf(req))
    res.json({ message: 'Logout successful' })
  })

  return router
}
