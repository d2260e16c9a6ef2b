// core.settings without HTTP: the runtime settings under their domain names, what a change
// returns and applies, and the public names that messages and the audit log keep.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { User } from '../../../src/server/core/store/types.ts'
import { ADMIN, authError, manualClock, startCore, testEnv } from '../../helpers.ts'

const context = { ip: '127.0.0.1', userAgent: 'core-test' }

test('describe() names each setting by its domain name, with value, source, variable, unit and recommended range', async (t) => {
  const core = await startCore(t, { env: testEnv({ AUTHDOCK_AUDIT_RETENTION_DAYS: '60' }) })
  const all = core.settings.describe()
  assert.deepEqual(Object.keys(all), ['accessTtlSeconds', 'refreshTtlSeconds', 'refreshGraceSeconds', 'auditRetentionDays'])
  assert.deepEqual(all.accessTtlSeconds, { value: 3600, source: 'default', variable: 'LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS', unit: 'seconds', recommended: { min: 300, max: 1800 } })
  assert.deepEqual([all.auditRetentionDays.value, all.auditRetentionDays.source, all.auditRetentionDays.unit], [60, 'env', 'days'])
})

test('update() takes and returns domain names, applies at once, and logs the change under the public name', async (t) => {
  const clock = manualClock(Date.UTC(2026, 0, 1))
  const core = await startCore(t, { clock })
  const actor = { user: core.users.byUsername(ADMIN.username) as User, sessionId: null, context }
  assert.deepEqual(core.settings.update({ accessTtlSeconds: 900, refreshGraceSeconds: 5 }, actor), {
    accessTtlSeconds: { from: 3600, to: 900 }, refreshGraceSeconds: { from: 10, to: 5 },
  })
  assert.deepEqual([core.settings.accessTtlSeconds(), core.settings.refreshGraceSeconds()], [900, 5])
  assert.equal(core.settings.describe().accessTtlSeconds.source, 'saved')
  const [event] = core.audit.query({ types: ['settings_changed'] }, { skip: 0, limit: 10 }).events
  assert.deepEqual(event?.detail, { changes: { access_token_expire_seconds: { from: 3600, to: 900 }, refresh_grace_seconds: { from: 10, to: 5 } } })
  assert.deepEqual(core.settings.update({ accessTtlSeconds: 900 }, actor), {}, 'the same value changes nothing')
})

test('update() refusals name the setting as clients know it, and save nothing', async (t) => {
  const core = await startCore(t, { env: testEnv({ LANGFLOW_REFRESH_TOKEN_EXPIRE_SECONDS: '86400' }) })
  const actor = { user: core.users.byUsername(ADMIN.username) as User, sessionId: null, context }
  assert.throws(() => core.settings.update({ accessTtlSeconds: 900, refreshTtlSeconds: 7200 }, actor), (err) => {
    authError('ENV_PINNED', 'refresh_token_expire_seconds is set by LANGFLOW_REFRESH_TOKEN_EXPIRE_SECONDS; change it there')(err)
    assert.deepEqual((err as { fields: unknown }).fields, { variable: 'LANGFLOW_REFRESH_TOKEN_EXPIRE_SECONDS' })
    return true
  })
  assert.throws(() => core.settings.update({ accessTtlSeconds: 1.5 }, actor), authError('INVALID_INPUT', 'access_token_expire_seconds must be a whole number of seconds'))
  assert.throws(() => core.settings.update({ auditRetentionDays: 0 }, actor), authError('INVALID_INPUT', /^audit_retention_days /))
  assert.throws(() => core.settings.update({ access_token_expire_seconds: 900 } as never, actor), authError('INVALID_INPUT', 'Unknown setting "access_token_expire_seconds"'))
  assert.equal(core.settings.accessTtlSeconds(), 3600, 'nothing was saved')
})
