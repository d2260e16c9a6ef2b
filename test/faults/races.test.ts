// Races over real HTTP: many refreshes of one token, refresh against revoke, login against
// deactivation, rotation against verification. The final state is always consistent, and the
// grace-window and reuse-detection rules of src/server/core/sessions hold exactly.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { call, decodeJwt, login, startServer } from '../helpers.ts'
import type { Tokens } from '../helpers.ts'

const sidOf = (access: string) => decodeJwt(access).payload.sid as string
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))
const refresh = (url: string, token: string) => call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: token } })
const whoami = (url: string, token: string) => call(url, 'GET', '/api/v1/users/whoami', { token })

test('100 parallel refreshes of one token: one successor for all, one family, no reuse alarm', async (t) => {
  const { url, server } = await startServer(t)
  const tokens = await login(url)
  const answers = await Promise.all(Array.from({ length: 100 }, () => refresh(url, tokens.refresh)))
  assert.deepEqual([...new Set(answers.map((r) => r.status))], [200])
  const successors = new Set(answers.map((r) => r.body.refresh_token as string))
  assert.equal(successors.size, 1, 'every racer got the same next refresh token')
  const sid = sidOf(tokens.access)
  const chain = server.core.sessions.chain(sid)
  assert.deepEqual(chain.map((r) => [r.generation, r.usedAt !== null, r.reuseDetectedAt]), [[0, true, null], [1, false, null]])
  // One rotation; each of the other 99 is a grace answer (one client: same address and agent), each recorded.
  assert.deepEqual(chain.map((r) => r.graceAnswers.length), [99, 0])
  assert.equal(server.core.audit.count({ types: ['refresh_grace_reused'] }), 99)
  assert.equal(server.core.audit.count({ types: ['session_refreshed'] }), 1)
  assert.equal(server.core.sessions.byId(sid)?.revokedAt, null)
  for (const r of answers.slice(0, 5)) assert.equal((await whoami(url, r.body.access_token)).status, 200)
  // The family goes on from the shared successor; the first token, now two behind, is a replay.
  const next = await refresh(url, [...successors][0] as string)
  assert.equal(next.status, 200)
  const replay = await refresh(url, tokens.refresh)
  assert.equal(replay.body.code, 'REFRESH_REUSED')
  assert.equal((await whoami(url, next.body.access_token)).status, 401, 'a replay ends the whole family')
})

test('refresh racing revoke: once both settle the session is revoked and none of its tokens works', async (t) => {
  const { url, server } = await startServer(t)
  const admin = await login(url)
  const outcomes = new Set<number>()
  for (let i = 0; i < 24; i++) {
    const tokens = await login(url)
    const sid = sidOf(tokens.access)
    // Offsets on both sides, so each order (and a tie) happens.
    const revoke = (async () => {
      await pause([0, 2, 5, 9][i % 4] as number)
      return i % 2 === 0
        ? call(url, 'POST', '/api/v1/logout', { token: tokens.access })
        : call(url, 'DELETE', `/api/v1/admin/sessions/${sid}`, { token: admin.access })
    })()
    const refreshed = (async () => {
      await pause([0, 1, 3][(i >> 2) % 3] as number)
      return refresh(url, tokens.refresh)
    })()
    const [revoked, r] = await Promise.all([revoke, refreshed])
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body))
    assert.ok(r.status === 200 || r.status === 401, `refresh: ${r.status}`)
    outcomes.add(r.status)
    assert.notEqual(server.core.sessions.byId(sid)?.revokedAt, null)
    assert.equal((await whoami(url, tokens.access)).status, 401)
    assert.equal((await refresh(url, tokens.refresh)).status, 401)
    if (r.status === 200) {
      assert.equal((await whoami(url, r.body.access_token)).status, 401)
      assert.equal((await refresh(url, r.body.refresh_token)).status, 401)
    }
  }
  t.diagnostic(`refresh outcomes seen against a revoke: ${[...outcomes].join(', ')}`)
})

test('login racing deactivation: the user ends inactive with no usable and no live session', async (t) => {
  const { url, server } = await startServer(t)
  const admin = await login(url)
  for (let round = 0; round < 6; round++) {
    const username = `racer${round}`
    const password = 'racer-password-1'
    const created = await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username, password } })
    const id = created.body.user.id as string
    const logins = Array.from({ length: 8 }, async (_, i) => {
      await pause(i * 4)
      return call(url, 'POST', '/api/v1/login', { form: { username, password } })
    })
    const deactivate = (async () => {
      await pause(round * 6)
      return call(url, 'PATCH', `/api/v1/admin/users/${id}`, { token: admin.access, json: { is_active: false } })
    })()
    const [answers, deactivated] = await Promise.all([Promise.all(logins), deactivate])
    assert.equal(deactivated.status, 200)
    assert.equal(server.core.users.byId(id)?.isActive, false)
    for (const r of answers) {
      // 400 is Langflow's "waiting for approval": inactive before its first login.
      assert.ok([200, 400, 401].includes(r.status), `login: ${r.status} ${JSON.stringify(r.body)}`)
      if (r.status !== 200) continue
      assert.equal((await whoami(url, r.body.access_token)).status, 401)
      assert.notEqual((await refresh(url, r.body.refresh_token)).status, 200)
    }
    const live = server.core.sessions.list({ userId: id, state: 'active' }, { skip: 0, limit: 100 })
    assert.equal(live.total, 0, 'no session of the inactive user is left live')
  }
})

test('rotation racing verification: no token fails while keys rotate and the algorithm switches', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const issued: Tokens[] = await Promise.all(Array.from({ length: 10 }, () => login(url)))
  let rotating = true
  const failures: string[] = []
  const checkers = issued.map(async (tokens) => {
    while (rotating) {
      const r = await whoami(url, tokens.access)
      if (r.status !== 200) failures.push(`${r.status} ${JSON.stringify(r.body)}`)
    }
  })
  const duringRotation: Tokens[] = []
  const loggingIn = (async () => {
    while (rotating) duringRotation.push(await login(url))
  })()
  for (const step of ['rotate', 'RS256', 'rotate', 'RS512', 'HS256', 'rotate']) {
    const r = step === 'rotate'
      ? await call(url, 'POST', '/api/v1/admin/keys/rotate', { token: admin.access })
      : await call(url, 'PUT', '/api/v1/admin/algorithm', { token: admin.access, json: { algorithm: step } })
    assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.body))
  }
  rotating = false
  await Promise.all([...checkers, loggingIn])
  assert.deepEqual(failures, [])
  assert.ok(duringRotation.length > 0)
  for (const tokens of [...issued, ...duringRotation]) assert.equal((await whoami(url, tokens.access)).status, 200)
  const kids = new Set([...issued, ...duringRotation].map((tk) => decodeJwt(tk.access).header.kid))
  assert.ok(kids.size >= 2, `tokens of several keys were checked (${kids.size})`)
})
