// The admin's live feed, GET /api/v1/admin/events, over real HTTP: every kind of security event in
// order with increasing ids, resuming with Last-Event-ID (across a restart too, and a reset past
// the replay limit), heartbeats, clean-up of clients that go, the cap, and shutdown with streams open.

import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect } from 'node:net'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { ADMIN, call, decodeJwt, login, manualClock, startServer, tempDir } from '../../helpers.ts'
import type { Running } from '../../helpers.ts'
import { dataOf, eventually, isStream, mustOpen, openSse } from '../../sse-client.ts'
import type { SseEvent, SseStream } from '../../sse-client.ts'

const EVENTS = '/api/v1/admin/events'
const EVENT_FIELDS = ['at', 'detail', 'id', 'ip', 'session_id', 'type', 'user_agent', 'user_id', 'username']

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const openEvents = (t: TestContext, url: string, token: string, extra: Record<string, string> = {}, query = '') =>
  mustOpen(t, `${url}${EVENTS}${query}`, { ...bearer(token), ...extra })
const refresh = (url: string, token: string) => call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: token } })

/** The `ready` event that opens a fresh stream; returns its last_event_id. */
async function ready(stream: SseStream): Promise<number> {
  const first = await stream.next()
  assert.equal(first.event, 'ready')
  const id = dataOf(first).last_event_id
  assert.equal(typeof id, 'number')
  // The id line lets an EventSource resume from here even if no event came before a drop.
  assert.equal(first.id, String(id))
  return id as number
}

/** Takes events until one of `type` arrives, returning all of them. */
async function takeThrough(stream: SseStream, type: string, timeoutMs = 3_000): Promise<SseEvent[]> {
  const { event, skipped } = await stream.until((e) => e.event === type, timeoutMs)
  return [...skipped, event]
}

/** An audit event as sent: the `id:` line equals data.id, the SSE event name equals data.type. */
function checkEvent(e: SseEvent): Record<string, unknown> {
  const data = dataOf(e)
  assert.deepEqual(Object.keys(data).sort(), EVENT_FIELDS)
  assert.equal(e.id, String(data.id))
  assert.equal(e.event, data.type)
  assert.ok(!Number.isNaN(Date.parse(data.at as string)), `at is a date: ${String(data.at)}`)
  assert.equal(typeof data.detail, 'object')
  return data
}

function idsOf(events: readonly SseEvent[]): number[] {
  return events.map((e) => Number(e.id))
}

function assertConsecutive(ids: readonly number[], after: number): void {
  assert.deepEqual(ids, ids.map((_, i) => after + 1 + i), `ids ${ids.join(',')} follow ${after} without gaps or repeats`)
}

async function ordinaryUser(url: string, adminToken: string, username = 'olga') {
  const password = `${username}-password-1`
  const r = await call(url, 'POST', '/api/v1/admin/users', { token: adminToken, json: { username, password } })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  return { id: r.body.user.id as string, username, password }
}

// First: every later test leaves streams open for the server's close() in t.after to end; if that
// were broken, this test reports it before the others hang.
test('server.close() ends open streams instead of waiting for them', async (t) => {
  const running = await startServer(t, { streams: { heartbeatMs: 50, maxStreams: 3 } })
  const admin = await login(running.url)
  const streams = [await openEvents(t, running.url, admin.access), await openEvents(t, running.url, admin.access)]
  for (const s of streams) await ready(s)
  let timer: NodeJS.Timeout | undefined
  const outcome = await Promise.race([
    running.close().then(() => 'closed'),
    new Promise((resolve) => {
      timer = setTimeout(() => resolve('hung'), 5_000)
    }),
  ])
  clearTimeout(timer)
  if (outcome === 'hung') for (const s of streams) s.close() // so that the failure below is reported, not a hang
  assert.equal(outcome, 'closed')
  await Promise.all(streams.map((s) => s.endsWithin(1_000)))
  assert.ok(streams.every((s) => s.ended))
})

test('a superuser gets ready, then every kind of security event in order with increasing ids', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const stream = await openEvents(t, url, admin.access)
  assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/)
  assert.equal(stream.headers.get('cache-control'), 'no-store')
  const start = await ready(stream)

  // Another client signs in, refreshes and signs out.
  const other = await login(url)
  const otherSid = decodeJwt(other.access).payload.sid
  const rotated = await refresh(url, other.refresh)
  assert.equal(rotated.status, 200)
  assert.equal((await call(url, 'POST', '/api/v1/logout', { token: rotated.body.access_token })).status, 200)
  // A stolen refresh token replayed after its child was used.
  const victim = await login(url)
  const victimSid = decodeJwt(victim.access).payload.sid
  const first = await refresh(url, victim.refresh)
  assert.equal((await refresh(url, first.body.refresh_token)).status, 200)
  assert.equal((await refresh(url, victim.refresh)).status, 401)
  // Three failures for one account from one address lock it.
  for (let i = 0; i < 3; i++) {
    assert.equal((await call(url, 'POST', '/api/v1/login', { form: { username: 'ghost', password: 'wrong-password' } })).status, 401)
  }
  // Users, keys and settings.
  const user = await ordinaryUser(url, admin.access)
  assert.equal((await call(url, 'PATCH', `/api/v1/admin/users/${user.id}`, { token: admin.access, json: { is_active: false } })).status, 200)
  assert.equal((await call(url, 'DELETE', `/api/v1/admin/users/${user.id}`, { token: admin.access })).status, 200)
  assert.equal((await call(url, 'POST', '/api/v1/admin/keys/rotate', { token: admin.access })).status, 201)
  assert.equal((await call(url, 'PUT', '/api/v1/admin/algorithm', { token: admin.access, json: { algorithm: 'RS256' } })).status, 200)
  assert.equal((await call(url, 'PATCH', '/api/v1/admin/settings', { token: admin.access, json: { access_token_expire_seconds: 900 } })).status, 200)

  const events = await takeThrough(stream, 'settings_changed')
  assert.deepEqual(events.map((e) => e.event), [
    'session_created', 'login_succeeded', 'session_refreshed', 'session_revoked',
    'session_created', 'login_succeeded', 'session_refreshed', 'session_refreshed', 'refresh_reuse_detected', 'session_revoked',
    'login_failed', 'login_failed', 'login_failed', 'account_locked',
    'user_created', 'user_updated', 'user_deleted',
    'key_rotated', 'algorithm_switched', 'settings_changed',
  ])
  assertConsecutive(idsOf(events), start)
  const data = events.map(checkEvent)
  const at = (i: number) => data[i] as Record<string, unknown>
  const detail = (i: number) => at(i).detail as Record<string, unknown>

  assert.equal(at(0).session_id, otherSid)
  assert.equal(at(0).username, ADMIN.username)
  assert.equal(at(3).session_id, otherSid)
  assert.equal(detail(3).reason, 'logout')
  assert.equal(at(8).session_id, victimSid)
  assert.equal(at(9).session_id, victimSid)
  assert.equal(detail(9).reason, 'refresh_reuse')
  // No user is called ghost: the audit keeps a keyed hash of the name, the same for each attempt.
  assert.match(String(at(10).username), /^unknown:[0-9a-f]{8}$/)
  assert.deepEqual([11, 12, 13].map((i) => at(i).username), [at(10).username, at(10).username, at(10).username])
  assert.equal(at(10).user_id, null)
  assert.ok((detail(13).lockedForSeconds as number) >= 1)
  assert.equal(at(14).user_id, user.id)
  assert.equal(at(14).username, user.username)
  assert.deepEqual(detail(15).fields, ['isActive'])
  assert.equal(at(16).user_id, user.id)
  assert.equal(detail(18).alg, 'RS256')
  assert.deepEqual((detail(19).changes as Record<string, unknown>).access_token_expire_seconds, { from: 3600, to: 900 })
  // None of that was the admin's own session: the stream is still open.
  assert.equal(stream.ended, false)
})

test('reconnecting with Last-Event-ID replays exactly what was missed, then live events; ?last_event_id= too', async (t) => {
  const { url, server } = await startServer(t)
  const admin = await login(url)
  const listeners = server.core.audit.listenerCount()
  const first = await openEvents(t, url, admin.access)
  const start = await ready(first)
  await login(url)
  const seen = await takeThrough(first, 'login_succeeded')
  assertConsecutive(idsOf(seen), start)
  const lastSeen = Number(seen.at(-1)?.id)
  first.close()
  await eventually(() => server.core.audit.listenerCount() === listeners, 'the closed stream unsubscribed')

  // Missed while disconnected.
  await login(url)
  await ordinaryUser(url, admin.access)

  const resumed = await openEvents(t, url, admin.access, { 'last-event-id': String(lastSeen) })
  const byQuery = await openEvents(t, url, admin.access, {}, `?last_event_id=${lastSeen}`)
  for (const stream of [resumed, byQuery]) {
    const missed = [await stream.next(), await stream.next(), await stream.next()]
    assert.deepEqual(missed.map((e) => e.event), ['session_created', 'login_succeeded', 'user_created'])
    assertConsecutive(idsOf(missed), lastSeen)
    missed.forEach(checkEvent)
  }
  // Then live events, once each.
  assert.equal((await call(url, 'PATCH', '/api/v1/admin/settings', { token: admin.access, json: { refresh_grace_seconds: 5 } })).status, 200)
  for (const stream of [resumed, byQuery]) {
    const live = await stream.next()
    assert.equal(live.event, 'settings_changed')
    assert.equal(Number(live.id), lastSeen + 4)
  }
  // Nothing more: no duplicate of a replayed event behind the live one.
  await new Promise((r) => setTimeout(r, 100))
  assert.deepEqual(resumed.pending(), [])
  assert.deepEqual(byQuery.pending(), [])

  // Resuming from the newest id replays nothing; a malformed id is refused.
  const current = await openEvents(t, url, admin.access, { 'last-event-id': String(lastSeen + 4) })
  await assert.rejects(current.next(200), /no event/)
  const bad = await openSse(t, `${url}${EVENTS}`, { ...bearer(admin.access), 'last-event-id': 'abc' })
  assert.ok(!isStream(bad))
  assert.equal(bad.status, 422)
})

test('a client resuming as EventSource does (Last-Event-ID = last id line seen) misses nothing, from ready on', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const first = await openEvents(t, url, admin.access)
  await ready(first)
  first.close()
  await first.done
  await login(url) // made while the client was away, before it saw any event
  const resume: Record<string, string> = first.lastEventId === '' ? {} : { 'last-event-id': first.lastEventId }
  const second = await openEvents(t, url, admin.access, resume)
  assert.deepEqual([(await second.next()).event, (await second.next()).event], ['session_created', 'login_succeeded'])
})

test('more than 1000 missed events give a reset; exactly 1000 are replayed', async (t) => {
  const { url, server } = await startServer(t)
  const admin = await login(url)
  const base = server.core.audit.lastId()
  // The events a busy server writes; made through the core so the test does not take minutes.
  for (let i = 0; i < 1001; i++) server.core.audit.record({ type: 'login_failed', username: `bulk-${i}`, detail: { lockedForSeconds: 0 } })

  const all = await openEvents(t, url, admin.access, { 'last-event-id': String(base + 1) })
  const replayed: SseEvent[] = []
  for (let i = 0; i < 1000; i++) replayed.push(await all.next())
  assertConsecutive(idsOf(replayed), base + 1)
  assert.ok(replayed.every((e) => e.event === 'login_failed'))

  const tooMany = await openEvents(t, url, admin.access, { 'last-event-id': String(base) })
  const reset = await tooMany.next()
  assert.equal(reset.event, 'reset')
  assert.equal(dataOf(reset).last_event_id, base + 1001)
  // Reconnecting as EventSource would right after the reset does not reset again.
  const afterReset = await openEvents(t, url, admin.access, tooMany.lastEventId === '' ? {} : { 'last-event-id': tooMany.lastEventId })
  await assert.rejects(afterReset.next(200), /no event/)
  // The stream goes on with live events after the reset.
  await login(url)
  const live = await tooMany.next()
  assert.equal(live.event, 'session_created')
  assert.equal(Number(live.id), base + 1002)
})

test('ids continue across a restart, and a Last-Event-ID from before it replays from the database', async (t) => {
  const configDir = tempDir(t)
  let running: Running = await startServer(t, { configDir })
  const admin = await login(running.url)
  const stream = await openEvents(t, running.url, admin.access)
  const start = await ready(stream)
  await login(running.url)
  const seen = await takeThrough(stream, 'login_succeeded')
  const lastSeen = Number(seen.at(-1)?.id)
  assertConsecutive(idsOf(seen), start)

  // Missed before the restart, then the server goes down with the stream open.
  await ordinaryUser(running.url, admin.access, 'before')
  await running.close()
  await stream.endsWithin(1_000)
  running = await startServer(t, { configDir })
  // Missed after the restart.
  await ordinaryUser(running.url, admin.access, 'after')

  // The console reconnects with the token it had: sessions and keys survived the restart.
  const resumed = await openEvents(t, running.url, admin.access, { 'last-event-id': String(lastSeen) })
  const missed = [await resumed.next(), await resumed.next()]
  assert.deepEqual(missed.map((e) => e.event), ['user_created', 'user_created'])
  assert.deepEqual(missed.map((e) => dataOf(e).username), ['before', 'after'])
  const [beforeId, afterId] = idsOf(missed) as [number, number]
  assert.equal(beforeId, lastSeen + 1)
  assert.ok(afterId > beforeId, `ids go on after the restart: ${beforeId}, ${afterId}`)
  assert.equal(running.server.core.audit.lastId(), afterId)
  await assert.rejects(resumed.next(200), /no event/)
})

test('heartbeats keep an idle stream open', async (t) => {
  const { url } = await startServer(t, { streams: { heartbeatMs: 50, maxStreams: 3 } })
  const admin = await login(url)
  const stream = await openEvents(t, url, admin.access)
  await ready(stream)
  await stream.commentCount(3, 2_000)
  assert.ok(stream.comments.every((c) => c === 'ping'), JSON.stringify(stream.comments))
  assert.equal(stream.ended, false)
  assert.deepEqual(stream.pending(), [])
})

test('a client that goes away is cleaned up at once, without waiting for a heartbeat', async (t) => {
  // The default heartbeat (15 s) is far beyond the bound below: the close itself must be noticed.
  const { url, server } = await startServer(t)
  const admin = await login(url)
  const before = server.core.audit.listenerCount()
  const a = await openEvents(t, url, admin.access)
  const b = await openEvents(t, url, admin.access)
  await ready(a)
  await ready(b)
  assert.equal(server.core.audit.listenerCount(), before + 2)
  a.close()
  await eventually(() => server.core.audit.listenerCount() === before + 1, 'one listener left', 1_000)
  b.close()
  await eventually(() => server.core.audit.listenerCount() === before, 'no listener left', 1_000)
  // Events made after the clients went are written without error.
  await login(url)
})

test('the cap: one stream more than maxStreams is refused with 429 until one closes', async (t) => {
  const { url, server } = await startServer(t, { streams: { heartbeatMs: 50, maxStreams: 2 } })
  const admin = await login(url)
  const before = server.core.audit.listenerCount()
  const a = await openEvents(t, url, admin.access)
  await openEvents(t, url, admin.access)
  const refused = await openSse(t, `${url}${EVENTS}`, bearer(admin.access))
  assert.ok(!isStream(refused))
  assert.equal(refused.status, 429)
  assert.match(refused.headers.get('content-type') ?? '', /^application\/json/)
  assert.equal((refused.body as Record<string, unknown>).code, 'TOO_MANY_STREAMS')
  assert.equal(typeof (refused.body as Record<string, unknown>).detail, 'string')
  assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/)
  assert.equal(server.core.audit.listenerCount(), before + 2, 'a refused stream subscribes to nothing')

  // The cap is per kind: the revocation stream of local apps is not starved by admin consoles.
  const key = await call(url, 'POST', '/api/v1/api_key/', { token: admin.access, json: { name: 'x' } })
  const revocations = await mustOpen(t, `${url}/api/v1/revocations/stream`, { 'x-api-key': key.body.api_key })
  assert.equal((await revocations.next()).event, 'snapshot')

  a.close()
  let accepted: SseStream | null = null
  const deadline = Date.now() + 2_000
  while (accepted === null && Date.now() < deadline) {
    const r = await openSse(t, `${url}${EVENTS}`, bearer(admin.access))
    if (isStream(r)) accepted = r
    else await new Promise((resolve) => setTimeout(resolve, 20))
  }
  assert.ok(accepted !== null, 'a new stream is accepted once one closed')
  await ready(accepted)
})

test('server.close() does not wait for a connection that never sent a request (a browser preconnect)', async (t) => {
  const running = await startServer(t)
  const socket = connect(Number(new URL(running.url).port), '127.0.0.1')
  await once(socket, 'connect')
  let timer: NodeJS.Timeout | undefined
  try {
    const outcome = await Promise.race([
      running.close().then(() => 'closed'),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve('hung'), 1_000)
      }),
    ])
    assert.equal(outcome, 'closed')
  } finally {
    clearTimeout(timer)
    socket.destroy() // lets close() finish either way
    await running.close()
  }
})

test('only superusers: anonymous 401, an ordinary user 403, a bad token 401', async (t) => {
  const { url, server } = await startServer(t)
  const admin = await login(url)
  const user = await ordinaryUser(url, admin.access)
  const userTokens = await login(url, user.username, user.password)
  const before = server.core.audit.listenerCount()

  const anonymous = await openSse(t, `${url}${EVENTS}`)
  assert.ok(!isStream(anonymous))
  assert.equal(anonymous.status, 401)
  assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer')
  assert.equal((anonymous.body as Record<string, unknown>).code, 'NOT_AUTHENTICATED')

  const ordinary = await openSse(t, `${url}${EVENTS}`, bearer(userTokens.access))
  assert.ok(!isStream(ordinary))
  assert.equal(ordinary.status, 403)

  const forged = await openSse(t, `${url}${EVENTS}`, bearer(`${admin.access.slice(0, -4)}AAAA`))
  assert.ok(!isStream(forged))
  assert.equal(forged.status, 401)
  assert.equal(server.core.audit.listenerCount(), before)
})

test("the stream ends when the admin's own session is revoked, after telling them so", async (t) => {
  const { url, server } = await startServer(t)
  const admin = await login(url)
  const sid = decodeJwt(admin.access).payload.sid
  const before = server.core.audit.listenerCount()
  const stream = await openEvents(t, url, admin.access)
  await ready(stream)
  assert.equal((await call(url, 'POST', '/api/v1/logout', { token: admin.access })).status, 200)
  await stream.endsWithin(1_000)
  const last = stream.received.at(-1) as SseEvent
  assert.equal(last.event, 'session_revoked')
  assert.equal(dataOf(last).session_id, sid)
  await eventually(() => server.core.audit.listenerCount() === before, 'the ended stream unsubscribed', 1_000)
  // And the revoked token cannot open a new one.
  const again = await openSse(t, `${url}${EVENTS}`, bearer(admin.access))
  assert.equal(again.status, 401)
})

test('the stream ends at the next heartbeat once its admin is no longer a superuser', async (t) => {
  const { url } = await startServer(t, { streams: { heartbeatMs: 50, maxStreams: 3 } })
  const admin = await login(url)
  const r = await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'second', password: 'second-password-1', is_superuser: true } })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  const second = await login(url, 'second', 'second-password-1')
  const stream = await openEvents(t, url, second.access)
  await ready(stream)
  await stream.commentCount(1)
  assert.equal((await call(url, 'PATCH', `/api/v1/admin/users/${r.body.user.id}`, { token: admin.access, json: { is_superuser: false } })).status, 200)
  await stream.endsWithin(1_000)
})

test("the stream ends at the next heartbeat once the admin's access token has expired", async (t) => {
  const clock = manualClock()
  const { url } = await startServer(t, { clock, streams: { heartbeatMs: 50, maxStreams: 3 } })
  const admin = await login(url)
  const stream = await openEvents(t, url, admin.access)
  await ready(stream)
  await stream.commentCount(2)
  assert.equal(stream.ended, false)
  clock.advance(3_601_000)
  await stream.endsWithin(1_000)
})
