// Stored JSON (a user's optins, an audit event's detail): depth and size limits on write, and reads
// that answer without a stored value they cannot render instead of failing with a 500.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createAudit } from '../../../src/server/core/audit.ts'
import { DATABASE_FILE } from '../../../src/server/core/core.ts'
import { createSqliteStore } from '../../../src/server/core/store/sqlite/index.ts'
import { jsonLimitViolation } from '../../../src/server/core/stored-json.ts'
import { call, login, startServer, tempDir, assertError } from '../../helpers.ts'

/** `{"a":{"a":...{}}}`, `depth` objects deep, as text: built without recursion. */
const nested = (depth: number): string => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1)

async function send(url: string, method: string, path: string, token: string, text: string) {
  const res = await fetch(url + path, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: text })
  return { status: res.status, headers: res.headers, body: (await res.json()) as { code?: string; detail?: string; optins?: unknown } }
}

test('optins nested 4,091 deep, or too large, are refused with the limit named; within the limits they are kept', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const me = (await call(url, 'GET', '/api/v1/users/whoami', { token: admin.access })).body

  const deep = await send(url, 'PATCH', `/api/v1/users/${me.id}`, admin.access, `{"optins":${nested(4091)}}`)
  assertError(deep, 422, 'INVALID_INPUT', /optins is nested more than 8 levels deep/)

  const big = await call(url, 'PATCH', `/api/v1/users/${me.id}`, { token: admin.access, json: { optins: { note: 'x'.repeat(20_000) } } })
  assertError(big, 422, undefined, /optins is larger than 16384 bytes/)

  const signup = await send(url, 'POST', '/api/v1/users/', admin.access, `{"username":"deep-user","password":"a-long-passphrase-9","optins":${nested(4091)}}`)
  assertError(signup, 422)
  assert.equal((await call(url, 'GET', '/api/v1/users/?limit=10', { token: admin.access })).body.total_count, 1, 'nobody was created')

  const fine = { github_starred: true, nested: { a: { b: { c: [1, 2, { d: 'e' }] } } } }
  const ok = await call(url, 'PATCH', `/api/v1/users/${me.id}`, { token: admin.access, json: { optins: fine } })
  assert.equal(ok.status, 200, JSON.stringify(ok.body))
  assert.deepEqual(ok.body.optins, fine)
  for (const path of ['/api/v1/users/', `/api/v1/admin/users/${me.id}`, '/api/v1/admin/users']) {
    assert.equal((await call(url, 'GET', path, { token: admin.access })).status, 200, path)
  }
})

test('a hostile optins or audit detail written straight into SQLite does not make the user and audit routes 500', async (t) => {
  const configDir = tempDir(t)
  const first = await startServer(t, { configDir })
  const admin = await login(first.url)
  const bob = await call(first.url, 'POST', '/api/v1/users/', { token: admin.access, json: { username: 'bob', password: 'a-long-passphrase-9' } })
  assert.equal(bob.status, 201, JSON.stringify(bob.body))
  await first.close()

  // What an older version, or anyone with the database file, could have left: nested past what
  // JSON.stringify can render, not JSON at all, not an object.
  const db = new Database(join(configDir, DATABASE_FILE))
  db.prepare("UPDATE users SET optins = ? WHERE username = 'admin'").run(nested(100_000))
  db.prepare("UPDATE users SET optins = 'not json' WHERE username = 'bob'").run()
  db.prepare("INSERT INTO audit_events (at, type, detail) VALUES (?, 'login_failed', ?)").run(Date.now(), nested(100_000))
  db.prepare("INSERT INTO audit_events (at, type, detail) VALUES (?, 'login_failed', '[1, 2]')").run(Date.now())
  db.close()

  const { url, logs } = await startServer(t, { configDir })
  const token = (await login(url)).access
  const list = await call(url, 'GET', '/api/v1/users/?limit=10', { token })
  assert.equal(list.status, 200, JSON.stringify(list.body))
  assert.deepEqual(list.body.users.map((u: { optins: unknown }) => u.optins), [null, null])
  const adminList = await call(url, 'GET', '/api/v1/admin/users', { token })
  assert.equal(adminList.status, 200, JSON.stringify(adminList.body))
  for (const u of list.body.users) {
    const one = await call(url, 'GET', `/api/v1/admin/users/${u.id}`, { token })
    assert.equal(one.status, 200, JSON.stringify(one.body))
    assert.equal(one.body.optins, null)
  }
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token })).status, 200)
  const audit = await call(url, 'GET', '/api/v1/admin/audit?limit=200', { token })
  assert.equal(audit.status, 200, JSON.stringify(audit.body).slice(0, 300))

  // The owner can still repair it by writing a new value.
  const fixed = await call(url, 'PATCH', `/api/v1/users/${bob.body.id}`, { token, json: { optins: { github_starred: false } } })
  assert.deepEqual(fixed.body.optins, { github_starred: false })

  const warnings = logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'warn' && l.msg === 'a stored value cannot be shown and is answered without it')
  const seen = new Set(warnings.map((w) => `${w.table}.${w.column}:${w.reason}`))
  assert.ok(seen.has('users.optins:is nested more than 64 levels deep'), JSON.stringify([...seen]))
  assert.ok(seen.has('users.optins:is not valid JSON'), JSON.stringify([...seen]))
  assert.ok(seen.has('audit_events.detail:is nested more than 64 levels deep'), JSON.stringify([...seen]))
  assert.ok(seen.has('audit_events.detail:is not an object'), JSON.stringify([...seen]))
  assert.equal(warnings.length, seen.size, 'each stored value is warned about once, not at every read')
})

test('an audit event whose detail breaks the limits is kept without that detail', (t) => {
  const store = createSqliteStore(':memory:')
  t.after(() => store.close())
  const audit = createAudit(store, { now: () => 1_000 })
  const detail = JSON.parse(`{"by":${nested(4091)}}`) as Record<string, unknown>
  audit.record({ type: 'user_updated', detail })
  audit.record({ type: 'user_updated', detail: { by: 'x'.repeat(70_000) } })
  audit.record({ type: 'user_updated', detail: { fields: ['optins'] } })
  const details = audit.query({}, { skip: 0, limit: 10 }).events.map((e) => e.detail).reverse()
  assert.deepEqual(details, [
    { detail_dropped: 'the detail is nested more than 8 levels deep' },
    { detail_dropped: 'the detail is larger than 65536 bytes (70009)' },
    { fields: ['optins'] },
  ])
  assert.equal(jsonLimitViolation({ a: [1, { b: 2 }] }, { maxDepth: 3, maxBytes: 100 }), null)
  assert.equal(jsonLimitViolation({ a: [1, { b: {} }] }, { maxDepth: 3, maxBytes: 100 }), 'is nested more than 3 levels deep')
  assert.equal(jsonLimitViolation(new Array(200).fill(0), { maxDepth: 3, maxBytes: 100 }), 'is larger than 100 bytes')
})
