// Who may call the admin API: every /api/v1/admin route, read from the route table itself, is 401 for an anonymous caller, 403 for an ordinary user, and served to a superuser.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createCookieJar } from '../../../src/server/http/cookies.ts'
import { routeTable } from '../../../src/server/http/route-table.ts'
import { createStreamHub } from '../../../src/server/http/sse.ts'
import { call, login, parseBody, startServer, assertError } from '../../helpers.ts'

const ADMIN = '/api/v1/admin'

const BOGUS_ID = '00000000-0000-4000-8000-000000000000'

/**
 * Every admin route, with what a superuser gets for this exact request. Paths use an id that does
 * not exist, and bodies are empty or incomplete, so the superuser pass changes as little as possible.
 */
const ROUTES: Record<string, { path: string; json?: unknown; superuser: number }> = {
  'GET /overview': { path: '/overview', superuser: 200 },
  'GET /checklist': { path: '/checklist', superuser: 200 },
  'POST /inspect': { path: '/inspect', json: {}, superuser: 422 },
  'GET /sessions': { path: '/sessions', superuser: 200 },
  'GET /sessions/:id': { path: `/sessions/${BOGUS_ID}`, superuser: 404 },
  'DELETE /sessions/:id': { path: `/sessions/${BOGUS_ID}`, superuser: 404 },
  'POST /sessions/revoke-all': { path: '/sessions/revoke-all', json: {}, superuser: 400 },
  'GET /keys': { path: '/keys', superuser: 200 },
  'POST /keys/rotate': { path: '/keys/rotate', json: { revoke_sessions: true }, superuser: 400 },
  'POST /keys/import': { path: '/keys/import', json: {}, superuser: 422 },
  'PUT /algorithm': { path: '/algorithm', json: {}, superuser: 422 },
  'GET /settings': { path: '/settings', superuser: 200 },
  'PATCH /settings': { path: '/settings', json: {}, superuser: 200 },
  'GET /users': { path: '/users', superuser: 200 },
  'POST /users': { path: '/users', json: {}, superuser: 422 },
  'GET /users/:id': { path: `/users/${BOGUS_ID}`, superuser: 404 },
  'PATCH /users/:id': { path: `/users/${BOGUS_ID}`, json: {}, superuser: 404 },
  'DELETE /users/:id': { path: `/users/${BOGUS_ID}`, superuser: 404 },
  'POST /users/:id/unlock': { path: `/users/${BOGUS_ID}/unlock`, superuser: 404 },
  'POST /users/:id/revoke-sessions': { path: `/users/${BOGUS_ID}/revoke-sessions`, superuser: 404 },
  'GET /api-keys': { path: '/api-keys', superuser: 200 },
  'DELETE /api-keys/:id': { path: `/api-keys/${BOGUS_ID}`, superuser: 400 },
  'GET /audit': { path: '/audit', superuser: 200 },
  'GET /audit/export': { path: '/audit/export', superuser: 200 },
  'GET /events': { path: '/events', superuser: 200 },
  'GET /clients': { path: '/clients', superuser: 200 },
  'POST /clients': { path: '/clients', json: {}, superuser: 422 },
  'GET /clients/:id': { path: `/clients/${BOGUS_ID}`, superuser: 404 },
  'PATCH /clients/:id': { path: `/clients/${BOGUS_ID}`, json: {}, superuser: 404 },
  'DELETE /clients/:id': { path: `/clients/${BOGUS_ID}`, superuser: 404 },
  'POST /clients/:id/rotate-secret': { path: `/clients/${BOGUS_ID}/rotate-secret`, superuser: 404 },
}

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly body: unknown
}

/** A bearer token, or an API key sent as x-api-key. */
type Credential = string | { apiKey: string } | undefined

/** One request; an event stream is not read to its (never coming) end, only its status and headers. */
async function probe(url: string, route: string, credential?: Credential): Promise<Answer> {
  const entry = ROUTES[route]
  assert.ok(entry !== undefined, route)
  const method = route.slice(0, route.indexOf(' '))
  const headers: Record<string, string> = {}
  if (typeof credential === 'string') headers.authorization = `Bearer ${credential}`
  else if (credential !== undefined) headers['x-api-key'] = credential.apiKey
  if (entry.json !== undefined) headers['content-type'] = 'application/json'
  const abort = new AbortController()
  const res = await fetch(`${url}/api/v1/admin${entry.path}`, {
    method, headers, body: entry.json === undefined ? undefined : JSON.stringify(entry.json), signal: abort.signal,
  })
  if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    abort.abort()
    return { status: res.status, headers: res.headers, body: null }
  }
  return { status: res.status, headers: res.headers, body: parseBody(await res.text()) } // CSV export: kept as text
}

test('the route table lists exactly the admin routes probed here', async (t) => {
  const { server } = await startServer(t)
  const table = routeTable({ core: server.core, cookies: createCookieJar(server.core.config), streams: createStreamHub(), listenAddress: () => null })
  const defined = table.filter((r) => r.path.startsWith(ADMIN + '/')).map((r) => `${r.method} ${r.path.slice(ADMIN.length)}`).sort()
  assert.ok(defined.length >= 22, `the walk found the routes (${defined.length})`)
  assert.deepEqual(defined, Object.keys(ROUTES).sort(), 'a route was added or removed: update ROUTES')
})

test('anonymous callers get 401 with WWW-Authenticate: Bearer (invalid_token for a bad one) and {detail, code} on every admin route', async (t) => {
  const { url } = await startServer(t)
  for (const route of Object.keys(ROUTES)) {
    for (const token of [undefined, 'not-a-jwt']) {
      const r = await probe(url, route, token)
      assert.equal(r.status, 401, `${route} ${token ?? 'anonymous'}: ${JSON.stringify(r.body)}`)
      // RFC 6750 §3.1: no error code when no credential was sent; invalid_token for a bad one.
      assertError(r, 401, token === undefined ? 'NOT_AUTHENTICATED' : 'INVALID_TOKEN')
    }
  }
})

async function apiKeyOf(url: string, token: string): Promise<{ apiKey: string }> {
  const r = await call(url, 'POST', '/api/v1/api_key/', { token, json: { name: 'access-test' } })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return { apiKey: r.body.api_key }
}

test('an ordinary active user gets 403 on every admin route and changes nothing; a superuser is served', async (t) => {
  const { url, server } = await startServer(t)
  const admin = await login(url)
  const created = await call(url, 'POST', '/api/v1/admin/users', {
    token: admin.access, json: { username: 'olive', password: 'olive-password', is_active: true },
  })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  const olive = await login(url, 'olive', 'olive-password')
  const oliveKey = await apiKeyOf(url, olive.access)
  const adminKey = await apiKeyOf(url, admin.access)
  const keysBefore = server.core.keys.list().map((k) => `${k.kid}:${k.state}`)
  const auditBefore = server.core.audit.lastId()

  for (const route of Object.keys(ROUTES)) {
    for (const credential of [olive.access, oliveKey]) {
      const r = await probe(url, route, credential)
      assert.equal(r.status, 403, `${route}: ${JSON.stringify(r.body)}`)
      assertError(r, 403, 'NOT_SUPERUSER', "The user doesn't have enough privileges")
    }
  }
  // Nothing ran: the key ring is as it was, no event was written, both sessions still work.
  assert.deepEqual(server.core.keys.list().map((k) => `${k.kid}:${k.state}`), keysBefore)
  assert.equal(server.core.audit.lastId(), auditBefore)
  for (const token of [olive.access, admin.access]) assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token })).status, 200)

  // The superuser, by token and by API key: past the guard on every route.
  for (const credential of [admin.access, adminKey]) {
    for (const [route, entry] of Object.entries(ROUTES)) {
      const r = await probe(url, route, credential)
      assert.equal(r.status, entry.superuser, `${route}: ${JSON.stringify(r.body)}`)
    }
  }
})
