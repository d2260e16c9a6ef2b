// The device cookie at the edge (core/device-cookies.ts), for Langflow's login (clients without a
// browser, mostly): every value the client sent, the Set-Cookie line of a new one, and the
// password login that route calls. The console carries its device token in a header instead.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AuthCore } from '../core/core.ts'
import { DEVICE_COOKIE_TTL_SECONDS } from '../core/device-cookies.ts'
import type { LoginResult } from '../core/login.ts'
import { cookieValues } from './cookie-guard.ts'
import { appendCookies, serializeCookie } from './cookies.ts'
import { foreignLogin } from './credentials.ts'
import { contextOf } from './request.ts'

export const DEVICE_COOKIE = 'authdock_device'

/**
 * Every `authdock_device` value in the Cookie header, not just the first: a page on another port
 * of the same host may plant a same-named cookie with a longer Path (sent first) to hide the
 * real one, so the core takes whichever value is valid for the account signing in.
 *
 * None from a browser's request made by a page of another origin, unless AUTHDOCK_CORS_ORIGINS
 * lists it (such pages may sign in, credentials.ts). SameSite does not stop a page on another port
 * of the same host (same site): the browser attaches the user's device cookie to the page's
 * guesses, which would then lock the user's own device; such a request is judged as a client
 * without one. Nothing stops a server on another port that the browser visits from receiving the
 * cookie and replaying it without an Origin, though: cookies are not isolated by port (RFC 6265
 * §8.5). That is why the console carries its device token in a header instead (routes/console.ts).
 */
export function presentedDevices(req: IncomingMessage, corsOrigins: readonly string[]): string[] {
  const header = req.headers.cookie
  if (header === undefined || foreignLogin(req, corsOrigins)) return []
  return cookieValues(header, DEVICE_COOKIE)
}

/** HttpOnly and SameSite=Strict always; Secure and Domain as the refresh cookie is set. */
export function deviceCookieLine(core: AuthCore, value: string): string {
  const { cookies } = core.config
  return serializeCookie(DEVICE_COOKIE, value, {
    path: '/',
    httpOnly: true,
    secure: cookies.refresh.secure,
    sameSite: 'strict',
    expires: new Date(core.clock.now() + DEVICE_COOKIE_TTL_SECONDS * 1000),
    ...(cookies.domain !== null ? { domain: cookies.domain } : {}),
  })
}

/** A password login with the request's device cookies; on success the new device cookie is set. */
export async function passwordLogin(core: AuthCore, req: IncomingMessage, res: ServerResponse, username: unknown, password: unknown): Promise<LoginResult> {
  const result = await core.login(username, password, contextOf(req), presentedDevices(req, core.config.corsOrigins))
  appendCookies(res, deviceCookieLine(core, result.deviceToken))
  return result
}
