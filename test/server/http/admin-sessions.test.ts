// Admin sessions over real HTTP: listing with filters, paging and counts, the refresh-token chain with reuse detection, and revocation (one, a user's, all) that holds across a restart.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { call, decodeJwt, login, manualClock, startServer, testEnv, assertError } from '../../helpers.ts'
import type { Reply, Tokens } from '../../helpers.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

const SESSION_KEYS = [
  'access_kid', 'client_id', 'created_at', 'expires_at', 'generation', 'id', 'ip', 'last_used_at', 'revoke_reason', 'revoked_at', 'state', 'user_agent', 'user_id', 'username',
]
const LINK_KEYS = ['expires_at', 'generation', 'grace_answers', 'issued_at', 'issued_ip', 'issued_user_agent', 'reuse_detected_at', 'used_at']

const whoami = (url: string, token: string) => call(url, 'GET', '/api/v1/users/whoami', { token })
const refresh = (url: string, token: string, agent = 'test-agent') =>
  call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: token }, headers: { 'user-agent': agent } })
const sidOf = (tokens: Tokens): string => decodeJwt(tokens.access).payload.sid as string
const iso = (ms: number): string => new Date(ms).toISOString()

async function createUser(url: string, adminToken: string, username: string): Promise<string> {
  const r = await call(url, 'POST', '/api/v1/admin/users', { token: adminToken, json: { username, password: `${username}-password`, is_active: true } })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  return r.body.user.id
}

const loginAs = (url: string, username: string) => login(url, username, `${username}-password`)

/** Both credentials of each session are refused. */
async function assertDead(url: string, sessions: Tokens[]): Promise<void> {
  for (const s of sessions) {
    assertError(await whoami(url, s.access), 401, 'SESSION_REVOKED')
    assert.equal((await refresh(url, s.refresh)).status, 401)
  }
}

async function assertAlive(url: string, sessions: Tokens[]): Promise<void> {
  for (const s of sessions) assert.equal((await whoami(url, s.access)).status, 200)
}

test('the list filters by user, state and creation time, pages newest first, and counts every state', async (t) => {
  const clock = manualClock(Date.parse('2026-03-01T08:00:00Z'))
  const { url } = await startServer(t, { clock })
  const setup = await login(url)
  const bob = await createUser(url, setup.access, 'bob')
  const carol = await createUser(url, setup.access, 'carol')
  await call(url, 'POST', '/api/v1/logout', { token: setup.access })

  const b0 = await loginAs(url, 'bob') // expires first: refresh lifetime is 7 days
  clock.advance(7 * DAY - HOUR)
  const c1 = await loginAs(url, 'carol')
  clock.advance(MINUTE)
  const b1At = clock.now()
  const b1 = await loginAs(url, 'bob')
  clock.advance(MINUTE)
  const b2 = await loginAs(url, 'bob')
  clock.advance(2 * HOUR)
  const admin = await login(url)
  const del = await call(url, 'DELETE', `/api/v1/admin/sessions/${sidOf(b1)}`, { token: admin.access })
  assert.deepEqual(del.body, { revoked_sessions: [sidOf(b1)] })

  const list = (query = '') => call(url, 'GET', `/api/v1/admin/sessions${query}`, { token: admin.access })
  const ids = (r: Reply): string[] => r.body.sessions.map((s: { id: string }) => s.id)
  const [A, B0, B1, B2, C1] = [sidOf(admin), sidOf(b0), sidOf(b1), sidOf(b2), sidOf(c1)]
  const setupSid = sidOf(setup) // logged out: revoked too

  const all = await list()
  assert.equal(all.status, 200)
  assert.deepEqual(all.body.counts, { active: 3, revoked: 2, expired: 1 })
  assert.equal(all.body.total_count, 6)
  assert.deepEqual(ids(all), [A, B2, B1, C1, B0, setupSid], 'newest first')
  for (const s of all.body.sessions) assert.deepEqual(Object.keys(s).sort(), SESSION_KEYS)
  const byId = new Map(all.body.sessions.map((s: { id: string }) => [s.id, s]))
  assert.deepEqual(
    [A, B2, B1, C1, B0].map((id) => (byId.get(id) as { state: string }).state),
    ['active', 'active', 'revoked', 'active', 'expired'],
  )
  assert.deepEqual(byId.get(B1), {
    ...(byId.get(B1) as object),
    user_id: bob, username: 'bob', state: 'revoked', revoke_reason: 'admin', revoked_at: iso(clock.now()),
    created_at: iso(b1At), ip: '127.0.0.1', generation: 0, access_kid: decodeJwt(b1.access).header.kid,
    client_id: null, // a session of Langflow's password API belongs to no OAuth client
  })
  assert.equal((byId.get(C1) as { user_id: string }).user_id, carol)

  // Each filter alone and combined; the counts are the server's, whatever the filter.
  const cases: [string, string[]][] = [
    [`?user_id=${bob}`, [B2, B1, B0]],
    ['?state=active', [A, B2, C1]],
    ['?state=revoked', [B1, setupSid]],
    ['?state=expired', [B0]],
    [`?user_id=${bob}&state=active`, [B2]],
    [`?since=${encodeURIComponent(iso(b1At))}`, [A, B2, B1]],
    [`?since=${b1At}`, [A, B2, B1]],
    [`?since=${iso(b1At)}&state=active&user_id=${carol}`, []],
    [`?user_id=${bob}&skip=1&limit=1`, [B1]],
    ['?limit=2', [A, B2]],
    ['?skip=2&limit=2', [B1, C1]],
    ['?skip=4&limit=2', [B0, setupSid]],
    ['?skip=6', []],
  ]
  for (const [query, expected] of cases) {
    const r = await list(query)
    assert.equal(r.status, 200, query)
    assert.deepEqual(ids(r), expected, query)
    assert.deepEqual(r.body.counts, { active: 3, revoked: 2, expired: 1 }, query)
  }
  assert.equal((await list(`?user_id=${bob}&limit=1`)).body.total_count, 3, 'total_count is of the filter, not the page')
  assert.equal((await list('?state=active&limit=1')).body.total_count, 3)

  assert.equal((await list('?limit=5000')).status, 200, 'a limit past the largest page is served as that page')
  for (const bad of ['?state=dead', '?since=yesterday', '?limit=-1', '?skip=x', '?state=active&state=revoked']) {
    assertError(await list(bad), 422, 'INVALID_INPUT')
  }
})

test('a session shows its refresh-token chain; a replay outside the grace window is marked on its link and ends the session', async (t) => {
  const clock = manualClock(Date.parse('2026-03-01T08:00:00Z'))
  const { url } = await startServer(t, { clock, env: testEnv({ AUTHDOCK_REFRESH_GRACE_SECONDS: '0' }) })
  const inspector = await login(url)
  const first = await call(url, 'POST', '/api/v1/login', { form: { username: 'admin', password: 'admin-password-1' }, headers: { 'user-agent': 'agent/0' } })
  assert.equal(first.status, 200)
  const sid = decodeJwt(first.body.access_token).payload.sid as string
  const startedAt = clock.now()
  const refreshTokens: string[] = [first.body.refresh_token]
  const usedAt: number[] = []
  for (let generation = 1; generation <= 3; generation++) {
    clock.advance(10_000)
    usedAt.push(clock.now())
    const r = await refresh(url, refreshTokens.at(-1) as string, `agent/${generation}`)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    refreshTokens.push(r.body.refresh_token)
  }
  const lastAccess = (await refresh(url, refreshTokens[3] as string, 'agent/4')).body.access_token as string
  usedAt.push(clock.now())

  const detail = await call(url, 'GET', `/api/v1/admin/sessions/${sid}`, { token: inspector.access })
  assert.equal(detail.status, 200, JSON.stringify(detail.body))
  assert.deepEqual(Object.keys(detail.body).sort(), ['chain', 'session'])
  assert.equal(detail.body.session.id, sid)
  assert.equal(detail.body.session.username, 'admin')
  assert.equal(detail.body.session.state, 'active')
  assert.equal(detail.body.session.generation, 4)
  assert.equal(detail.body.session.created_at, iso(startedAt))
  assert.equal(detail.body.session.user_agent, 'agent/0')
  const chain = detail.body.chain
  assert.equal(chain.length, 5)
  chain.forEach((link: Record<string, unknown>, generation: number) => {
    assert.deepEqual(Object.keys(link).sort(), LINK_KEYS)
    assert.equal(link.generation, generation)
    assert.equal(link.issued_at, iso(generation === 0 ? startedAt : (usedAt[generation - 1] as number)))
    assert.equal(link.issued_ip, '127.0.0.1')
    assert.equal(link.issued_user_agent, `agent/${generation}`)
    assert.equal(link.used_at, generation < 4 ? iso(usedAt[generation] as number) : null)
    assert.equal(link.reuse_detected_at, null)
    assert.deepEqual(link.grace_answers, [], 'the grace window is off')
  })
  assert.ok(!JSON.stringify(detail.body).includes(refreshTokens[0] as string), 'no refresh token is shown')

  // Generation 1 is replayed a minute later: the session is revoked and the link says when.
  clock.advance(MINUTE)
  const replay = await refresh(url, refreshTokens[1] as string, 'thief/1')
  assertError(replay, 401, 'REFRESH_REUSED')
  assertError(await whoami(url, lastAccess), 401, 'SESSION_REVOKED')
  assert.equal((await refresh(url, refreshTokens[4] as string)).status, 401, 'the newest refresh token is dead too')

  const after = await call(url, 'GET', `/api/v1/admin/sessions/${sid}`, { token: inspector.access })
  assert.equal(after.body.session.state, 'revoked')
  assert.equal(after.body.session.revoke_reason, 'refresh_reuse')
  assert.equal(after.body.session.revoked_at, iso(clock.now()))
  assert.deepEqual(after.body.chain.map((l: { reuse_detected_at: string | null }) => l.reuse_detected_at), [null, iso(clock.now()), null, null, null])
  assert.equal(after.body.chain.length, 5, 'the replay issued nothing')

  assertError(await call(url, 'GET', '/api/v1/admin/sessions/00000000-0000-4000-8000-000000000000', { token: inspector.access }), 404, 'SESSION_NOT_FOUND')
})

test('revoking one session stops its tokens at once and leaves the others; an unknown id is a 404', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  await createUser(url, admin.access, 'bob')
  const [one, two] = [await loginAs(url, 'bob'), await loginAs(url, 'bob')] as [Tokens, Tokens]
  assert.equal((await whoami(url, one.access)).status, 200)

  const r = await call(url, 'DELETE', `/api/v1/admin/sessions/${sidOf(one)}`, { token: admin.access })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  assert.deepEqual(r.body, { revoked_sessions: [sidOf(one)] })
  await assertDead(url, [one])
  await assertAlive(url, [two, admin])

  const again = await call(url, 'DELETE', `/api/v1/admin/sessions/${sidOf(one)}`, { token: admin.access })
  assert.deepEqual([again.status, again.body], [200, { revoked_sessions: [] }], 'already revoked: nothing more to do')
  assertError(await call(url, 'DELETE', '/api/v1/admin/sessions/00000000-0000-4000-8000-000000000000', { token: admin.access }), 404, 'SESSION_NOT_FOUND')

  const events = await call(url, 'GET', `/api/v1/admin/audit?type=session_revoked`, { token: admin.access })
  assert.equal(events.body.total_count, 1)
  assert.equal(events.body.events[0].session_id, sidOf(one))
  assert.deepEqual(events.body.events[0].detail, { reason: 'admin', by: decodeJwt(admin.access).payload.sub })
})

test("revoking a user's sessions ends all of theirs and their API keys, and no one else's", async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const bob = await createUser(url, admin.access, 'bob')
  await createUser(url, admin.access, 'carol')
  const bobs = [await loginAs(url, 'bob'), await loginAs(url, 'bob')]
  const carol = await loginAs(url, 'carol')
  // A thief of bob's account may have made an API key: signing bob out everywhere ends it too.
  const key = await call(url, 'POST', '/api/v1/api_key/', { token: bobs[0]?.access, json: { name: 'left behind' } })
  assert.equal(key.status, 200)
  const carolsKey = await call(url, 'POST', '/api/v1/api_key/', { token: carol.access, json: { name: 'carol' } })

  const r = await call(url, 'POST', `/api/v1/admin/users/${bob}/revoke-sessions`, { token: admin.access })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  assert.deepEqual([...r.body.revoked_sessions].sort(), bobs.map(sidOf).sort())
  assert.equal(r.body.revoked_api_keys, 1)
  await assertDead(url, bobs)
  await assertAlive(url, [carol, admin])
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { headers: { 'x-api-key': key.body.api_key } })).status, 401, 'bob\'s key is revoked')
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { headers: { 'x-api-key': carolsKey.body.api_key } })).status, 200, 'carol\'s is not')
  assert.deepEqual((await call(url, 'POST', `/api/v1/admin/users/${bob}/revoke-sessions`, { token: admin.access })).body, { revoked_sessions: [], revoked_api_keys: 0 })
  assertError(await call(url, 'POST', '/api/v1/admin/users/00000000-0000-4000-8000-000000000000/revoke-sessions', { token: admin.access }), 404, 'USER_NOT_FOUND')
  // A new login works at once.
  await assertAlive(url, [await loginAs(url, 'bob')])
})

test('revoke-all needs the typed confirmation; with it every session ends, the caller\'s included', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  await createUser(url, admin.access, 'bob')
  const others = [await loginAs(url, 'bob'), await loginAs(url, 'bob'), await login(url)]
  const revokeAll = (options: Parameters<typeof call>[3]) => call(url, 'POST', '/api/v1/admin/sessions/revoke-all', { token: admin.access, ...options })

  for (const options of [{}, { json: {} }, { json: { confirm: 'yes' } }, { json: { confirm: 'REVOKE-ALL' } }, { json: { confirm: true } }]) {
    const r = await revokeAll(options)
    assertError(r, 400, 'CONFIRMATION_REQUIRED', /"confirm": "revoke-all"/)
  }
  assertError(await revokeAll({ form: { confirm: 'revoke-all' } }), 422, 'INVALID_INPUT') // JSON only
  await assertAlive(url, [admin, ...others])
  const counts = await call(url, 'GET', '/api/v1/admin/sessions', { token: admin.access })
  assert.deepEqual(counts.body.counts, { active: 4, revoked: 0, expired: 0 }, 'nothing was revoked')

  const r = await revokeAll({ json: { confirm: 'revoke-all' } })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  assert.deepEqual(r.body, { revoked_count: 4, revoked_api_keys: 0 })
  await assertDead(url, [admin, ...others])

  const fresh = await login(url)
  const after = await call(url, 'GET', '/api/v1/admin/sessions', { token: fresh.access })
  assert.deepEqual(after.body.counts, { active: 1, revoked: 4, expired: 0 })
})

test('revocations are durable: after a restart on the same config dir revoked tokens still fail, others still work', async (t) => {
  const first = await startServer(t)
  const admin = await login(first.url)
  const bob = await createUser(first.url, admin.access, 'bob')
  await createUser(first.url, admin.access, 'carol')
  const single = await loginAs(first.url, 'carol')
  const kept = await loginAs(first.url, 'carol')
  const bobs = [await loginAs(first.url, 'bob'), await loginAs(first.url, 'bob')]
  assert.equal((await call(first.url, 'DELETE', `/api/v1/admin/sessions/${sidOf(single)}`, { token: admin.access })).status, 200)
  assert.equal((await call(first.url, 'POST', `/api/v1/admin/users/${bob}/revoke-sessions`, { token: admin.access })).status, 200)
  await first.close()

  const second = await startServer(t, { configDir: first.configDir })
  await assertDead(second.url, [single, ...bobs])
  await assertAlive(second.url, [kept, admin])

  const r = await call(second.url, 'POST', '/api/v1/admin/sessions/revoke-all', { token: admin.access, json: { confirm: 'revoke-all' } })
  assert.deepEqual(r.body, { revoked_count: 2, revoked_api_keys: 0 })
  await second.close()

  const third = await startServer(t, { configDir: first.configDir })
  await assertDead(third.url, [kept, admin])
  await assertAlive(third.url, [await login(third.url)])
})
