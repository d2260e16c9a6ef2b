// Langflow's three cookies, set with the configured attributes and cleared with exactly the same
// ones (Langflow issue #8641: a mismatched delete left HTTPS users signed in).

import type { CookieOptions, Response } from 'express'
import type { Config, CookieSettings } from '../core/config.ts'

export const ACCESS_COOKIE = 'access_token_lf'
export const REFRESH_COOKIE = 'refresh_token_lf'
export const APIKEY_COOKIE = 'apikey_tkn_lflw'

type TokenCookies = { accessToken: string; refreshToken: string | null }
type TokenTtl = { access: number | null; refresh: number }

/**
 * One Set-Cookie line, byte for byte as Express's res.cookie writes it (the `cookie` package's
 * attribute order), for the options this jar uses; test/server/refresh-fast-path.test.ts compares.
 */
export function serializeCookie(name: string, value: string, o: CookieOptions): string {
  let line = `${name}=${encodeURIComponent(value)}`
  if (o.domain) line += `; Domain=${o.domain}`
  line += `; Path=${o.path ?? '/'}`
  if (o.expires) line += `; Expires=${o.expires.toUTCString()}`
  if (o.httpOnly) line += '; HttpOnly'
  if (o.secure) line += '; Secure'
  if (typeof o.sameSite === 'string') line += `; SameSite=${o.sameSite[0]?.toUpperCase()}${o.sameSite.slice(1).toLowerCase()}`
  return line
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
    /** The Set-Cookie lines of a token answer; the node:http fast path (fast-routes.ts) sends them too. */
    tokenCookies(tokens: TokenCookies, ttl: TokenTtl): string[] {
      const lines = [serializeCookie(ACCESS_COOKIE, tokens.accessToken, ttl.access === null ? access : { ...access, expires: until(ttl.access) })]
      if (tokens.refreshToken !== null) lines.push(serializeCookie(REFRESH_COOKIE, tokens.refreshToken, { ...refresh, expires: until(ttl.refresh) }))
      return lines
    },
    setTokens(res: Response, tokens: TokenCookies, ttl: TokenTtl): void {
      res.append('Set-Cookie', this.tokenCookies(tokens, ttl))
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
