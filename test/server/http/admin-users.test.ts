// Admin users over real HTTP: creation with is_active/is_superuser, changes and deletion that report the sessions they ended, and lock-out by failed logins lifted by an unlock.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { call, decodeJwt, login, manualClock, startServer, assertError } from '../../helpers.ts'
import type { Tokens } from '../../helpers.ts'

const ADMIN_USER_KEYS = [
  'create_at', 'email', 'email_verified', 'groups', 'id', 'is_active', 'is_superuser', 'last_login_at', 'locked_until', 'name', 'optins', 'profile_image',
  'store_api_key', 'updated_at', 'username',
]

const whoami = (url: string, token: string) => call(url, 'GET', '/api/v1/users/whoami', { token })
const sidOf = (tokens: Tokens): string => decodeJwt(tokens.access).payload.sid as string
const loginReply = (url: string, username: string, password: string) => call(url, 'POST', '/api/v1/login', { form: { username, password } })

async function createUser(url: string, token: string, json: Record<string, unknown>) {
  const r = await call(url, 'POST', '/api/v1/admin/users', { token, json })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  return r.body.user
}

test('POST /admin/users creates active users by default and honours is_active and is_superuser', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const r = await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'bob', password: 'bob-password' } })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  assert.deepEqual(Object.keys(r.body).sort(), ['revoked_api_keys', 'revoked_sessions', 'user'])
  assert.deepEqual(r.body.revoked_sessions, [])
  assert.deepEqual(Object.keys(r.body.user).sort(), ADMIN_USER_KEYS)
  assert.deepEqual([r.body.user.username, r.body.user.is_active, r.body.user.is_superuser, r.body.user.locked_until], ['bob', true, false, null])
  assert.ok(!JSON.stringify(r.body).includes('bob-password'))
  assert.equal((await whoami(url, (await login(url, 'bob', 'bob-password')).access)).status, 200, 'active at once')

  const carol = await createUser(url, admin.access, { username: 'carol', password: 'carol-password', is_active: true, is_superuser: true })
  assert.deepEqual([carol.is_active, carol.is_superuser], [true, true])
  const carolTokens = await login(url, 'carol', 'carol-password')
  assert.equal((await call(url, 'GET', '/api/v1/admin/overview', { token: carolTokens.access })).status, 200, 'a real superuser')

  const dave = await createUser(url, admin.access, { username: 'dave', password: 'dave-password', is_active: false })
  assert.equal(dave.is_active, false)
  assertError(await loginReply(url, 'dave', 'dave-password'), 400, 'WAITING_FOR_APPROVAL')

  assertError(await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'eve', password: 'eve-password', is_active: 'yes' } }), 422, 'INVALID_INPUT', /is_active must be true or false/)
  assertError(await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'eve', password: 'eve-password', is_superuser: 1 } }), 422, 'INVALID_INPUT', /is_superuser/)
  assertError(await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'BOB', password: 'bob-password' } }), 400, 'USERNAME_TAKEN')
  assertError(await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'eve', password: 'short' } }), 422, 'WEAK_PASSWORD')

  const list = await call(url, 'GET', '/api/v1/admin/users?limit=10', { token: admin.access })
  assert.equal(list.body.total_count, 4, 'no eve was created')
  for (const u of list.body.users) assert.deepEqual(Object.keys(u).sort(), ADMIN_USER_KEYS)
  const searched = await call(url, 'GET', '/api/v1/admin/users?search=CAR', { token: admin.access })
  assert.deepEqual([searched.body.total_count, searched.body.users.map((u: { id: string }) => u.id)], [1, [carol.id]])
  const one = await call(url, 'GET', `/api/v1/admin/users/${dave.id}`, { token: admin.access })
  assert.deepEqual(one.body, dave)
  assertError(await call(url, 'GET', '/api/v1/admin/users/00000000-0000-4000-8000-000000000000', { token: admin.access }), 404, 'USER_NOT_FOUND')
})

test('PATCH and DELETE answer with the sessions they ended: deactivation, a new password, deletion', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const bob = await createUser(url, admin.access, { username: 'bob', password: 'bob-password' })
  const patch = (id: string, json: Record<string, unknown>) => call(url, 'PATCH', `/api/v1/admin/users/${id}`, { token: admin.access, json })

  const twice = [await login(url, 'bob', 'bob-password'), await login(url, 'bob', 'bob-password')]
  const deactivated = await patch(bob.id, { is_active: false })
  assert.equal(deactivated.status, 200, JSON.stringify(deactivated.body))
  assert.equal(deactivated.body.user.is_active, false)
  assert.deepEqual([...deactivated.body.revoked_sessions].sort(), twice.map(sidOf).sort())
  for (const s of twice) assert.equal((await whoami(url, s.access)).status, 401)

  const reactivated = await patch(bob.id, { is_active: true })
  assert.deepEqual([reactivated.body.user.is_active, reactivated.body.revoked_sessions], [true, []])
  const renamed = await patch(bob.id, { username: 'robert' })
  assert.deepEqual([renamed.body.user.username, renamed.body.revoked_sessions], ['robert', []])

  const current = await login(url, 'robert', 'bob-password')
  const newPassword = await patch(bob.id, { password: 'robert-password-2' })
  assert.equal(newPassword.status, 200, JSON.stringify(newPassword.body))
  assert.deepEqual(newPassword.body.revoked_sessions, [sidOf(current)])
  assert.equal((await whoami(url, current.access)).status, 401)
  assertError(await loginReply(url, 'robert', 'bob-password'), 401, 'INVALID_CREDENTIALS')
  const last = await login(url, 'robert', 'robert-password-2')
  assert.equal((await whoami(url, admin.access)).status, 200, "the admin's own session is untouched")

  // The superuser cannot deactivate, demote or delete themselves when no other superuser is left.
  const adminId = decodeJwt(admin.access).payload.sub as string
  assertError(await patch(adminId, { is_active: false }), 403, 'FORBIDDEN')
  assertError(await patch(adminId, { is_superuser: false }), 409, 'LAST_SUPERUSER')
  assertError(await call(url, 'DELETE', `/api/v1/admin/users/${adminId}`, { token: admin.access }), 400, 'SELF_DELETE')
  assertError(await patch(bob.id, { is_active: 'no' }), 422, 'INVALID_INPUT')
  assertError(await patch('00000000-0000-4000-8000-000000000000', { is_active: true }), 404, 'USER_NOT_FOUND')

  const removed = await call(url, 'DELETE', `/api/v1/admin/users/${bob.id}`, { token: admin.access })
  assert.equal(removed.status, 200, JSON.stringify(removed.body))
  assert.deepEqual(removed.body.revoked_sessions, [sidOf(last)])
  assert.equal(removed.body.user.id, bob.id)
  assert.equal((await whoami(url, last.access)).status, 401)
  assertError(await call(url, 'GET', `/api/v1/admin/users/${bob.id}`, { token: admin.access }), 404, 'USER_NOT_FOUND')
  assertError(await call(url, 'DELETE', `/api/v1/admin/users/${bob.id}`, { token: admin.access }), 404, 'USER_NOT_FOUND')
})

test('three failed logins lock the account (locked_until, 429); an unlock lets the right password in at once', async (t) => {
  const clock = manualClock(Date.parse('2026-03-01T08:00:00Z'))
  const { url } = await startServer(t, { clock })
  const admin = await login(url)
  const bob = await createUser(url, admin.access, { username: 'bob', password: 'bob-password' })
  const userOf = async () => (await call(url, 'GET', `/api/v1/admin/users/${bob.id}`, { token: admin.access })).body

  for (let i = 0; i < 3; i++) assertError(await loginReply(url, 'bob', 'wrong-password'), 401, 'INVALID_CREDENTIALS')
  const lockedUntil = new Date(clock.now() + 1000).toISOString() // the first lock after three free failures is 1 s
  assert.equal((await userOf()).locked_until, lockedUntil)
  const listed = await call(url, 'GET', '/api/v1/admin/users?search=bob', { token: admin.access })
  assert.equal(listed.body.users[0].locked_until, lockedUntil)

  const throttled = await loginReply(url, 'bob', 'bob-password')
  assertError(throttled, 429, 'LOGIN_THROTTLED')
  assert.equal(throttled.headers.get('retry-after'), '1')
  await login(url) // other accounts from the same address are not locked

  const unlocked = await call(url, 'POST', `/api/v1/admin/users/${bob.id}/unlock`, { token: admin.access })
  assert.equal(unlocked.status, 200, JSON.stringify(unlocked.body))
  assert.equal(unlocked.body.was_locked, true)
  assert.deepEqual(Object.keys(unlocked.body.user).sort(), ADMIN_USER_KEYS)
  assert.equal(unlocked.body.user.locked_until, null)
  assert.equal((await userOf()).locked_until, null)
  const tokens = await login(url, 'bob', 'bob-password') // no clock advance: the lock is really gone
  assert.equal((await whoami(url, tokens.access)).status, 200)

  const again = await call(url, 'POST', `/api/v1/admin/users/${bob.id}/unlock`, { token: admin.access })
  assert.deepEqual([again.status, again.body.was_locked], [200, false])
  assertError(await call(url, 'POST', '/api/v1/admin/users/00000000-0000-4000-8000-000000000000/unlock', { token: admin.access }), 404, 'USER_NOT_FOUND')

  const events = await call(url, 'GET', `/api/v1/admin/audit?type=account_locked,account_unlocked&user_id=${bob.id}`, { token: admin.access })
  assert.deepEqual(events.body.events.map((e: { type: string; detail: Record<string, unknown> }) => [e.type, e.detail.wasLocked ?? e.detail.lockedForSeconds]), [
    ['account_unlocked', false],
    ['account_unlocked', true],
    ['account_locked', 1],
  ])
})
