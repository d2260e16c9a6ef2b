// The console's token inspector over real HTTP: why a token verifies or not, whether it is active,
// which session it belongs to, and that looking at a used refresh token never counts as a reuse.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { call, login, manualClock, startServer } from '../../helpers.ts'

const inspect = (url: string, token: string, body: unknown) => call(url, 'POST', '/api/v1/admin/inspect', { token, json: body })

test('an access token: verified and active, then revoked, then tampered or from an unknown key', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const user = await login(url)

  let r = await inspect(url, admin.access, { token: user.access })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  assert.deepEqual({ kind: r.body.kind, verified: r.body.verified, active: r.body.active, reason: r.body.reason }, { kind: 'access', verified: true, active: true, reason: null })
  assert.equal(r.body.session.username, 'admin')
  assert.equal(r.body.session.state, 'active')
  assert.match(r.body.kid, /.+/)

  const sid = r.body.session.id
  assert.equal((await call(url, 'DELETE', `/api/v1/admin/sessions/${sid}`, { token: admin.access })).status, 200)
  r = await inspect(url, admin.access, { token: user.access })
  assert.deepEqual({ verified: r.body.verified, active: r.body.active }, { verified: true, active: false })
  assert.match(r.body.reason, /revoked \(admin\)/)
  assert.equal(r.body.session.state, 'revoked')

  const [h, p] = admin.access.split('.')
  r = await inspect(url, admin.access, { token: `${h}.${p}.AAAA` })
  assert.deepEqual({ verified: r.body.verified, active: r.body.active }, { verified: false, active: false })
  assert.match(r.body.reason, /signature/)
  // The session is still found from the unverified claims, so the admin can act on it.
  assert.equal(r.body.session.username, 'admin')

  const foreignHeader = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'not-ours' })).toString('base64url')
  r = await inspect(url, admin.access, { token: `${foreignHeader}.${p}.AAAA` })
  assert.match(r.body.reason, /not in the ring/)
})

test('an expired access token says so', async (t) => {
  const clock = manualClock()
  const { url } = await startServer(t, { clock })
  const old = await login(url)
  clock.advance(2 * 3600_000)
  const admin = await login(url)
  const r = await inspect(url, admin.access, { token: old.access })
  assert.deepEqual({ verified: r.body.verified, active: r.body.active, reason: r.body.reason }, { verified: false, active: false, reason: 'Expired' })
})

test('refresh tokens: the current one is active, a rotated one is explained, and inspecting it is not a reuse', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const first = await login(url)
  const next = await call(url, 'POST', '/api/v1/refresh', { json: { refresh_token: first.refresh } })
  assert.equal(next.status, 200)

  let r = await inspect(url, admin.access, { token: next.body.refresh_token })
  assert.deepEqual({ kind: r.body.kind, active: r.body.active }, { kind: 'refresh', active: true })
  r = await inspect(url, admin.access, { token: first.refresh })
  assert.deepEqual({ kind: r.body.kind, active: r.body.active }, { kind: 'refresh', active: false })
  assert.match(r.body.reason, /Already rotated/)
  // Looking did not revoke the family: the current refresh token still works.
  assert.equal((await call(url, 'POST', '/api/v1/refresh', { json: { refresh_token: next.body.refresh_token } })).status, 200)

  r = await inspect(url, admin.access, { token: 'no-such-refresh-token' })
  assert.deepEqual({ kind: r.body.kind, session: r.body.session }, { kind: 'unknown', session: null })
})

test('bad input is a 422 or 400 JSON error, and only a superuser may inspect', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  for (const body of [{}, { token: '' }, { token: 42 }, { token: 'x'.repeat(20_000) }]) {
    const r = await inspect(url, admin.access, body)
    assert.ok(r.status >= 400 && r.status < 500, `${JSON.stringify(body).slice(0, 40)} → ${r.status}`)
    assert.equal(typeof r.body.detail, 'string')
  }
  const created = await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'plain', password: 'plain-password-1' } })
  assert.equal(created.status, 201)
  const plain = await login(url, 'plain', 'plain-password-1')
  assert.equal((await inspect(url, plain.access, { token: admin.access })).status, 403)
  assert.equal((await inspect(url, '', { token: admin.access })).status, 401)
})
