// The rules for the URIs a client registers: redirect and post-logout URIs (OAuth 2.1 §2.3.1,
// RFC 8252 §7 for native apps) and the back-channel logout URI (Back-Channel Logout 1.0 §2.2),
// which the server itself calls, so a private-network target needs an admin's say-so (SSRF).

import { isIP } from 'node:net'
import { AuthError } from '../errors.ts'

const MAX_URI_LENGTH = 2000

/** Hosts that are this machine: plain http is allowed for them (RFC 8252 §7.3, §8.3). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost'])

export const isLoopbackHost = (hostname: string): boolean => LOOPBACK_HOSTS.has(hostname.toLowerCase())

function parsed(field: string, uri: string): URL {
  if (uri.length === 0 || uri.length > MAX_URI_LENGTH) throw new AuthError('INVALID_INPUT', `${field}: each URI must be 1 to ${MAX_URI_LENGTH} characters`)
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    throw new AuthError('INVALID_INPUT', `${field}: "${uri}" is not an absolute URL`)
  }
  // RFC 6749 §3.1.2: no fragment (an empty "#" included).
  if (uri.includes('#')) throw new AuthError('INVALID_INPUT', `${field}: "${uri}" must not have a fragment (#)`)
  if (url.username !== '' || url.password !== '') throw new AuthError('INVALID_INPUT', `${field}: "${uri}" must not carry a user name or password`)
  return url
}

/**
 * A redirect or post-logout URI: https; http only to a loopback host; a private-use scheme (a
 * reverse domain name, `com.example.app:/cb`, RFC 8252 §7.1) only for a public (native) client.
 */
export function checkRedirectUri(field: string, uri: string, publicClient: boolean): void {
  const url = parsed(field, uri)
  const scheme = url.protocol.slice(0, -1)
  if (scheme === 'https') return
  if (scheme === 'http') {
    if (isLoopbackHost(url.hostname)) return
    throw new AuthError('INVALID_INPUT', `${field}: "${uri}" must use https; http is allowed only for 127.0.0.1, [::1] and localhost`)
  }
  if (!publicClient) {
    throw new AuthError('INVALID_INPUT', `${field}: "${uri}" uses a custom scheme, allowed only for public (native) clients with token_endpoint_auth_method none`)
  }
  if (!scheme.includes('.')) {
    throw new AuthError('INVALID_INPUT', `${field}: the custom scheme "${scheme}" must be a reverse domain name such as com.example.app (RFC 8252 §7.1)`)
  }
}

/** An IPv4 address in a range that is not the public internet. */
function privateV4(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number) as [number, number]
  return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a >= 224
}

function privateV6(ip: string): boolean {
  const v = ip.toLowerCase()
  if (v === '::' || v === '::1') return true
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v)
  if (mapped !== null) return privateV4(mapped[1] as string)
  if (v.startsWith('::ffff:')) return true // an IPv4-mapped address in hex form: judged as private
  const first = parseInt(v.split(':')[0] || '0', 16)
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00
}

/** Names that only resolve inside a private network (RFC 6761, RFC 6762, RFC 8375, common use). */
const PRIVATE_SUFFIXES = ['.localhost', '.local', '.internal', '.lan', '.home', '.home.arpa', '.intranet', '.corp']

/**
 * Why a back-channel host is on a private network, or null for a public name or address. A name
 * is judged by its form only: the sender must check the address it resolves to as well.
 */
export function privateHostReason(hostname: string): string | null {
  const host = hostname.toLowerCase()
  const bare = host.startsWith('[') ? host.slice(1, -1) : host
  const family = isIP(bare)
  if (family === 4) return privateV4(bare) ? `${bare} is a private or reserved address` : null
  if (family === 6) return privateV6(bare) ? `${bare} is a private or reserved address` : null
  if (!host.includes('.')) return `${host} is a single-label name, resolved only inside a private network`
  const suffix = PRIVATE_SUFFIXES.find((s) => host.endsWith(s))
  return suffix === undefined ? null : `${host} is a private-network name (${suffix})`
}

/**
 * The back-channel logout URI: https, or http to a loopback host (the usual case: the apps run on
 * this machine); any other private-network host only when the admin allows it for this client.
 */
export function checkBackchannelUri(uri: string, allowPrivate: boolean): void {
  const field = 'backchannel_logout_uri'
  const url = parsed(field, uri)
  const scheme = url.protocol.slice(0, -1)
  if (scheme !== 'https' && scheme !== 'http') throw new AuthError('INVALID_INPUT', `${field}: "${uri}" must be an http or https URL`)
  if (isLoopbackHost(url.hostname)) return
  const reason = privateHostReason(url.hostname)
  if (reason !== null && !allowPrivate) {
    throw new AuthError('INVALID_INPUT', `${field}: "${uri}" is on a private network (${reason}); set allow_private_backchannel: true to allow it for this client`)
  }
  if (scheme === 'http' && reason === null) throw new AuthError('INVALID_INPUT', `${field}: "${uri}" must use https; http is allowed only for a loopback or an allowed private host`)
}
