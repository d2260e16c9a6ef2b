// Credentials at the edge, in Langflow's order: a Bearer header, then the access cookie, then
// x-api-key (header, then query). The router resolves every caller here, once per request.

import type { IncomingMessage } from 'node:http'
import type { Principal } from '../core/authenticate.ts'
import type { AuthCore } from '../core/core.ts'
import { isCrossSiteWrite } from '../core/cross-site.ts'
import { AuthError } from '../core/errors.ts'
import { singleCookie } from './cookie-guard.ts'
import { ACCESS_COOKIE } from './cookies.ts'

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization
  if (header === undefined) return undefined
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)
  return m?.[1]
}

/**
 * A browser sends the access cookie along with requests other sites make (SameSite=Lax lets
 * same-site ones through, and every port of localhost is the same site): a state change that
 * authenticates by cookie must come from this server's own pages. Not even an origin listed in
 * AUTHDOCK_CORS_ORIGINS: CORS lets such an app read answers, but its state changes authenticate
 * with a Bearer token, never with the admin's cookie. Clients without a browser send neither
 * header and are not affected. Exported for the routes that read the refresh cookie.
 */
export function requireOwnOrigin(req: IncomingMessage): void {
  if (crossSiteWrite(req)) throw new AuthError('FORBIDDEN', 'A request authenticated by cookie must come from this server\'s own pages')
}

/** An unsafe request a page of another origin made (another port of this host included). */
function crossSiteWrite(req: IncomingMessage): boolean {
  const { origin, host } = req.headers
  return isCrossSiteWrite({ method: req.method, origin, secFetchSite: req.headers['sec-fetch-site'], host })
}

/**
 * Login CSRF: a form on another page (another port of this host is enough) must not sign this
 * browser in, as another user, through Langflow's login or refresh, which set cookies. Pages of
 * this server and origins listed in AUTHDOCK_CORS_ORIGINS may; clients without a browser send no
 * Origin nor Sec-Fetch-Site and are not affected.
 */
export function refuseCrossSiteLogin(req: IncomingMessage, corsOrigins: readonly string[]): void {
  if (!foreignLogin(req, corsOrigins)) return
  throw new AuthError('FORBIDDEN', 'Signing in from another site\'s page is refused (login CSRF); list the origin in AUTHDOCK_CORS_ORIGINS if it is yours')
}

/**
 * The access cookie resolvePrincipal takes: only without a Bearer header. Sent twice, one copy was
 * written by another page (cookie-guard.ts): refused, never guessed at. Forward auth and logout
 * ask through this too, so that no reader of the cookie can disagree with the one that
 * authenticates (a second parser with other limits would let a padded jar skip a rule).
 */
export function accessCookieOf(core: AuthCore, req: IncomingMessage): string | undefined {
  if ((bearerToken(req) ?? '') !== '') return undefined
  return singleCookie(req, ACCESS_COOKIE, [core.config.cookies.domain])
}

/** A login a page of another origin sent, unless that origin is listed in AUTHDOCK_CORS_ORIGINS. */
export function foreignLogin(req: IncomingMessage, corsOrigins: readonly string[]): boolean {
  const origin = req.headers.origin
  return crossSiteWrite(req) && !(origin !== undefined && corsOrigins.includes(origin))
}

/** Which credential authenticated a caller: forward auth treats a cookie as a browser's. */
export type Credential = 'bearer' | 'cookie' | 'api-key'

export interface Caller {
  readonly principal: Principal
  readonly credential: Credential
}

/** The caller and the credential used, or null when the request carries none. A bad credential throws. */
export function resolveCaller(core: AuthCore, req: IncomingMessage): Caller | null {
  const bearer = bearerToken(req)
  if (bearer !== undefined && bearer !== '') return { principal: core.authenticate.token(bearer), credential: 'bearer' }
  const cookie = accessCookieOf(core, req)
  if (cookie !== undefined) {
    requireOwnOrigin(req)
    return { principal: core.authenticate.token(cookie), credential: 'cookie' }
  }
  const apiKey = req.headers['x-api-key']
  const key = typeof apiKey === 'string' && apiKey !== '' ? apiKey : apiKeyFromQuery(req)
  return key === undefined ? null : { principal: core.authenticate.apiKey(key), credential: 'api-key' }
}

/** The caller, or null when the request carries no credential at all. A bad credential throws. */
export function resolvePrincipal(core: AuthCore, req: IncomingMessage): Principal | null {
  return resolveCaller(core, req)?.principal ?? null
}

/**
 * Langflow also takes an API key as `?x-api-key=` (scripts and webhooks that cannot set headers).
 * Only an API key, never a token; the logs name only a request's path, so it is not written there.
 */
function apiKeyFromQuery(req: IncomingMessage): string | undefined {
  const url = req.url ?? ''
  const q = url.indexOf('?')
  if (q === -1 || !url.includes('x-api-key', q)) return undefined
  const values = new URLSearchParams(url.slice(q + 1)).getAll('x-api-key')
  return values.length === 1 && values[0] !== '' ? values[0] : undefined
}
