// The refresh grace window is bound to the client that rotated the token: a replay inside it from
// another address or user agent is a reuse (the session revoked, the reuse recorded); a replay from
// the same client gets the same child, and that answer is on the session's chain and in the audit
// log. Each over POST /refresh and the token endpoint's refresh grant.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { call, callFrom, decodeJwt, login, manualClock, startServer, assertError } from '../../helpers.ts'
import type { Reply, Tokens } from '../../helpers.ts'

const HERE = '127.0.0.1'
const ELSEWHERE = '127.0.0.2'
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) tab'

interface Client {
  readonly address: string
  readonly agent: string
}

/** The three ways to present a refresh token; all must reach the same rule in the core. */
const ROUTES: { name: string; present(url: string, from: Client, token: string): Promise<Reply> }[] = [
  {
    name: 'POST /refresh',
    present: (url, from, token) => callFrom(from.address, url, 'POST', '/api/v1/refresh', { form: { refresh_token: token }, headers: { 'user-agent': from.agent } }),
  },
  {
    name: 'POST /login grant_type=refresh_token',
    present: (url, from, token) =>
      callFrom(from.address, url, 'POST', '/api/v1/login', { form: { grant_type: 'refresh_token', refresh_token: token }, headers: { 'user-agent': from.agent } }),
  },
]

const sidOf = (t: Tokens): string => decodeJwt(t.access).payload.sid as string
const whoami = (url: string, token: string) => call(url, 'GET', '/api/v1/users/whoami', { token })

/** A server on a hand-moved clock (default 10 s window), an inspecting admin session, and a victim session rotated once by `victim`. */
async function rotatedOnce(t: Parameters<typeof startServer>[0], route: (typeof ROUTES)[number], victim: Client) {
  const clock = manualClock(Date.parse('2026-03-01T08:00:00Z'))
  const { url } = await startServer(t, { clock })
  const inspector = await login(url)
  const tokens = await login(url)
  const rotatedAt = clock.now()
  const rotated = await route.present(url, victim, tokens.refresh)
  assert.equal(rotated.status, 200, JSON.stringify(rotated.body))
  const audit = async (type: string) => (await call(url, 'GET', `/api/v1/admin/audit?type=${type}`, { token: inspector.access })).body
  const detail = async () => (await call(url, 'GET', `/api/v1/admin/sessions/${sidOf(tokens)}`, { token: inspector.access })).body
  return { clock, url, tokens, rotated, rotatedAt, audit, detail }
}

for (const route of ROUTES) {
  for (const [what, thief, afterMs] of [
    ['another address', { address: ELSEWHERE, agent: BROWSER }, 5_000],
    ['another user agent', { address: HERE, agent: 'curl/8.5.0' }, 9_500],
  ] as const) {
    test(`${route.name}: a rotated token replayed ${afterMs / 1000} s later from ${what} is a reuse: the session revoked and the reuse recorded`, async (t) => {
      const s = await rotatedOnce(t, route, { address: HERE, agent: BROWSER })
      s.clock.advance(afterMs)
      const replay = await route.present(s.url, thief, s.tokens.refresh)
      assertError(replay, 401, 'REFRESH_REUSED')
      assert.equal(replay.body.access_token, undefined)

      // The whole family is dead, the first caller's next token and access token included.
      assert.equal((await route.present(s.url, { address: HERE, agent: BROWSER }, s.rotated.body.refresh_token)).status, 401)
      for (const token of [s.tokens.access, s.rotated.body.access_token]) assert.equal((await whoami(s.url, token)).status, 401)

      const reuse = await s.audit('refresh_reuse_detected')
      assert.equal(reuse.total_count, 1)
      const [event] = reuse.events
      assert.deepEqual([event.session_id, event.ip, event.user_agent], [sidOf(s.tokens), thief.address, thief.agent])
      assert.deepEqual(event.detail, { generation: 0, cause: 'other_client' })
      assert.equal((await s.audit('refresh_grace_reused')).total_count, 0)
      const detail = await s.detail()
      assert.equal(detail.session.revoke_reason, 'refresh_reuse')
      assert.deepEqual(detail.chain.map((l: { reuse_detected_at: string | null }) => l.reuse_detected_at), [new Date(s.clock.now()).toISOString(), null])
      assert.deepEqual(detail.chain.map((l: { grace_answers: unknown[] }) => l.grace_answers), [[], []])
    })
  }

  test(`${route.name}: the same client replaying inside the window gets the same next token, shown on the chain and in the audit log`, async (t) => {
    const tab: Client = { address: HERE, agent: BROWSER }
    const s = await rotatedOnce(t, route, tab)
    const answers: { at: number; reply: Reply }[] = []
    for (const afterMs of [5_000, 4_500]) {
      s.clock.advance(afterMs)
      answers.push({ at: s.clock.now(), reply: await route.present(s.url, tab, s.tokens.refresh) })
    }
    for (const { reply } of answers) {
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      assert.equal(reply.body.refresh_token, s.rotated.body.refresh_token, 'the very child the rotation issued')
      assert.equal((await whoami(s.url, reply.body.access_token)).status, 200)
    }

    const grace = await s.audit('refresh_grace_reused')
    assert.equal(grace.total_count, 2)
    // Newest first.
    assert.deepEqual(
      grace.events.map((e: { session_id: string; ip: string; user_agent: string; detail: unknown; at: string }) => [e.session_id, e.ip, e.user_agent, e.detail, e.at]),
      [...answers].reverse().map(({ at }) => [sidOf(s.tokens), HERE, BROWSER, { generation: 0, after_ms: at - s.rotatedAt }, new Date(at).toISOString()]),
    )
    assert.equal((await s.audit('refresh_reuse_detected')).total_count, 0)
    const detail = await s.detail()
    assert.equal(detail.session.state, 'active')
    assert.deepEqual(detail.chain.map((l: { grace_answers: unknown[] }) => l.grace_answers), [
      answers.map(({ at }) => ({ at: new Date(at).toISOString(), ip: HERE, user_agent: BROWSER })),
      [],
    ])
    // The family goes on from the shared child.
    assert.equal((await route.present(s.url, tab, s.rotated.body.refresh_token)).status, 200)
  })
}

test('past the window the same client gets a reuse too, recorded as a replay', async (t) => {
  const tab: Client = { address: HERE, agent: BROWSER }
  const s = await rotatedOnce(t, ROUTES[0] as (typeof ROUTES)[number], tab)
  s.clock.advance(10_001)
  assertError(await (ROUTES[0] as (typeof ROUTES)[number]).present(s.url, tab, s.tokens.refresh), 401, 'REFRESH_REUSED')
  assert.deepEqual((await s.audit('refresh_reuse_detected')).events[0].detail, { generation: 0, cause: 'replay' })
})
