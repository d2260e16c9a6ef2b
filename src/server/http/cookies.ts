// Langflow's three cookies, set with the configured attributes and cleared with exactly the same
// ones (Langflow issue #8641: a mismatched delete left HTTPS users signed in).

import type { IncomingMessage } from 'node:http'
import type { CookieOptions, Response } from 'express'
import type { Config, CookieSettings } from '../core/config.ts'

export const ACCESS_COOKIE = 'access_token_lf'
export const REFRESH_COOKIE = 'refresh_token_lf'
export const APIKEY_COOKIE = 'apikey_tkn_lflw'

/** Reads one cookie from the Cookie header; malformed encodings are taken as absent. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie
  if (header === undefined || header.length > 16_384) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue
    let value = part.slice(eq + 1).trim()
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1)
    try {
      return decodeURIComponent(value)
    } catch {
      return undefined
    }
  }
  return undefined
}

export function createCookieJar(config: Config) {
  const base = (s: CookieSettings): CookieOptions => ({
    path: '/',
    httpOnly: s.httpOnly,
    secure: s.secure,
    sameSite: s.sameSite,
    ...(config.cookies.domain !== null ? { domain: config.cookies.domain } : {}),
  })
  const access = base(config.cookies.access)
  const refresh = base(config.cookies.refresh)
  // Expires only, no Max-Age, as Starlette writes them.
  const until = (seconds: number): Date => new Date(Date.now() + seconds * 1000)

  return {
    setTokens(res: Response, tokens: { accessToken: string; refreshToken: string | null }, ttl: { access: number | null; refresh: number }): void {
      res.cookie(ACCESS_COOKIE, tokens.accessToken, ttl.access === null ? access : { ...access, expires: until(ttl.access) })
      if (tokens.refreshToken !== null) res.cookie(REFRESH_COOKIE, tokens.refreshToken, { ...refresh, expires: until(ttl.refresh) })
    },
    /** Langflow sets the store-key cookie (a session cookie) at login; we hold no store key. */
    setApiKeyCookie(res: Response): void {
      res.cookie(APIKEY_COOKIE, '', access)
    },
    clearAll(res: Response): void {
      res.clearCookie(ACCESS_COOKIE, access)
      res.clearCookie(REFRESH_COOKIE, refresh)
      res.clearCookie(APIKEY_COOKIE, access)
    },
  }
}

export type CookieJar = ReturnType<typeof createCookieJar>
