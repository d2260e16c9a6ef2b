// Reference (b), the "practical ceiling" of a verify endpoint: bare node:http verifying an HS256
// JWT with node:crypto (HMAC-SHA256 + timingSafeEqual), checking header, exp, iss and type, then a
// Map lookup of the session (live, same user) and of the user (active). No framework, no library.

import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import { issuer, kid, listen, secret, sessionId, userId, userRead } from './common.mjs'

const key = createSecretKey(Buffer.from(secret, 'utf8'))
const users = new Map([[userId, { ...userRead(), body: JSON.stringify(userRead()) }]])
const sessions = new Map([[sessionId, { userId, expiresAt: Date.now() + 7 * 86_400_000, revoked: false }]])

const unauthorized = JSON.stringify({ detail: 'Could not validate credentials', code: 'INVALID_TOKEN' })

function decodeJson(part) {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return value !== null && typeof value === 'object' ? value : null
  } catch {
    return null
  }
}

/** The session's user, or null for anything not a valid, live access token. */
function verify(authorization) {
  if (typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) return null
  const token = authorization.slice(7)
  const d1 = token.indexOf('.')
  const d2 = token.indexOf('.', d1 + 1)
  if (d1 <= 0 || d2 <= d1 + 1 || token.indexOf('.', d2 + 1) !== -1) return null
  const header = decodeJson(token.slice(0, d1))
  // The algorithm comes from our key, never from the token: anything but HS256 with our kid fails.
  if (header === null || header.alg !== 'HS256' || header.kid !== kid || header.crit !== undefined) return null
  const signature = Buffer.from(token.slice(d2 + 1), 'base64url')
  const expected = createHmac('sha256', key).update(token.slice(0, d2)).digest()
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return null
  const claims = decodeJson(token.slice(d1 + 1, d2))
  if (claims === null || claims.type !== 'access' || claims.iss !== issuer) return null
  const now = Date.now()
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now) return null
  const session = sessions.get(claims.sid)
  if (session === undefined || session.revoked || session.userId !== claims.sub || session.expiresAt <= now) return null
  const user = users.get(claims.sub)
  return user !== undefined && user.is_active ? { user, sid: claims.sid } : null
}

listen(createServer((req, res) => {
  const path = req.url.split('?', 1)[0]
  if (req.method !== 'GET' || (path !== '/api/v1/users/whoami' && path !== '/api/v1/auth/verify')) {
    res.writeHead(404, { 'content-type': 'application/json' })
    return res.end('{"detail":"Not Found"}')
  }
  const found = verify(req.headers.authorization)
  if (found === null) {
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer', 'content-length': Buffer.byteLength(unauthorized) })
    return res.end(unauthorized)
  }
  const { user, sid } = found
  if (path === '/api/v1/users/whoami') {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(user.body), 'cache-control': 'no-store' })
    return res.end(user.body)
  }
  const body = JSON.stringify({ user_id: user.id, username: user.username, is_superuser: user.is_superuser, session_id: sid })
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store',
    'x-auth-user': encodeURIComponent(user.username), 'x-auth-user-id': user.id, 'x-auth-superuser': String(user.is_superuser),
  })
  res.end(body)
}))
