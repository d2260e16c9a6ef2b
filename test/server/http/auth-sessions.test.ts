// Sessions and refresh rotation over real HTTP: rotation in one transaction, the grace window for
// parallel refreshes (same child token, no alarm), reuse detection that revokes the whole session.

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { call, decodeJwt, login, startServer, testEnv, assertError } from '../../helpers.ts'

const refresh = (url: string, token: string) => call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: token } })

test('refresh rotates: a new pair, both cookies re-set, the session kept', async (t) => {
  const { url } = await startServer(t)
  const tokens = await login(url)
  const r = await call(url, 'POST', '/api/v1/refresh', { headers: { cookie: `refresh_token_lf=${tokens.refresh}` } })
  assert.equal(r.status, 200)
  assert.equal(r.body.token_type, 'bearer')
  assert.notEqual(r.body.refresh_token, tokens.refresh)
  assert.notEqual(r.body.access_token, tokens.access)
  assert.equal(decodeJwt(r.body.access_token).payload.sid, decodeJwt(tokens.access).payload.sid)
  assert.match(r.cookies.access_token_lf as string, new RegExp(`^access_token_lf=${r.body.access_token};`))
  assert.match(r.cookies.refresh_token_lf as string, new RegExp(`^refresh_token_lf=${r.body.refresh_token};`))
  assert.equal(r.cookies.apikey_tkn_lflw, undefined)
  // Both access tokens of the live session work; the new refresh token rotates again.
  for (const token of [tokens.access, r.body.access_token]) {
    assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token })).status, 200)
  }
  assert.equal((await refresh(url, r.body.refresh_token)).status, 200)
})

test('refresh accepts the token as JSON too, and refuses missing, unknown and access tokens', async (t) => {
  const { url } = await startServer(t)
  const tokens = await login(url)
  assert.equal((await call(url, 'POST', '/api/v1/refresh', { json: { refresh_token: tokens.refresh } })).status, 200)
  for (const r of [
    await call(url, 'POST', '/api/v1/refresh'),
    await refresh(url, 'not-a-token'),
    await refresh(url, tokens.access),
    await refresh(url, 'x'.repeat(10_000)),
    await call(url, 'POST', '/api/v1/refresh', { json: { refresh_token: 42 } }),
  ]) {
    assertError(r, 401, 'INVALID_REFRESH_TOKEN', 'Invalid refresh token')
  }
})

test('parallel refreshes of one token inside the grace window all succeed with the same next token', async (t) => {
  const { url, configDir } = await startServer(t)
  const tokens = await login(url)
  const replies = await Promise.all(Array.from({ length: 20 }, () => refresh(url, tokens.refresh)))
  for (const r of replies) assert.equal(r.status, 200, JSON.stringify(r.body))
  const next = new Set(replies.map((r) => r.body.refresh_token))
  assert.equal(next.size, 1, 'every racer got the same child token')
  const child = replies[0]?.body.refresh_token as string
  // No theft alarm was raised and the session lives on: the child rotates normally.
  const db = new Database(join(configDir, 'authdock.db'), { readonly: true })
  t.after(() => db.close())
  assert.equal(db.prepare("SELECT count(*) FROM audit_events WHERE type = 'refresh_reuse_detected'").pluck().get(), 0)
  assert.equal(db.prepare('SELECT count(*) FROM refresh_tokens').pluck().get(), 2)
  assert.equal((await refresh(url, child)).status, 200)
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: replies[0]?.body.access_token })).status, 200)
})

test('reuse of a rotated token after its child was used revokes the session, even inside the grace window', async (t) => {
  const { url, configDir } = await startServer(t)
  const tokens = await login(url)
  const first = await refresh(url, tokens.refresh)
  const second = await refresh(url, first.body.refresh_token) // the child is used: the parent is spent for good
  assert.equal(second.status, 200)
  const replay = await refresh(url, tokens.refresh)
  assertError(replay, 401, 'REFRESH_REUSED')
  // From now on the session's newest refresh token and all its access tokens are refused.
  assert.equal((await refresh(url, second.body.refresh_token)).status, 401)
  for (const token of [tokens.access, first.body.access_token, second.body.access_token]) {
    assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token })).status, 401)
  }
  const db = new Database(join(configDir, 'authdock.db'), { readonly: true })
  t.after(() => db.close())
  const event = db.prepare("SELECT * FROM audit_events WHERE type = 'refresh_reuse_detected'").get() as { session_id: string; detail: string }
  assert.equal(event.session_id, decodeJwt(tokens.access).payload.sid)
  const session = db.prepare('SELECT revoke_reason FROM sessions WHERE id = ?').get(event.session_id) as { revoke_reason: string }
  assert.equal(session.revoke_reason, 'refresh_reuse')
  assert.ok(db.prepare('SELECT reuse_detected_at FROM refresh_tokens WHERE generation = 0').pluck().get())
  // Another session of the same user is untouched.
  const other = await login(url)
  assert.equal((await refresh(url, other.refresh)).status, 200)
})

test('with the grace window off, a second use of a token is reuse at once', async (t) => {
  const { url } = await startServer(t, { env: testEnv({ AUTHDOCK_REFRESH_GRACE_SECONDS: '0' }) })
  const tokens = await login(url)
  const replies = await Promise.all([refresh(url, tokens.refresh), refresh(url, tokens.refresh)])
  assert.deepEqual(replies.map((r) => r.status).sort(), [200, 401])
  const winner = replies.find((r) => r.status === 200)
  assert.equal((await refresh(url, winner?.body.refresh_token)).status, 401, 'the session was revoked')
})

test('outside the grace window a used token is a replay even if its child was never used', async (t) => {
  const { url } = await startServer(t, { env: testEnv({ AUTHDOCK_REFRESH_GRACE_SECONDS: '1' }) })
  const tokens = await login(url)
  const first = await refresh(url, tokens.refresh)
  await new Promise((r) => setTimeout(r, 1_100))
  assert.equal((await refresh(url, tokens.refresh)).status, 401)
  assert.equal((await refresh(url, first.body.refresh_token)).status, 401)
})

test('an expired refresh token is refused', async (t) => {
  const { url } = await startServer(t, { env: testEnv({ LANGFLOW_REFRESH_TOKEN_EXPIRE_SECONDS: '1' }) })
  const tokens = await login(url)
  await new Promise((r) => setTimeout(r, 1_100))
  assert.equal((await refresh(url, tokens.refresh)).status, 401)
  // The session expired with it, so its access token is refused too.
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: tokens.access })).status, 401)
})

test('refresh tokens are stored only as hashes, with the chain of rotations recorded', async (t) => {
  const { url, configDir } = await startServer(t)
  const tokens = await login(url)
  const first = await refresh(url, tokens.refresh)
  const db = new Database(join(configDir, 'authdock.db'), { readonly: true })
  t.after(() => db.close())
  const rows = db.prepare('SELECT * FROM refresh_tokens ORDER BY generation').all() as Record<string, unknown>[]
  assert.deepEqual(rows.map((r) => r.generation), [0, 1])
  assert.ok(rows[0]?.used_at !== null && rows[1]?.used_at === null)
  const dump = JSON.stringify(db.prepare('SELECT * FROM refresh_tokens').all()) + JSON.stringify(db.prepare('SELECT * FROM sessions').all())
  for (const token of [tokens.refresh, first.body.refresh_token]) assert.ok(!dump.includes(token))
})

test('a session records its client: address, user agent, created, last used and expiry', async (t) => {
  const { url, configDir } = await startServer(t)
  await call(url, 'POST', '/api/v1/login', { form: { username: 'admin', password: 'admin-password-1' }, headers: { 'user-agent': 'test-agent/1.0' } })
  const db = new Database(join(configDir, 'authdock.db'), { readonly: true })
  t.after(() => db.close())
  const s = db.prepare('SELECT * FROM sessions').get() as Record<string, number | string | null>
  assert.equal(s.ip, '127.0.0.1')
  assert.equal(s.user_agent, 'test-agent/1.0')
  assert.ok((s.expires_at as number) > (s.created_at as number))
  assert.equal(s.revoked_at, null)
})
