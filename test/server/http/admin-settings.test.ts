// Admin settings over real HTTP: their shape and sources, changes that apply to tokens issued afterwards and survive a restart, env pins, and all-or-nothing validation.

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { call, decodeJwt, login, manualClock, startServer, testEnv, assertError } from '../../helpers.ts'

const DEFAULTS = {
  access_token_expire_seconds: { value: 3600, source: 'default', variable: 'LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS', unit: 'seconds', recommended: { min: 300, max: 1800 } },
  refresh_token_expire_seconds: { value: 604800, source: 'default', variable: 'LANGFLOW_REFRESH_TOKEN_EXPIRE_SECONDS', unit: 'seconds', recommended: { min: 86400, max: 2592000 } },
  refresh_grace_seconds: { value: 10, source: 'default', variable: 'AUTHDOCK_REFRESH_GRACE_SECONDS', unit: 'seconds', recommended: { min: 0, max: 15 } },
  audit_retention_days: { value: 90, source: 'default', variable: 'AUTHDOCK_AUDIT_RETENTION_DAYS', unit: 'days', recommended: { min: 30, max: 365 } },
}

const lifetimeOf = (token: string): number => {
  const { payload } = decodeJwt(token)
  return (payload.exp as number) - (payload.iat as number)
}
const getSettings = (url: string, token: string) => call(url, 'GET', '/api/v1/admin/settings', { token })
const patchSettings = (url: string, token: string, json: unknown) => call(url, 'PATCH', '/api/v1/admin/settings', { token, json })
const valuesOf = (body: Record<string, { value: number }>) => Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v.value]))

test('GET /admin/settings: each tunable with its value, source, variable, unit and recommended range', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const r = await getSettings(url, admin.access)
  assert.equal(r.status, 200)
  assert.deepEqual(r.body, DEFAULTS)
})

test('a new access lifetime applies to tokens issued afterwards, not to earlier ones, and survives a restart as "saved"', async (t) => {
  const clock = manualClock(Date.parse('2026-03-01T08:00:00Z'))
  const { url, configDir, close } = await startServer(t, { clock })
  const admin = await login(url)
  assert.equal(lifetimeOf(admin.access), 3600)

  const r = await patchSettings(url, admin.access, { access_token_expire_seconds: 900, refresh_token_expire_seconds: 86_400 })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  assert.deepEqual(r.body.changed, { access_token_expire_seconds: { from: 3600, to: 900 }, refresh_token_expire_seconds: { from: 604800, to: 86400 } })
  assert.deepEqual(r.body.settings, {
    ...DEFAULTS,
    access_token_expire_seconds: { ...DEFAULTS.access_token_expire_seconds, value: 900, source: 'saved' },
    refresh_token_expire_seconds: { ...DEFAULTS.refresh_token_expire_seconds, value: 86400, source: 'saved' },
  })
  assert.deepEqual((await getSettings(url, admin.access)).body, r.body.settings)

  const after = await login(url)
  assert.equal(lifetimeOf(after.access), 900)
  const session = await call(url, 'GET', `/api/v1/admin/sessions/${decodeJwt(after.access).payload.sid}`, { token: admin.access })
  assert.equal(session.body.session.expires_at, new Date(clock.now() + 86_400_000).toISOString(), 'new sessions get the new refresh lifetime')
  assert.equal(lifetimeOf(admin.access), 3600, 'a token already issued keeps its exp')
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: admin.access })).status, 200)
  const refreshed = await call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: admin.refresh } })
  assert.equal(lifetimeOf(refreshed.body.access_token), 900, 'a refresh issues under the new lifetime')

  // The same value again changes nothing and writes no event.
  assert.deepEqual((await patchSettings(url, admin.access, { access_token_expire_seconds: 900 })).body.changed, {})
  const events = await call(url, 'GET', '/api/v1/admin/audit?type=settings_changed', { token: admin.access })
  assert.equal(events.body.total_count, 1)
  assert.deepEqual(events.body.events[0].detail.changes.access_token_expire_seconds, { from: 3600, to: 900 })

  await close()
  const again = await startServer(t, { configDir, clock })
  const fresh = await login(again.url)
  assert.equal(lifetimeOf(fresh.access), 900)
  const saved = await getSettings(again.url, fresh.access)
  assert.deepEqual([saved.body.access_token_expire_seconds.value, saved.body.access_token_expire_seconds.source], [900, 'saved'])
  assert.deepEqual([saved.body.refresh_token_expire_seconds.value, saved.body.refresh_token_expire_seconds.source], [86400, 'saved'])
  assert.equal(saved.body.refresh_grace_seconds.source, 'default')
})

test('a variable set in the environment shows source "env" and cannot be changed: 409 ENV_PINNED with the variable', async (t) => {
  const { url, configDir, close } = await startServer(t, { env: testEnv({ LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS: '1200' }) })
  const admin = await login(url)
  assert.equal(lifetimeOf(admin.access), 1200)
  const settings = (await getSettings(url, admin.access)).body
  assert.deepEqual(settings.access_token_expire_seconds, { ...DEFAULTS.access_token_expire_seconds, value: 1200, source: 'env' })

  for (const json of [{ access_token_expire_seconds: 900 }, { refresh_grace_seconds: 5, access_token_expire_seconds: 900 }]) {
    const r = await patchSettings(url, admin.access, json)
    assertError(r, 409, 'ENV_PINNED', /LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS/, ['variable'])
    assert.equal(r.body.variable, 'LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS')
  }
  assert.deepEqual((await getSettings(url, admin.access)).body, settings, 'the unpinned field of the refused request was not saved either')

  // Other settings stay editable.
  assert.equal((await patchSettings(url, admin.access, { refresh_grace_seconds: 5 })).status, 200)
  await close()
  // Env still wins over what was saved after a restart.
  const again = await startServer(t, { configDir, env: testEnv({ LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS: '1200' }) })
  const fresh = await login(again.url)
  const body = (await getSettings(again.url, fresh.access)).body
  assert.deepEqual([body.access_token_expire_seconds.source, body.refresh_grace_seconds.value, body.refresh_grace_seconds.source], ['env', 5, 'saved'])
})

test('bad values are 422 INVALID_INPUT naming the setting, and a request with one bad field saves nothing', async (t) => {
  const { url, configDir, close } = await startServer(t)
  const admin = await login(url)
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ access_token_expire_seconds: 0 }, /^access_token_expire_seconds must be between 1 and \d+ seconds, got 0$/],
    [{ access_token_expire_seconds: -60 }, /access_token_expire_seconds/],
    [{ access_token_expire_seconds: 1.5 }, /access_token_expire_seconds must be a whole number of seconds/],
    [{ access_token_expire_seconds: '900' }, /whole number/],
    [{ access_token_expire_seconds: null }, /whole number/],
    [{ access_token_expire_seconds: true }, /whole number/],
    [{ access_token_expire_seconds: 1e21 }, /access_token_expire_seconds/],
    [{ refresh_token_expire_seconds: 10 * 365 * 86_400 + 1 }, /refresh_token_expire_seconds must be between/],
    [{ refresh_grace_seconds: 61 }, /^refresh_grace_seconds must be between 0 and 60 seconds, got 61$/],
    [{ refresh_grace_seconds: 300 }, /refresh_grace_seconds must be between 0 and 60/],
    [{ refresh_grace_seconds: -1 }, /refresh_grace_seconds/],
    [{ audit_retention_days: 0 }, /audit_retention_days must be between 1 and 3650 days/],
    [{ LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS: 900 }, /Unknown setting "LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS"/],
    [{ access_token_expire_minutes: 15 }, /Unknown setting/],
    // All or nothing: the good field of the pair is not saved.
    [{ access_token_expire_seconds: 900, refresh_token_expire_seconds: 0 }, /refresh_token_expire_seconds/],
    [{ audit_retention_days: 30, access_token_expire_seconds: 'soon' }, /access_token_expire_seconds/],
  ]
  for (const [json, detail] of bad) {
    const r = await patchSettings(url, admin.access, json)
    assertError(r, 422, 'INVALID_INPUT', detail)
    assert.ok(!/LANGFLOW_|AUTHDOCK_/.test(r.body.detail) || /Unknown setting/.test(r.body.detail), `the wire name, not the variable: ${r.body.detail}`)
  }
  for (const json of [[{ access_token_expire_seconds: 900 }], 'access_token_expire_seconds=900']) {
    assertError(await patchSettings(url, admin.access, json), 422, 'INVALID_INPUT')
  }
  assertError(await call(url, 'PATCH', '/api/v1/admin/settings', { token: admin.access, form: { access_token_expire_seconds: '900' } }), 422, 'INVALID_INPUT')

  assert.deepEqual((await getSettings(url, admin.access)).body, DEFAULTS)
  assert.equal(lifetimeOf((await login(url)).access), 3600)
  assert.equal((await call(url, 'GET', '/api/v1/admin/audit?type=settings_changed', { token: admin.access })).body.total_count, 0)
  // The edges of the ranges are fine.
  const edges = await patchSettings(url, admin.access, { refresh_grace_seconds: 0, audit_retention_days: 1 })
  assert.equal(edges.status, 200, JSON.stringify(edges.body))
  assert.equal((await patchSettings(url, admin.access, { refresh_grace_seconds: 60 })).status, 200, 'the largest grace window')
  assert.equal((await patchSettings(url, admin.access, { refresh_grace_seconds: 0 })).status, 200)
  await close()
  const again = await startServer(t, { configDir })
  const body = (await getSettings(again.url, (await login(again.url)).access)).body
  assert.deepEqual(valuesOf(body), { access_token_expire_seconds: 3600, refresh_token_expire_seconds: 604800, refresh_grace_seconds: 0, audit_retention_days: 1 })
  assert.equal(body.access_token_expire_seconds.source, 'default', 'nothing of the refused requests reached the disk')
})

test('a grace window above 60 s saved by an older version is lowered to 60 at start-up, with a warning, and saved so', async (t) => {
  const first = await startServer(t)
  const { configDir } = first
  await first.close()
  // What an older version (which allowed up to 300 s) left in the settings table.
  const db = new Database(join(configDir, 'authdock.db'))
  db.prepare('INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)').run('AUTHDOCK_REFRESH_GRACE_SECONDS', '300', Date.now())
  db.close()

  const upgraded = await startServer(t, { configDir })
  const admin = await login(upgraded.url)
  const body = (await getSettings(upgraded.url, admin.access)).body
  assert.deepEqual([body.refresh_grace_seconds.value, body.refresh_grace_seconds.source], [60, 'saved'])
  const warnings = upgraded.logs.filter((l) => l.includes('AUTHDOCK_REFRESH_GRACE_SECONDS')).map((l) => JSON.parse(l))
  assert.equal(warnings.length, 1, upgraded.logs.join(''))
  assert.deepEqual([warnings[0].level, warnings[0].saved, warnings[0].value], ['warn', '300', 60])
  await upgraded.close()

  // Saved as 60: the next start says nothing more.
  const again = await startServer(t, { configDir })
  assert.equal((await getSettings(again.url, (await login(again.url)).access)).body.refresh_grace_seconds.value, 60)
  assert.deepEqual(again.logs.filter((l) => l.includes('AUTHDOCK_REFRESH_GRACE_SECONDS')), [])
})

test('AUTHDOCK_REFRESH_GRACE_SECONDS above 60 in the environment stops start-up, naming the variable', async (t) => {
  await assert.rejects(startServer(t, { env: testEnv({ AUTHDOCK_REFRESH_GRACE_SECONDS: '61' }) }), /AUTHDOCK_REFRESH_GRACE_SECONDS must be between 0 and 60 seconds, got 61/)
})
