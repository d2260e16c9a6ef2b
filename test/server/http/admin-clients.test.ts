// /api/v1/admin/clients over real HTTP: registration answers 201 in RFC 7591's names with the
// secret once, lists and reads never show it, 422 names the field, 404 for an unknown id, 403 for
// an ordinary user, deletion ends the client's sessions, and rotation replaces the secret.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { User } from '../../../src/server/core/store/types.ts'
import { ADMIN, assertError, call, login, startServer } from '../../helpers.ts'

const CLIENTS = '/api/v1/admin/clients'
const GRAFANA = { client_name: 'Grafana', redirect_uris: ['https://grafana.example.com/login/generic_oauth'] }
const CLIENT_KEYS = [
  'allow_private_backchannel', 'backchannel_logout_session_required', 'backchannel_logout_uri', 'client_id', 'client_id_issued_at', 'client_name', 'created_at',
  'first_party', 'grant_types', 'post_logout_redirect_uris', 'redirect_uris', 'response_types', 'scope', 'secret_rotated_at', 'token_endpoint_auth_method', 'updated_at',
]

test('POST answers 201 with client_id, the secret once and the metadata with its defaults; GET never shows the secret', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const r = await call(url, 'POST', CLIENTS, { token: admin.access, json: { ...GRAFANA, backchannel_logout_uri: 'http://127.0.0.1:3000/bcl', unknown_field: 1 } })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  assert.deepEqual(Object.keys(r.body).sort(), [...CLIENT_KEYS, 'client_secret', 'client_secret_expires_at'].sort())
  assert.match(r.body.client_secret, /^[A-Za-z0-9_-]{43}$/)
  assert.equal(r.body.client_secret_expires_at, 0)
  assert.equal(r.body.client_id_issued_at, Math.floor(Date.parse(r.body.created_at) / 1000))
  assert.deepEqual({ ...r.body, client_id: undefined, client_secret: undefined, client_id_issued_at: undefined, created_at: undefined, updated_at: undefined }, {
    client_id: undefined, client_secret: undefined, client_id_issued_at: undefined, created_at: undefined, updated_at: undefined,
    client_name: 'Grafana', redirect_uris: GRAFANA.redirect_uris, post_logout_redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], scope: 'openid profile email offline_access',
    backchannel_logout_uri: 'http://127.0.0.1:3000/bcl', backchannel_logout_session_required: false, allow_private_backchannel: false,
    first_party: false, secret_rotated_at: null, client_secret_expires_at: 0,
  })

  const pub = await call(url, 'POST', CLIENTS, { token: admin.access, json: { client_name: 'CLI', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1/cb'] } })
  assert.equal(pub.status, 201, JSON.stringify(pub.body))
  assert.deepEqual(Object.keys(pub.body).sort(), CLIENT_KEYS, 'a public client gets no secret')

  const list = await call(url, 'GET', CLIENTS, { token: admin.access })
  assert.equal(list.status, 200)
  assert.deepEqual(list.body.clients.map((c: { client_id: string }) => c.client_id), [r.body.client_id, pub.body.client_id])
  for (const c of list.body.clients) assert.deepEqual(Object.keys(c).sort(), CLIENT_KEYS)
  const one = await call(url, 'GET', `${CLIENTS}/${r.body.client_id}`, { token: admin.access })
  assert.equal(one.status, 200)
  const { client_secret: secret, client_secret_expires_at: _expiry, ...withoutSecret } = r.body
  assert.deepEqual(one.body, withoutSecret)
  assert.ok(!JSON.stringify([list.body, one.body]).includes(secret))
})

test('422 names the field; 404 for an unknown id; 403 for an ordinary user', async (t) => {
  const { url, server } = await startServer(t)
  const admin = await login(url)
  const post = (json: unknown) => call(url, 'POST', CLIENTS, { token: admin.access, json })
  assertError(await post({}), 422, 'INVALID_INPUT', 'client_name is required')
  assertError(await post({ client_name: 7 }), 422, 'INVALID_INPUT', 'client_name must be a string')
  assertError(await post({ client_name: 'x' }), 422, 'INVALID_INPUT', /^redirect_uris is required for the authorization_code grant/)
  assertError(await post({ ...GRAFANA, redirect_uris: 'https://a.example/cb' }), 422, 'INVALID_INPUT', /^redirect_uris must be an array of URLs/)
  assertError(await post({ ...GRAFANA, redirect_uris: ['http://grafana.example.com/cb'] }), 422, 'INVALID_INPUT', /^redirect_uris: .* must use https/)
  assertError(await post({ ...GRAFANA, token_endpoint_auth_method: 'private_key_jwt' }), 422, 'INVALID_INPUT', /^token_endpoint_auth_method must be one of/)
  assertError(await post({ ...GRAFANA, grant_types: ['implicit'] }), 422, 'INVALID_INPUT', /^grant_types/)
  assertError(await post({ ...GRAFANA, first_party: 'yes' }), 422, 'INVALID_INPUT', 'first_party must be true or false')
  assertError(await post({ ...GRAFANA, backchannel_logout_uri: 'http://10.0.0.9/bcl' }), 422, 'INVALID_INPUT', /^backchannel_logout_uri: .* set allow_private_backchannel: true/)
  assert.equal((await post({ ...GRAFANA, backchannel_logout_uri: 'http://10.0.0.9/bcl', allow_private_backchannel: true })).status, 201)

  const bogus = `${CLIENTS}/no-such-client`
  for (const [method, path, json] of [['GET', bogus], ['PATCH', bogus, {}], ['DELETE', bogus], ['POST', `${bogus}/rotate-secret`]] as const) {
    assertError(await call(url, method, path, { token: admin.access, json }), 404, 'CLIENT_NOT_FOUND', 'Client not found')
  }

  await server.core.users.create({ username: 'olive', password: 'olive-password', isActive: true }, { ip: null, userAgent: null }, server.core.users.byUsername(ADMIN.username) as User)
  const olive = await login(url, 'olive', 'olive-password')
  assertError(await call(url, 'POST', CLIENTS, { token: olive.access, json: GRAFANA }), 403, 'NOT_SUPERUSER')
  assertError(await call(url, 'GET', CLIENTS, { token: olive.access }), 403, 'NOT_SUPERUSER')
  assert.equal((await call(url, 'GET', CLIENTS, { token: admin.access })).body.clients.length, 1, 'olive registered nothing')
})

test('PATCH changes metadata; rotate-secret gives a new secret that replaces the old; public clients have none to rotate', async (t) => {
  const { url, server } = await startServer(t)
  const admin = await login(url)
  const created = (await call(url, 'POST', CLIENTS, { token: admin.access, json: GRAFANA })).body
  const path = `${CLIENTS}/${created.client_id}`
  const patched = await call(url, 'PATCH', path, { token: admin.access, json: { first_party: true, post_logout_redirect_uris: ['https://grafana.example.com/'] } })
  assert.equal(patched.status, 200, JSON.stringify(patched.body))
  assert.equal(patched.body.first_party, true)
  assert.deepEqual(patched.body.post_logout_redirect_uris, ['https://grafana.example.com/'])
  assert.equal(patched.body.client_name, 'Grafana')
  assert.equal(patched.body.client_secret, undefined)
  assertError(await call(url, 'PATCH', path, { token: admin.access, json: { token_endpoint_auth_method: 'none' } }), 422, 'INVALID_INPUT', /cannot change between none/)

  const rotated = await call(url, 'POST', `${path}/rotate-secret`, { token: admin.access })
  assert.equal(rotated.status, 200, JSON.stringify(rotated.body))
  assert.match(rotated.body.client_secret, /^[A-Za-z0-9_-]{43}$/)
  assert.notEqual(rotated.body.client_secret, created.client_secret)
  assert.notEqual(rotated.body.secret_rotated_at, null)
  assert.throws(() => server.core.clients.authenticate(created.client_id, created.client_secret, 'client_secret_basic'))
  assert.equal(server.core.clients.authenticate(created.client_id, rotated.body.client_secret, 'client_secret_basic').id, created.client_id)

  const pub = (await call(url, 'POST', CLIENTS, { token: admin.access, json: { ...GRAFANA, token_endpoint_auth_method: 'none' } })).body
  assertError(await call(url, 'POST', `${CLIENTS}/${pub.client_id}/rotate-secret`, { token: admin.access }), 422, 'INVALID_INPUT', /no secret to rotate/)
})

test("DELETE ends the client's sessions and says which; admin sessions show client_id", async (t) => {
  const { url, server } = await startServer(t)
  const admin = await login(url)
  const created = (await call(url, 'POST', CLIENTS, { token: admin.access, json: GRAFANA })).body
  const user = server.core.users.byUsername(ADMIN.username) as User
  const appSession = await server.core.sessions.create(user, { ip: '127.0.0.1', userAgent: 'app' }, { clientId: created.client_id })

  const sessions = await call(url, 'GET', '/api/v1/admin/sessions', { token: admin.access })
  const byId = new Map(sessions.body.sessions.map((s: { id: string; client_id: string | null }) => [s.id, s.client_id]))
  assert.equal(byId.get(appSession.session.id), created.client_id)
  const consoleSid = JSON.parse(Buffer.from(admin.access.split('.')[1] as string, 'base64url').toString()).sid as string
  assert.equal(byId.get(consoleSid), null, "the password API's session belongs to no client")
  const ofClient = await call(url, 'GET', `/api/v1/admin/sessions?client_id=${created.client_id}`, { token: admin.access })
  assert.deepEqual(ofClient.body.sessions.map((s: { id: string }) => s.id), [appSession.session.id], 'filtered by client')
  assert.equal(ofClient.body.total_count, 1)
  assert.equal((await call(url, 'GET', `/api/v1/admin/sessions/${appSession.session.id}`, { token: admin.access })).body.session.client_id, created.client_id)

  const deleted = await call(url, 'DELETE', `${CLIENTS}/${created.client_id}`, { token: admin.access })
  assert.equal(deleted.status, 200, JSON.stringify(deleted.body))
  assert.deepEqual(deleted.body, { client_id: created.client_id, revoked_sessions: [appSession.session.id] })
  assertError(await call(url, 'GET', '/api/v1/users/whoami', { token: appSession.accessToken }), 401, 'SESSION_REVOKED')
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: admin.access })).status, 200, "the admin's own session lives")
  assertError(await call(url, 'GET', `${CLIENTS}/${created.client_id}`, { token: admin.access }), 404, 'CLIENT_NOT_FOUND')
})
