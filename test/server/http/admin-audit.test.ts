// The admin audit log over real HTTP: query filters and paging, CSV (RFC 4180, formula-guarded) and JSON-lines exports that match the query, and retention.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { call, decodeJwt, login, manualClock, startServer, assertError } from '../../helpers.ts'
import type { Reply } from '../../helpers.ts'
import type { AuditEventRead } from '../../../src/shared/api-types.ts'

const MINUTE = 60_000
const DAY = 86_400_000
const CSV_HEADER = ['id', 'at', 'type', 'user_id', 'username', 'session_id', 'ip', 'user_agent', 'detail']

/** An event as the API writes it: the console's own wire type. */
type EventView = AuditEventRead

const failLogin = (url: string, username: string, agent = 'test-agent') =>
  call(url, 'POST', '/api/v1/login', { form: { username, password: 'wrong-password' }, headers: { 'user-agent': agent } })

/** RFC 4180: quoted fields may hold commas, CRLF and doubled quotes; records end with CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let i = 0
  while (i < text.length) {
    const c = text[i] as string
    if (c === '"' && cell === '') {
      i++
      for (;;) {
        const q = text.indexOf('"', i)
        assert.ok(q >= 0, 'unterminated quoted field')
        cell += text.slice(i, q)
        if (text[q + 1] === '"') {
          cell += '"'
          i = q + 2
        } else {
          i = q + 1
          break
        }
      }
    } else if (c === ',') {
      row.push(cell)
      cell = ''
      i++
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
      i += 2
    } else {
      assert.ok(c !== '"' && c !== '\n' && c !== '\r', `a bare ${JSON.stringify(c)} outside quotes at ${i}`)
      cell += c
      i++
    }
  }
  assert.equal(cell + row.join(''), '', 'the last record ends with CRLF')
  return rows
}

test('the query filters by type list, user, time window and text, newest first with paging', async (t) => {
  const clock = manualClock(Date.parse('2026-03-01T08:00:00Z'))
  const t0 = clock.now()
  const { url } = await startServer(t, { clock })
  const admin = await login(url) // session_created, login_succeeded
  clock.advance(10 * MINUTE)
  const t1 = clock.now()
  const created = await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'bob', password: 'bob-password' } })
  const bob = created.body.user.id as string
  clock.advance(10 * MINUTE)
  assert.equal((await failLogin(url, 'bob', 'curious-agent/1')).status, 401)
  clock.advance(10 * MINUTE)
  const t3 = clock.now()
  const bobTokens = await login(url, 'bob', 'bob-password')
  const adminAgain = await login(url)
  const query = (q = '') => call(url, 'GET', `/api/v1/admin/audit${q}`, { token: adminAgain.access })

  const all = await query()
  assert.equal(all.status, 200)
  assert.equal(all.body.total_count, 9)
  const events: EventView[] = all.body.events
  assert.deepEqual(events.map((e) => `${e.type}:${e.username}`), [
    'login_succeeded:admin', 'session_created:admin', 'login_succeeded:bob', 'session_created:bob', 'login_failed:bob',
    'user_created:bob', 'login_succeeded:admin', 'session_created:admin', 'user_created:admin',
  ])
  const ids = events.map((e) => e.id)
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first')
  for (const e of events) assert.deepEqual(Object.keys(e), CSV_HEADER)
  const failed = events[4] as EventView
  assert.deepEqual(failed, {
    id: failed.id, at: new Date(t1 + 10 * MINUTE).toISOString(), type: 'login_failed', user_id: bob, username: 'bob', session_id: null,
    ip: '127.0.0.1', user_agent: 'curious-agent/1', detail: { lockedForSeconds: 0 },
  })
  assert.equal(events[2]?.session_id, decodeJwt(bobTokens.access).payload.sid)
  assert.equal(events.at(-1)?.at, new Date(t0).toISOString())

  const idsOf = (r: Reply): number[] => r.body.events.map((e: EventView) => e.id)
  const pick = (...indexes: number[]) => indexes.map((i) => ids[i])
  const cases: [string, (number | undefined)[]][] = [
    ['?type=login_failed', pick(4)],
    ['?type=login_succeeded,login_failed', pick(0, 2, 4, 6)],
    ['?type=login_succeeded, login_failed,', pick(0, 2, 4, 6)],
    [`?user_id=${bob}`, pick(2, 3, 4, 5)],
    [`?type=login_succeeded&user_id=${bob}`, pick(2)],
    [`?since=${new Date(t1).toISOString()}&until=${new Date(t3).toISOString()}`, pick(4, 5)],
    [`?since=${t3}`, pick(0, 1, 2, 3)],
    [`?until=${t1}`, pick(6, 7, 8)],
    ['?q=CURIOUS', pick(4)],
    ['?q=bob', pick(2, 3, 4, 5)],
    ['?q=lockedForSeconds', pick(4)],
    ['?q=no-such-thing', []],
    ['?limit=4', pick(0, 1, 2, 3)],
    ['?skip=4&limit=4', pick(4, 5, 6, 7)],
    ['?skip=8&limit=4', pick(8)],
    [`?type=user_created&skip=1`, pick(8)],
  ]
  for (const [q, expected] of cases) {
    const r = await query(q)
    assert.equal(r.status, 200, `${q}: ${JSON.stringify(r.body)}`)
    assert.deepEqual(idsOf(r), expected, q)
  }
  assert.equal((await query('?limit=1')).body.total_count, 9, 'total_count is of the filter, not the page')
  assert.equal((await query(`?user_id=${bob}&limit=1`)).body.total_count, 4)

  assertError(await query('?type=login_failed,nope'), 422, 'INVALID_INPUT', /Unknown event type nope; known: login_succeeded/)
  assertError(await query('?type=LOGIN_FAILED'), 422, 'INVALID_INPUT')
  assertError(await query('?since=last-week'), 422, 'INVALID_INPUT')
  assert.equal((await query('?limit=1001')).status, 200, 'a limit past the largest page is served as that page')
})

test('CSV export: header row, RFC 4180 quoting, a leading quote on formula-like cells, the same rows as the query', async (t) => {
  const { url, server } = await startServer(t)
  const admin = await login(url)
  const formula = '=HYPERLINK("http://evil.example","click"),x'
  // Users with formula-like names (an unknown name is never stored as typed, so these are real users).
  for (const name of [formula, '+1+1', '-2', '@SUM(A1)']) {
    assert.equal((await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: name, password: 'a long passphrase 1' } })).status, 201)
    assert.equal((await failLogin(url, name, 'agent, "quoted"')).status, 401)
  }
  // Line breaks cannot come in through a login (usernames refuse control characters, headers CRLF).
  server.core.audit.record({ type: 'settings_changed', username: 'two\r\nlines', detail: { note: 'a "quoted",\nmulti-line value' } })

  const r = await call(url, 'GET', '/api/v1/admin/audit/export', { token: admin.access })
  assert.equal(r.status, 200)
  assert.equal(r.headers.get('content-type'), 'text/csv; charset=utf-8')
  assert.match(r.headers.get('content-disposition') ?? '', /^attachment; filename="authdock-audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.csv"$/)
  const text = r.body as string
  assert.ok(text.includes(`"'=HYPERLINK(""http://evil.example"",""click""),x"`), 'quoted, quotes doubled, guarded')
  const rows = parseCsv(text)
  assert.deepEqual(rows[0], CSV_HEADER)
  const query = await call(url, 'GET', '/api/v1/admin/audit?limit=1000', { token: admin.access })
  const events: EventView[] = query.body.events
  assert.equal(rows.length - 1, query.body.total_count)
  rows.slice(1).forEach((row, i) => {
    const e = events[i] as EventView
    assert.equal(row.length, CSV_HEADER.length)
    assert.equal(row[0], String(e.id), 'the same order as the query')
    assert.deepEqual(JSON.parse(row[8] as string), e.detail)
    const guard = (v: string | null) => (v === null ? '' : /^[=+\-@\t\r]/.test(v) ? `'${v}` : v)
    assert.deepEqual(row.slice(1, 8), [e.at, e.type, e.user_id, e.username, e.session_id, e.ip, e.user_agent].map(guard))
  })
  const usernames = rows.slice(1).filter((row) => row[2] === 'login_failed').map((row) => row[4])
  assert.deepEqual(usernames, ["'@SUM(A1)", "'-2", "'+1+1", `'${formula}`])
  assert.ok(text.includes('"two\r\nlines"'), 'a cell with CRLF is quoted')
  assert.equal(rows[1]?.[4], 'two\r\nlines')
  assert.ok(rows.slice(1).every((row) => row[2] !== 'login_failed' || row[7] === 'agent, "quoted"'))

  // A filter applies to the export as to the query.
  const filtered = parseCsv((await call(url, 'GET', '/api/v1/admin/audit/export?type=login_failed&q=sum', { token: admin.access })).body as string)
  assert.deepEqual(filtered.slice(1).map((row) => row[4]), ["'@SUM(A1)"])
  assertError(await call(url, 'GET', '/api/v1/admin/audit/export?format=xlsx', { token: admin.access }), 422, 'INVALID_INPUT')
  assertError(await call(url, 'GET', '/api/v1/admin/audit/export?type=bogus', { token: admin.access }), 422, 'INVALID_INPUT')
})

test('JSON-lines export: one event object per line, the very events of the query, across export batches', async (t) => {
  const { url, server } = await startServer(t)
  const admin = await login(url)
  // More events than one export batch (500), so the keyset paging is exercised.
  for (let i = 0; i < 1100; i++) server.core.audit.record({ type: 'settings_changed', username: `bulk-${i}`, detail: { i } })
  await failLogin(url, 'mallory')

  const r = await call(url, 'GET', '/api/v1/admin/audit/export?format=jsonl', { token: admin.access })
  assert.equal(r.status, 200)
  assert.equal(r.headers.get('content-type'), 'application/x-ndjson; charset=utf-8')
  assert.match(r.headers.get('content-disposition') ?? '', /filename="authdock-audit-[\dT-]+\.jsonl"$/)
  const text = r.body as string
  assert.ok(text.endsWith('\n'))
  const lines = text.slice(0, -1).split('\n').map((line) => JSON.parse(line) as EventView)
  const total = (await call(url, 'GET', '/api/v1/admin/audit', { token: admin.access })).body.total_count
  assert.equal(lines.length, total)
  assert.equal(new Set(lines.map((e) => e.id)).size, lines.length, 'no event twice')
  const page = await call(url, 'GET', '/api/v1/admin/audit?limit=1000', { token: admin.access })
  assert.deepEqual(lines.slice(0, 1000), page.body.events, 'the same objects, newest first')
  const rest = await call(url, 'GET', '/api/v1/admin/audit?skip=1000&limit=1000', { token: admin.access })
  assert.deepEqual(lines.slice(1000), rest.body.events)

  const bulk = (await call(url, 'GET', '/api/v1/admin/audit/export?format=jsonl&type=settings_changed&q=bulk-10', { token: admin.access })).body as string
  // bulk-10, bulk-100..bulk-109, bulk-1000..bulk-1099
  assert.equal(bulk.trim().split('\n').length, 1 + 10 + 100)
})

test('retention: events older than audit_retention_days go at the purge, newer ones stay', async (t) => {
  const clock = manualClock(Date.parse('2026-03-01T08:00:00Z'))
  const { url, server } = await startServer(t, { clock })
  const admin = await login(url)
  const patched = await call(url, 'PATCH', '/api/v1/admin/settings', { token: admin.access, json: { audit_retention_days: 1 } })
  assert.equal(patched.status, 200, JSON.stringify(patched.body))
  const old = (await call(url, 'GET', '/api/v1/admin/audit', { token: admin.access })).body.total_count as number
  assert.ok(old >= 4)

  clock.advance(1.5 * DAY)
  await failLogin(url, 'admin')
  clock.advance(0.5 * DAY)
  const fresh = await login(url)

  assert.equal(await server.core.audit.purge(server.core.settings.auditRetentionDays()), old)
  const left = await call(url, 'GET', '/api/v1/admin/audit', { token: fresh.access })
  assert.deepEqual(left.body.events.map((e: EventView) => `${e.type}:${e.username}`), [
    'login_succeeded:admin', 'session_created:admin', 'login_failed:admin',
  ])
  const cutoff = clock.now() - DAY
  assert.ok(left.body.events.every((e: EventView) => Date.parse(e.at) >= cutoff))
  assert.equal(await server.core.audit.purge(server.core.settings.auditRetentionDays()), 0, 'nothing more to purge')
})
