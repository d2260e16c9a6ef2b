// The console's own session: the access token in the JSON answer (the console keeps it in memory
// and sends it as a Bearer token), the refresh token in one HttpOnly, SameSite=Strict cookie scoped
// to these routes, and both bound to the browser's secret (core/sessions/binding.ts). Langflow's
// cookies are neither set nor read here, whatever the LANGFLOW_*_HTTPONLY settings say.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { stringifySetCookie } from 'cookie'
import { z } from 'zod'
import { AuthError } from '../../core/errors.ts'
import { checkBinding } from '../../core/sessions/binding.ts'
import type { TokenPair } from '../../core/sessions/sessions.ts'
import { singleCookie } from '../cookie-guard.ts'
import { appendCookies } from '../cookies.ts'
import { bearerToken, requireOwnOrigin } from '../credentials.ts'
import { headerOf } from '../request.ts'
import type { Route } from '../route.ts'
import { route } from '../route.ts'
import type { RouteDeps } from '../route-table.ts'
import * as S from '../schemas.ts'

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
function consoleBinding(req: IncomingMessage): string {
  requireOwnOrigin(req)
  return checkBinding(headerOf(req, BINDING_HEADER))
}

/**
 * Secure when the page is https. Behind a proxy that ends TLS this socket is plain http, so the
 * page's Origin decides (a browser always sends it on these POSTs); without one, the socket does.
 */
function secure(req: IncomingMessage): boolean {
  const origin = req.headers.origin
  return origin !== undefined ? origin.startsWith('https://') : (req.socket as TLSSocket).encrypted === true
}

function sessionCookie(req: IncomingMessage, value: string, maxAgeSeconds: number): string {
  return stringifySetCookie(CONSOLE_COOKIE, value, { httpOnly: true, sameSite: 'strict', path: CONSOLE_COOKIE_PATH, secure: secure(req), maxAge: maxAgeSeconds })
}

const consoleTokens = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int(),
  device_token: z.string().optional().describe("At sign-in: this browser's device token, for its next sign-ins"),
})

const CONSOLE_ERRORS = ['FORBIDDEN', 'INVALID_INPUT'] as const

export function consoleRoutes({ core }: RouteDeps): Route[] {
  function answer(req: IncomingMessage, res: ServerResponse, tokens: TokenPair, extra: Record<string, string> = {}) {
    appendCookies(res, sessionCookie(req, tokens.refreshToken, core.settings.refreshTtlSeconds()))
    // No refresh token in the body: it lives only in the HttpOnly cookie.
    return { body: { access_token: tokens.accessToken, token_type: 'bearer', expires_in: core.settings.accessTtlSeconds(), ...extra } }
  }

  return [
    route({
      method: 'POST', path: '/api/v1/console/login', caller: 'public', tag: 'console',
      summary: "The console's sign-in: the access token in the answer, the refresh token in an HttpOnly cookie bound to this browser",
      body: z.object({ username: S.text('username').optional(), password: S.text('password').optional() }),
      bodyMedia: 'form-or-json', response: consoleTokens,
      errors: [...CONSOLE_ERRORS, 'INVALID_CREDENTIALS', 'INACTIVE_USER', 'WAITING_FOR_APPROVAL', 'LOGIN_THROTTLED'],
      async handler({ req, res, body, context }) {
        const binding = consoleBinding(req)
        // The device token from the header only (a device cookie is neither read nor set here), so
        // that the admin's own browser is not locked out by others' guessing, nor by a copied cookie.
        const device = headerOf(req, DEVICE_HEADER)
        const tokens = await core.login(body.username, body.password, context, device === undefined ? [] : [device])
        // Bound before the refresh token leaves the server: it never exists unbound outside it.
        core.sessions.bind(tokens.session.id, binding)
        return answer(req, res, tokens, { device_token: tokens.deviceToken })
      },
    }),

    route({
      method: 'POST', path: '/api/v1/console/refresh', caller: 'public', tag: 'console',
      summary: "Renew the console's access token with its cookie and this browser's binding",
      response: consoleTokens, errors: [...CONSOLE_ERRORS, 'INVALID_REFRESH_TOKEN', 'REFRESH_REUSED', 'SESSION_REVOKED', 'DUPLICATE_COOKIE'],
      async handler({ req, res, context }) {
        const binding = consoleBinding(req)
        const presented = singleCookie(req, CONSOLE_COOKIE)
        try {
          if (presented === undefined) throw new AuthError('INVALID_REFRESH_TOKEN', 'No console session in this browser')
          return answer(req, res, await core.sessions.refresh(presented, context, binding))
        } catch (err) {
          // A cookie that does not renew (expired, revoked, planted from another login) is dropped.
          if (err instanceof AuthError) appendCookies(res, sessionCookie(req, '', 0))
          throw err
        }
      },
    }),

    // Ends the session of the refresh cookie (if bound to this browser) and of the Bearer token.
    route({
      method: 'POST', path: '/api/v1/console/logout', caller: 'public', tag: 'console',
      summary: "End the console's session", response: S.message, errors: [...CONSOLE_ERRORS, 'DUPLICATE_COOKIE'],
      handler({ req, res, context }) {
        const binding = consoleBinding(req)
        const bearer = bearerToken(req)
        try {
          const principal = bearer === undefined ? null : core.authenticate.token(bearer)
          if (principal?.sessionId) core.sessions.revoke(principal.sessionId, 'logout', context)
        } catch {
          // an expired or revoked access token: signing out still drops the cookie
        }
        appendCookies(res, sessionCookie(req, '', 0))
        // After the Bearer's session is ended: a duplicated cookie (cookie-guard.ts) is refused and cleared.
        const presented = singleCookie(req, CONSOLE_COOKIE)
        const bound = presented === undefined ? null : core.sessions.boundSession(presented, binding)
        if (bound !== null) core.sessions.revoke(bound.id, 'logout', context)
        return { body: { message: 'Logout successful' } }
      },
    }),
  ]
}
