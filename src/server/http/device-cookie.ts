// The device cookie at the edge (core/device-cookies.ts): every value the client sent, and the
// Set-Cookie line of a new one; plus the password login both login routes call.

import type { IncomingMessage } from 'node:http'
import type { Request, Response } from 'express'
import type { AuthCore } from '../core/core.ts'
import { isCrossSiteWrite } from '../core/cross-site.ts'
import { DEVICE_COOKIE_TTL_SECONDS } from '../core/device-cookies.ts'
import type { LoginResult } from '../core/login.ts'
import { serializeCookie } from './cookies.ts'
import { contextOf } from './request.ts'

export const DEVICE_COOKIE = 'authdock_device'

/**
 * Every `authdock_device` value in the Cookie header, not just the first: a page on another port
 * of the same host may plant a same-named cookie with a longer Path (sent first) to hide the
 * real one, so the core takes whichever value is valid for the account signing in.
 */
export function presentedDevices(req: IncomingMessage): string[] {
  const header = req.headers.cookie
  if (header === undefined || fromAnotherOrigin(req)) return []
  const values: string[] = []
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq >= 0 && part.slice(0, eq).trim() === DEVICE_COOKIE) values.push(part.slice(eq + 1).trim())
  }
  return values
}

/**
 * A browser's request made by a page of another origin. SameSite does not stop it when that page
 * is on another port of the same host (same site): the browser attaches the user's device cookie
 * to the page's guesses, which would then lock the user's own device. Such a request is judged as
 * a client without one. Logins are POSTs, so the cross-site write rule is the one that applies.
 */
function fromAnotherOrigin(req: IncomingMessage): boolean {
  const { origin, host } = req.headers
  return isCrossSiteWrite({ method: req.method, origin, secFetchSite: req.headers['sec-fetch-site'], host })
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
export async function passwordLogin(core: AuthCore, req: Request, res: Response, username: unknown, password: unknown): Promise<LoginResult> {
  const result = await core.login(username, password, contextOf(req), presentedDevices(req))
  res.append('Set-Cookie', deviceCookieLine(core, result.deviceCookie))
  return result
}
