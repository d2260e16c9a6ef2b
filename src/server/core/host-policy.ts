// Which names this server answers to (the DNS-rebinding defence) and the one URL it calls itself
// by. A web page on evil.example whose name is re-pointed at 127.0.0.1 reaches this server with
// `Host: evil.example` and, being same-origin with itself, may read the answers: refusing Hosts
// the server does not know (as Vite's server.allowedHosts and Jupyter do) ends that. The URLs
// the server publishes come from configuration for the same reason, never from the request.

/** A host the server answers to: a name or address, and the one port it must come with, if any. */
export interface HostRule {
  readonly hostname: string
  readonly port: number | null
}

/** What the server is bound to, once it listens. */
export interface BoundAddress {
  readonly host: string
  readonly port: number
}

// Lower-case DNS labels (underscores too: Docker service names may have them), or a bracketed IPv6 literal; then an optional port. Anything else (a
// scheme, a path, user info, a wildcard) is not a Host header value (RFC 9110 §7.2).
const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*)\.?(?::(\d{1,5}))?$/
const IPV4_LOOPBACK = /^127\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]'])

/** `host`, `host:port` or `[v6]:port`, lower-cased, a trailing dot dropped; null if it is none of these. */
export function parseHost(value: string): HostRule | null {
  const m = HOST.exec(value.trim().toLowerCase())
  if (m === null) return null
  const port = m[2] === undefined ? null : Number(m[2])
  if (port !== null && (port < 1 || port > 65535)) return null
  return { hostname: m[1] as string, port }
}

/**
 * localhost, *.localhost (RFC 6761 §6.3: never resolved through DNS, so no one else can own such
 * a name), 127.0.0.0/8 and [::1]. Browsers send IP literals in their canonical form, so only that
 * form is recognised.
 */
export function isLoopbackName(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || IPV4_LOOPBACK.test(hostname)
}

/** An address as a Host header spells it (IPv6 in brackets). */
const asHostname = (address: string): string => (address.includes(':') && !address.startsWith('[') ? `[${address}]` : address).toLowerCase()

/** The issuer when it is an http(s) URL (strict OpenID clients want the issuer to be one), else null. */
export function issuerUrl(issuer: string): URL | null {
  try {
    const url = new URL(issuer)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null
  } catch {
    return null
  }
}

/**
 * The Hosts that are allowed besides loopback: the issuer's (any port: a proxy in front may or may
 * not keep it), AUTHDOCK_ALLOWED_HOSTS's, and the address the server is bound to unless that is a
 * wildcard (an IP literal is what a browser sends when it was given that very address).
 */
export function allowedHosts(config: { readonly issuer: string; readonly allowedHosts: readonly HostRule[] }, bound: BoundAddress | null): HostRule[] {
  const rules = [...config.allowedHosts]
  const issuer = issuerUrl(config.issuer)
  if (issuer !== null) rules.push({ hostname: asHostname(issuer.hostname), port: null })
  if (bound !== null && !WILDCARDS.has(bound.host)) rules.push({ hostname: asHostname(bound.host), port: null })
  return rules
}

/** Whether a request's Host header names this server. A missing or malformed Host never does. */
export function isHostAllowed(header: string | undefined, allowed: readonly HostRule[]): boolean {
  if (header === undefined) return false
  const host = parseHost(header)
  if (host === null) return false
  if (isLoopbackName(host.hostname)) return true
  return allowed.some((rule) => rule.hostname === host.hostname && (rule.port === null || rule.port === host.port))
}

/**
 * The base of every URL the server publishes (discovery): the issuer when it is an http(s) URL
 * (with its path, for a server mounted below one), else the bound address, 127.0.0.1 standing in
 * for a wildcard bind, else (not listening yet) the configured port on 127.0.0.1.
 */
export function publicBaseUrl(config: { readonly issuer: string; readonly port: number }, bound: BoundAddress | null): string {
  const issuer = issuerUrl(config.issuer)
  if (issuer !== null) return `${issuer.origin}${issuer.pathname.replace(/\/+$/, '')}`
  if (bound === null) return `http://127.0.0.1:${config.port}`
  const host = WILDCARDS.has(bound.host) ? '127.0.0.1' : asHostname(bound.host)
  return `http://${host}:${bound.port}`
}
