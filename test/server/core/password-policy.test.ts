// NIST SP 800-63B password rules everywhere a password is set: at least 8 characters, not a
// common or breached password, not the username or a variant of it, not a repeat or a sequence.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createAuthServer } from '../../../src/server/index.ts'
import { ConfigError } from '../../../src/server/core/errors.ts'
import { createLogger } from '../../../src/server/log.ts'
import { isTrivialPattern, isUsernameVariant, passwordRules } from '../../../src/shared/password-rules.ts'
import { call, login, startServer, tempDir, testEnv, assertError } from '../../helpers.ts'
import type { Reply } from '../../helpers.ts'

const GOOD = 'violet-harbour-stapler-42'

/** Each weak password for the user `mallory` and the reason its refusal must give. */
const WEAK: [string, RegExp][] = [
  ['password', /list of common or breached passwords/],
  ['Password', /list of common or breached passwords/],
  ['12345678', /repeated character, a repeated pattern or a simple sequence/],
  ['aaaaaaaa', /repeated character, a repeated pattern or a simple sequence/],
  ['mallory', /at least 8 characters/],
  ['mallory1', /username or a variant of it/],
  ['Mallory2024!', /username or a variant of it/],
  ['yrollam!', /username or a variant of it/],
]

function assertWeak(r: Reply, why: RegExp, label: string): void {
  assert.equal(r.status, 422, `${label}: ${JSON.stringify(r.body)}`)
  assertError(r, 422, 'WEAK_PASSWORD', why)
}

test('password, 12345678, aaaaaaaa and the username are refused with why on every route that sets a password; a passphrase is taken', async (t) => {
  const { url } = await startServer(t, { env: testEnv({ LANGFLOW_ENABLE_SIGNUP: 'true', LANGFLOW_NEW_USER_IS_ACTIVE: 'true' }) })
  const admin = await login(url)
  for (const [password, why] of WEAK) {
    assertWeak(await call(url, 'POST', '/api/v1/users/', { json: { username: 'mallory', password } }), why, `sign-up ${password}`)
    assertWeak(await call(url, 'POST', '/api/v1/users/', { token: admin.access, json: { username: 'mallory', password } }), why, `create ${password}`)
    assertWeak(await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'mallory', password } }), why, `admin create ${password}`)
  }
  const created = await call(url, 'POST', '/api/v1/users/', { json: { username: 'mallory', password: GOOD } })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  const id = created.body.id as string

  const mine = await login(url, 'mallory', GOOD)
  for (const [password, why] of WEAK) {
    assertWeak(await call(url, 'PATCH', `/api/v1/admin/users/${id}`, { token: admin.access, json: { password } }), why, `admin reset ${password}`)
    assertWeak(await call(url, 'PATCH', `/api/v1/users/${id}`, { token: admin.access, json: { password } }), why, `superuser patch ${password}`)
    assertWeak(await call(url, 'PATCH', `/api/v1/users/${id}/reset-password`, { token: mine.access, json: { current_password: GOOD, password } }), why, `own change ${password}`)
  }
  // The username rule reads the new username when both change at once.
  assertWeak(await call(url, 'PATCH', `/api/v1/users/${id}`, { token: admin.access, json: { username: 'harbour', password: 'harbour99' } }), /username/, 'renamed')
  await login(url, 'mallory', GOOD) // nothing above changed the password

  const changed = await call(url, 'PATCH', `/api/v1/users/${id}/reset-password`, { token: mine.access, json: { current_password: GOOD, password: 'correct horse battery staple' } })
  assert.equal(changed.status, 200, JSON.stringify(changed.body))
})

test('first-run setup refuses a weak password and takes a passphrase', async (t) => {
  const { url, server } = await startServer(t, { env: testEnv({ LANGFLOW_SUPERUSER: undefined, LANGFLOW_SUPERUSER_PASSWORD: undefined }) })
  const code = server.setupCode()
  for (const [password, why] of WEAK) assertWeak(await call(url, 'POST', '/api/v1/setup', { json: { code, username: 'mallory', password } }), why, `setup ${password}`)
  assert.equal((await call(url, 'POST', '/api/v1/setup', { json: { code, username: 'mallory', password: GOOD } })).status, 201)
})

test('LANGFLOW_SUPERUSER_PASSWORD=password stops the start with a message naming the variable and why', async (t) => {
  for (const [password, why] of [['password', /common or breached/], ['admin123', /username/]] as const) {
    await assert.rejects(
      createAuthServer({ configDir: tempDir(t), env: testEnv({ LANGFLOW_SUPERUSER_PASSWORD: password }), log: createLogger(() => {}) }),
      (err: unknown) => err instanceof ConfigError && /^LANGFLOW_SUPERUSER_PASSWORD: /.test(err.message) && why.test(err.message),
    )
  }
})

test('the console\'s rules: repeats and sequences, username variants; long random and passphrase passwords pass', () => {
  for (const p of ['aaaaaaaa', '12345678', '87654321', 'abcdefgh', 'abcabcabc', '12121212', '1234abcd', 'zyxw9876', 'ÉÉÉÉÉÉÉÉ']) assert.ok(isTrivialPattern(p), p)
  for (const p of [GOOD, 'admin-password-1', 'aabbccdd', 'Tr0ub4dor&3', 'q8J#mz2Lw!']) assert.ok(!isTrivialPattern(p), p)
  for (const p of ['alice', 'ALICE', 'alice2024', '!!alice!!', 'ecila', 'alicealice', '2024Alice!']) assert.ok(isUsernameVariant(p, 'Alice'), p)
  for (const p of ['alice-in-wonderland', 'malice', 'bob-password']) assert.ok(!isUsernameVariant(p, 'alice'), p)
  // What the console is given as typed, the server as stored (NFKC): both see the same variant.
  assert.ok(isUsernameVariant('bobby123', 'ｂｏｂｂｙ'), 'a full-width name typed in the console')
  assert.ok(isUsernameVariant('ｂｏｂｂｙ123', 'bobby'), 'a full-width password')
  assert.ok(!isUsernameVariant('anything', ''), 'no username yet: nothing to compare')
  assert.deepEqual(passwordRules('', 'alice').map((r) => r.met), [false, true, false, false], 'an empty field ticks nothing off but the upper bound')
  assert.ok(passwordRules(GOOD, 'alice').every((r) => r.met))
})
