// The image's HEALTHCHECK: exits 0 when this container's server answers /api/v1/health with 200,
// 1 otherwise. Node's own fetch, since the slim base image has neither curl nor wget.

const host = process.env.AUTHDOCK_HOST || '127.0.0.1'
const port = process.env.AUTHDOCK_PORT || '7861'
// A wildcard bind is reached through loopback; an IPv6 literal needs brackets in a URL.
const target = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host

try {
  const res = await fetch(`http://${target}:${port}/api/v1/health`, { signal: AbortSignal.timeout(4000) })
  process.exit(res.status === 200 ? 0 : 1)
} catch {
  process.exit(1)
}
