// core.autoLogin without HTTP: refused while LANGFLOW_AUTO_LOGIN is off, refused when the
// configured superuser is missing, demoted or inactive, else a normal revocable session of it.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { User } from '../../../src/server/core/store/types.ts'
import { ADMIN, authError, manualClock, startCore, testEnv } from '../../helpers.ts'

const context = { ip: '127.0.0.1', userAgent: 'core-test' }

test('auto-login off (the default): AUTO_LOGIN_DISABLED with the detail Langflow\'s frontend reads, and no session', async (t) => {
  const core = await startCore(t)
  await assert.rejects(core.autoLogin(context), (err) => {
    authError('AUTO_LOGIN_DISABLED')(err)
    assert.deepEqual((err as { detail: unknown }).detail, { message: 'Auto login is disabled. Please enable it in the settings', auto_login: false })
    return true
  })
  assert.equal(core.sessions.counts().active, 0)
})

test('auto-login on: a session of the configured superuser, living the refresh lifetime on the core\'s clock', async (t) => {
  const clock = manualClock(Date.UTC(2026, 0, 1))
  const core = await startCore(t, { clock, env: testEnv({ LANGFLOW_AUTO_LOGIN: 'true' }) })
  const tokens = await core.autoLogin(context)
  assert.equal(tokens.user.username, ADMIN.username)
  assert.equal(tokens.session.expiresAt, clock.now() + core.settings.refreshTtlSeconds() * 1000)
  const caller = core.authenticate.token(tokens.accessToken)
  assert.deepEqual([caller.user.id, caller.sessionId], [tokens.user.id, tokens.session.id])
  // Revocable as any session: after a logout the token stops working.
  core.sessions.revoke(tokens.session.id, 'logout', context)
  assert.throws(() => core.authenticate.token(tokens.accessToken), authError('SESSION_REVOKED'))
})

test('auto-login on: NO_SUPERUSER once the configured superuser is demoted or deactivated', async (t) => {
  const core = await startCore(t, { env: testEnv({ LANGFLOW_AUTO_LOGIN: 'true' }) })
  const admin = core.users.byUsername(ADMIN.username) as User
  const other = await core.users.create({ username: 'second-admin', password: 'second-admin-pass-1', isActive: true, isSuperuser: true }, context, admin)
  const actor = { user: other, sessionId: null, context }
  const none = authError('NO_SUPERUSER', "Super user hasn't been created")

  await core.users.update(admin.id, { isSuperuser: false }, actor)
  await assert.rejects(core.autoLogin(context), none)
  await core.users.update(admin.id, { isSuperuser: true, isActive: false }, actor)
  await assert.rejects(core.autoLogin(context), none)
  await core.users.update(admin.id, { isActive: true }, actor)
  assert.equal((await core.autoLogin(context)).user.id, admin.id, 'an active superuser again')
})

test('auto-login on without LANGFLOW_SUPERUSER: NO_SUPERUSER, not some other superuser', async (t) => {
  const core = await startCore(t, { env: testEnv({ LANGFLOW_AUTO_LOGIN: 'true', LANGFLOW_SUPERUSER: undefined, LANGFLOW_SUPERUSER_PASSWORD: undefined }) })
  await core.users.create({ username: 'someone', password: 'someone-passphrase-1', isActive: true, isSuperuser: true }, context, null)
  await assert.rejects(core.autoLogin(context), authError('NO_SUPERUSER'))
})
