// The router serves every route of the table alike: a path in any case, with a trailing slash or as
// a whole URL, HEAD as GET without a body, 405 with Allow for a method the path does not take, OPTIONS
// listing them, 404 under /api/v1 for a path the table does not have, all as JSON errors.

import assert from 'node:assert/strict'
import { request } from 'node:http'
import { test } from 'node:test'
import { assertError, call, login, startServer } from '../../helpers.ts'

/** A raw request: for HEAD (fetch gives no way to see that no body came), and any request target. */
function raw(url: string, method: string, target: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; bytes: number }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: target, method, headers, agent: false }, (res) => {
      let bytes = 0
      res.on('data', (d: Buffer) => (bytes += d.length)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes }))
    })
    req.on('error', reject)
    req.end()
  })
}

test('paths match in any case and with a trailing slash; HEAD is GET without a body', async (t) => {
  const { url } = await startServer(t)
  const { access } = await login(url)
  for (const path of ['/api/v1/users/whoami', '/API/V1/Users/WhoAmI', '/api/v1/users/whoami/', '/api/v1/users/whoami?x=1']) {
    const r = await call(url, 'GET', path, { token: access })
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`)
    assert.equal(r.body.username, 'admin', path)
  }
  const head = await raw(url, 'HEAD', '/api/v1/users/whoami', { authorization: `Bearer ${access}` })
  assert.equal(head.status, 200)
  assert.equal(head.bytes, 0, 'no body on a HEAD')
  assert.ok(Number(head.headers['content-length']) > 0, 'the length of the body a GET would get')
  // A parameter keeps its case: it is an id, not part of the route.
  const admin = (await call(url, 'GET', '/api/v1/users/whoami', { token: access })).body.id as string
  assert.equal((await call(url, 'GET', `/API/v1/admin/USERS/${admin}`, { token: access })).status, 200)
  assertError(await call(url, 'GET', `/api/v1/admin/users/${admin.toUpperCase()}`, { token: access }), 404, 'USER_NOT_FOUND')
})

test('a request target given as a whole URL (RFC 9112 §3.2.2) reaches its route', async (t) => {
  const { url } = await startServer(t)
  const health = await raw(url, 'GET', `http://127.0.0.1/api/v1/health?x=1`)
  assert.equal(health.status, 200)
  assert.equal((await raw(url, 'GET', 'http://127.0.0.1/api/v1/nope')).status, 404)
})

test('body bytes without a Content-Type are refused where JSON is read, never taken as no body', async (t) => {
  const { url, server } = await startServer(t)
  const { access } = await login(url)
  const kids = server.core.keys.list().map((k) => k.kid)
  const r = await fetch(`${url}/api/v1/admin/keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${access}` }, body: new Blob(['{"revoke_sessions": true}']) })
  assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8')
  assertError({ status: r.status, headers: r.headers, body: await r.json() }, 422, 'INVALID_INPUT', /application\/json/)
  assert.deepEqual(server.core.keys.list().map((k) => k.kid), kids, 'no rotation that signs no one out')
})

test('a method the path does not take is 405 with Allow; OPTIONS lists the methods; an unknown API path is 404', async (t) => {
  const { url } = await startServer(t)
  const { access } = await login(url)
  const wrong = await call(url, 'PUT', '/api/v1/users/whoami', { token: access })
  assertError(wrong, 405, 'METHOD_NOT_ALLOWED')
  assert.equal(wrong.headers.get('allow'), 'GET, HEAD, PATCH, DELETE', 'whoami, and what /users/:id takes, which the path also fits')
  const strange = await raw(url, 'PROPFIND', '/api/v1/admin/keys')
  assert.equal(strange.status, 405)
  assert.equal(strange.headers.allow, 'GET, HEAD')
  const options = await raw(url, 'OPTIONS', '/api/v1/admin/sessions/some-id')
  assert.equal(options.status, 204)
  assert.equal(options.headers.allow, 'GET, HEAD, DELETE')
  for (const path of ['/api/v1/nope', '/api/v1/users/a/b/c', '/api/v1']) assertError(await call(url, 'GET', path), 404, 'NOT_FOUND', 'Not Found')
  assertError(await call(url, 'PATCH', '/api/v1/users/%E0%A4%A', { token: access, json: {} }), 400, 'BAD_REQUEST', /percent-encoding/)
})
