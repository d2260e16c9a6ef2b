// core.signUp without HTTP: who may create an account through Langflow's POST /users/ (a
// superuser always; anyone else only while sign-up is on and auto-login off), and what a
// self-service account gets.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Principal } from '../../../src/server/core/authenticate.ts'
import type { User } from '../../../src/server/core/store/types.ts'
import { ADMIN, authError, startCore, testEnv } from '../../helpers.ts'

const context = { ip: '127.0.0.1', userAgent: 'core-test' }
/** A caller by API key: the rule reads only who the user is. */
const callerOf = (user: User): Principal => ({ user, sessionId: null, claims: null, apiKeyId: null })
const newUser = (username: string) => ({ username, password: `${username}-passphrase-1` })

test('sign-up off (the default): an anonymous caller and an ordinary user are refused, a superuser may', async (t) => {
  const core = await startCore(t)
  const admin = core.users.byUsername(ADMIN.username) as User
  const bob = await core.users.create(newUser('bob'), context, admin)
  const refused = authError('SIGNUP_DISABLED', 'Public user registration is disabled.')
  await assert.rejects(core.signUp(newUser('mallory'), null, context), refused)
  await assert.rejects(core.signUp(newUser('mallory'), callerOf(bob), context), refused)
  assert.equal(core.users.byUsername('mallory'), null, 'nothing was created')

  const carol = await core.signUp(newUser('carol'), callerOf(admin), context)
  assert.equal(carol.username, 'carol')
  assert.equal(carol.isSuperuser, false)
})

test('sign-up on: anyone may, and gets an inactive, ordinary account whatever the input says', async (t) => {
  const core = await startCore(t, { env: testEnv({ LANGFLOW_ENABLE_SIGNUP: 'true' }) })
  const input = { ...newUser('dave'), isSuperuser: true, isActive: true, optins: { news: true } }
  const dave = await core.signUp(input, null, context)
  assert.deepEqual([dave.isActive, dave.isSuperuser, dave.optins], [false, false, { news: true }])
  assert.equal(core.audit.count({ types: ['user_created'] }), 2, 'the bootstrap superuser and dave')
})

test('sign-up on but auto-login on: only a superuser may (every visitor is the superuser then)', async (t) => {
  const core = await startCore(t, { env: testEnv({ LANGFLOW_ENABLE_SIGNUP: 'true', LANGFLOW_AUTO_LOGIN: 'true' }) })
  await assert.rejects(core.signUp(newUser('erin'), null, context), authError('SIGNUP_DISABLED'))
  const admin = core.users.byUsername(ADMIN.username) as User
  assert.equal((await core.signUp(newUser('erin'), callerOf(admin), context)).username, 'erin')
})

test('sign-up applies the password rules and the username rules of every account', async (t) => {
  const core = await startCore(t, { env: testEnv({ LANGFLOW_ENABLE_SIGNUP: 'true' }) })
  await assert.rejects(core.signUp({ username: 'frank', password: 'frank123' }, null, context), authError('WEAK_PASSWORD', /username/))
  await assert.rejects(core.signUp({ username: 'frank', password: 'password' }, null, context), authError('WEAK_PASSWORD'))
  await assert.rejects(core.signUp({ username: 'frank', password: 42 }, null, context), authError('INVALID_INPUT', 'password must be a string'))
  await assert.rejects(core.signUp({ username: ADMIN.username.toUpperCase(), password: 'a-fine-passphrase-1' }, null, context), authError('USERNAME_TAKEN'))
})
