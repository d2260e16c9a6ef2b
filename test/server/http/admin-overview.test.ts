// The admin dashboard over real HTTP: overview counts (users, sessions, hourly logins and failures, reuse detections, key ages) and the security checklist.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { call, decodeJwt, login, manualClock, startServer, testEnv } from '../../helpers.ts'

const HOUR = 3_600_000
const CHECKLIST_IDS = [
  'algorithm', 'key_strength', 'key_storage', 'config_dir', 'access_lifetime', 'refresh_rotation', 'bcrypt_cost',
  'token_type', 'www_authenticate', 'transport', 'refresh_cookie', 'server_logout', 'auto_login',
]

interface Bucket {
  hour: string
  logins: number
  failures: number
  reuse_detections: number
}

const refresh = (url: string, token: string) => call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: token } })
const failLogin = (url: string, username: string) => call(url, 'POST', '/api/v1/login', { form: { username, password: 'wrong-password' } })

/** The non-empty buckets, as "index:logins/failures/reuse". */
const activity = (hourly: Bucket[]): string[] =>
  hourly.flatMap((b, i) => (b.logins + b.failures + b.reuse_detections === 0 ? [] : [`${i}:${b.logins}/${b.failures}/${b.reuse_detections}`]))

test('overview: users, session states, logins and failures in the current hour bucket, reuse detections, key ages', async (t) => {
  const clock = manualClock(Date.parse('2026-03-01T08:30:00Z'))
  const startedAt = clock.now()
  const { url } = await startServer(t, { clock })
  const admin = await login(url)
  for (const [username, isActive] of [['bob', true], ['carol', false]] as const) {
    const r = await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username, password: `${username}-password`, is_active: isActive } })
    assert.equal(r.status, 201)
  }
  assert.equal((await failLogin(url, 'bob')).status, 401)
  const bob = await login(url, 'bob', 'bob-password')
  // Bob's first refresh token is replayed past the grace window: one reuse detection, his session revoked.
  assert.equal((await refresh(url, bob.refresh)).status, 200)
  clock.advance(11_000)
  assert.equal((await refresh(url, bob.refresh)).status, 401)
  clock.advance(79_000)

  const overview = async (token: string) => {
    const r = await call(url, 'GET', '/api/v1/admin/overview', { token })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    return r.body
  }
  let o = await overview(admin.access)
  assert.deepEqual(Object.keys(o).sort(), ['generated_at', 'hourly', 'keys', 'reuse_detections', 'sessions', 'users'])
  assert.equal(o.generated_at, new Date(clock.now()).toISOString())
  assert.deepEqual(o.users, { total: 3, active: 2, superusers: 1 })
  assert.deepEqual(o.sessions, { active: 1, revoked: 1, expired: 0 })
  assert.equal(o.hourly.length, 24)
  o.hourly.forEach((b: Bucket, i: number) => assert.equal(b.hour, new Date(Date.parse('2026-03-01T08:00:00Z') - (23 - i) * HOUR).toISOString()))
  assert.deepEqual(activity(o.hourly), ['23:2/1/1'], 'both logins, the failure and the reuse in the current hour')
  assert.deepEqual(o.reuse_detections, { last_24h: 1, total: 1 })
  assert.deepEqual(o.keys, [{ kid: decodeJwt(admin.access).header.kid, alg: 'HS256', state: 'active', age_seconds: 90, live_sessions: 1 }])

  // An hour later the earlier events sit one bucket back; a new failure lands in the new current hour.
  clock.advance(HOUR)
  const again = await login(url)
  assert.equal((await failLogin(url, 'admin')).status, 401)
  const rotated = await call(url, 'POST', '/api/v1/admin/keys/rotate', { token: again.access })
  assert.equal(rotated.status, 201)
  clock.advance(30_000)
  o = await overview(again.access)
  assert.deepEqual(activity(o.hourly), ['22:2/1/1', '23:1/1/0'])
  assert.deepEqual(o.sessions, { active: 2, revoked: 1, expired: 0 })
  assert.deepEqual(o.keys.map((k: { state: string; age_seconds: number; live_sessions: number }) => [k.state, k.age_seconds, k.live_sessions]), [
    ['verify-only', (clock.now() - startedAt) / 1000, 2],
    ['active', 30, 0],
  ])

  // A day later the reuse has left the 24-hour window but stays in the total.
  clock.advance(24 * HOUR)
  o = await overview((await login(url)).access)
  assert.deepEqual(o.reuse_detections, { last_24h: 0, total: 1 })
  assert.deepEqual(activity(o.hourly), ['23:1/0/0'])
})

test('checklist: the access lifetime warns at 3600 s and passes at 900 s; loopback transport passes; auto-login warns when on', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const checklist = async (base: string, token: string) => {
    const r = await call(base, 'GET', '/api/v1/admin/checklist', { token })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const { items } = r.body
    assert.deepEqual(items.map((i: { id: string }) => i.id), CHECKLIST_IDS)
    for (const i of items) {
      assert.deepEqual(Object.keys(i).sort(), ['id', 'status', 'title', 'why'])
      assert.ok(i.why.length > 0, `${i.id} says why`)
    }
    assert.equal(r.body.passed, items.filter((i: { status: string }) => i.status === 'pass').length)
    assert.equal(r.body.warnings, items.length - r.body.passed)
    return { body: r.body, item: (id: string) => items.find((i: { id: string }) => i.id === id) }
  }

  let c = await checklist(url, admin.access)
  assert.equal(c.item('access_lifetime').status, 'warn')
  assert.match(c.item('access_lifetime').why, /3600 s/)
  assert.deepEqual([c.item('transport').status, c.item('transport').why], ['pass', 'Bound to 127.0.0.1: only this machine can reach the server'])
  assert.equal(c.item('auto_login').status, 'pass')
  assert.equal(c.item('bcrypt_cost').status, 'warn', 'the tests run at cost 10')
  assert.equal(c.item('key_storage').status, 'pass')
  assert.equal(c.item('key_strength').status, 'pass')
  assert.equal(c.item('config_dir').status, 'pass')
  const passedBefore = c.body.passed

  assert.equal((await call(url, 'PATCH', '/api/v1/admin/settings', { token: admin.access, json: { access_token_expire_seconds: 900 } })).status, 200)
  c = await checklist(url, admin.access)
  assert.deepEqual([c.item('access_lifetime').status, c.item('access_lifetime').why], ['pass', 'Access tokens live 900 s (30 min or less)'])
  assert.equal(c.body.passed, passedBefore + 1)

  const auto = await startServer(t, { env: testEnv({ LANGFLOW_AUTO_LOGIN: 'true' }) })
  c = await checklist(auto.url, (await login(auto.url)).access)
  assert.equal(c.item('auto_login').status, 'warn')
  assert.match(c.item('auto_login').why, /LANGFLOW_AUTO_LOGIN is on/)
})
