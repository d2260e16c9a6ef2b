// Langflow's three cookies, set with the configured attributes and cleared with exactly the same
// ones (Langflow issue #8641: a mismatched delete left HTTPS users signed in).

import type { ServerResponse } from 'node:http'
import type { SerializeOptions } from 'cookie'
import { serialize } from 'cookie'
import type { Config, CookieSettings } from '../core/config.ts'

export const ACCESS_COOKIE = 'access_token_lf'
export const REFRESH_COOKIE = 'refresh_token_lf'
export const APIKEY_COOKIE = 'apikey_tkn_lflw'

type TokenCookies = { accessToken: string; refreshToken: string | null }
type TokenTtl = { access: number | null; refresh: number }

const EPOCH = new Date(0)

/** One Set-Cookie line (the cookie package: Domain, Path, Expires, HttpOnly, Secure, SameSite). */
export function serializeCookie(name: string, value: string, options: SerializeOptions): string {
  return serialize(name, value, { path: '/', ...options })
}

/** Appends Set-Cookie lines to what the response already carries. */
export function appendCookies(res: ServerResponse, lines: string | readonly string[]): void {
  res.appendHeader('Set-Cookie', typeof lines === 'string' ? lines : [...lines])
}

export function createCookieJar(config: Config) {
  const base = (s: CookieSettings): SerializeOptions => ({
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
    /** The Set-Cookie lines of a token answer. */
    tokenCookies(tokens: TokenCookies, ttl: TokenTtl): string[] {
      const lines = [serializeCookie(ACCESS_COOKIE, tokens.accessToken, ttl.access === null ? access : { ...access, expires: until(ttl.access) })]
      if (tokens.refreshToken !== null) lines.push(serializeCookie(REFRESH_COOKIE, tokens.refreshToken, { ...refresh, expires: until(ttl.refresh) }))
      return lines
    },
    /** The tokens, and Langflow's store-key cookie (a session cookie) that it sets at login; we hold no store key. */
    setLogin(res: ServerResponse, tokens: TokenCookies, ttl: TokenTtl): void {
      appendCookies(res, [...this.tokenCookies(tokens, ttl), serializeCookie(APIKEY_COOKIE, '', access)])
    },
    clearAll(res: ServerResponse): void {
      appendCookies(res, [
        serializeCookie(ACCESS_COOKIE, '', { ...access, expires: EPOCH }),
        serializeCookie(REFRESH_COOKIE, '', { ...refresh, expires: EPOCH }),
        serializeCookie(APIKEY_COOKIE, '', { ...access, expires: EPOCH }),
      ])
    },
  }
}

export type CookieJar = ReturnType<typeof createCookieJar>
