// Session cookies another page may have written. Browsers keep cookies per host, not per port:
// a page on any other port of this host can add a cookie of the same name with a narrower Path
// (sent first) or a Domain, and the server cannot tell which copy it set. A session cookie sent
// twice therefore means someone else wrote one: the request is refused and every copy the browser
// could have sent along is cleared, so the next sign-in starts from a clean jar.

import type { IncomingMessage } from 'node:http'
import { parse } from 'cookie'
import { AuthError } from '../core/errors.ts'

/** A 401 whose answer also expires every copy of the duplicated cookie (error-handler.ts sends `clearing`). */
export class DuplicateCookieError extends AuthError {
  constructor(
    readonly cookieName: string,
    readonly clearing: string[],
  ) {
    super('DUPLICATE_COOKIE', `The request carries the ${cookieName} cookie more than once (another page may have written one); the copies were cleared, sign in again`)
  }
}

/** Every value of `name` in a Cookie header, raw: the cookie package keeps only the first of duplicates. */
export function cookieValues(header: string, name: string): string[] {
  const values: string[] = []
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq >= 0 && part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim())
  }
  return values
}

/**
 * Every Path a cookie sent with a request for `path` can carry (RFC 6265 §5.1.4 path-match): each
 * prefix ending at a slash, with and without that slash, and the path itself.
 */
export function pathsCovering(path: string): string[] {
  const paths = new Set<string>(['/'])
  for (let i = path.indexOf('/', 1); i !== -1; i = path.indexOf('/', i + 1)) {
    paths.add(path.slice(0, i))
    paths.add(path.slice(0, i + 1))
  }
  if (path.startsWith('/')) paths.add(path)
  return [...paths]
}

const EXPIRED = 'Expires=Thu, 01 Jan 1970 00:00:00 GMT'

/** The request's host name as a cookie Domain may name it; null for IPv6 literals or anything odd. */
function domainOf(req: IncomingMessage): string | null {
  const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '')
  return /^[a-z0-9.-]{1,253}$/.test(host) ? host : null
}

/**
 * Set-Cookie lines that expire `name` at every path the request was sent it for: host-only, and
 * with a Domain (the request's host, and `domains` such as LANGFLOW_COOKIE_DOMAIN).
 */
export function clearingLines(req: IncomingMessage, name: string, domains: readonly (string | null)[] = []): string[] {
  const path = (req.url ?? '/').split('?')[0] ?? '/'
  const hosts = [...new Set([domainOf(req), ...domains].filter((d): d is string => d !== null && d !== ''))]
  const lines: string[] = []
  for (const p of pathsCovering(path)) {
    lines.push(`${name}=; Path=${p}; ${EXPIRED}`)
    for (const d of hosts) lines.push(`${name}=; Domain=${d}; Path=${p}; ${EXPIRED}`)
  }
  return lines
}

/** A raw cookie value as the cookie package decodes it (percent-decoding; undecodable stays as is). */
export function decodeCookieValue(raw: string): string {
  const unquoted = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw
  try {
    return decodeURIComponent(unquoted)
  } catch {
    return unquoted
  }
}

/**
 * The one value of cookie `name` ('' counts as absent: undefined); sent more than once it throws
 * DuplicateCookieError. `domains`: Domain attributes the server itself sets the cookie with.
 */
export function singleCookie(req: IncomingMessage, name: string, domains: readonly (string | null)[] = []): string | undefined {
  const header = req.headers.cookie
  if (header === undefined || !header.includes(name)) return undefined
  if (cookieValues(header, name).length > 1) throw new DuplicateCookieError(name, clearingLines(req, name, domains))
  const value = parse(header)[name]
  return value === '' ? undefined : value
}
