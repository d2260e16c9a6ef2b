// The admin API's user profile over real HTTP: POST and PATCH /api/v1/admin/users take email,
// name and groups and answer them; EMAIL_TAKEN is 409 whatever the case; Langflow's /users routes
// keep their shape and do not let a user set their own profile.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertError, call, login, startServer } from '../../helpers.ts'

const USER_READ_KEYS = ['create_at', 'id', 'is_active', 'is_superuser', 'last_login_at', 'optins', 'profile_image', 'store_api_key', 'updated_at', 'username']

test('POST and PATCH /admin/users set email, name and groups; the answers and the list show them', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const created = await call(url, 'POST', '/api/v1/admin/users', {
    token: admin.access,
    json: { username: 'erin', password: 'erin-password-1', email: ' Erin@Example.COM ', name: 'Erin Hannon', groups: ['sales', 'grafana-viewers', 'sales'] },
  })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  const erin = created.body.user
  assert.deepEqual([erin.email, erin.email_verified, erin.name, erin.groups], ['Erin@example.com', true, 'Erin Hannon', ['grafana-viewers', 'sales']])

  const patched = await call(url, 'PATCH', `/api/v1/admin/users/${erin.id}`, { token: admin.access, json: { name: 'Erin H.', groups: ['ops'] } })
  assert.equal(patched.status, 200, JSON.stringify(patched.body))
  assert.deepEqual([patched.body.user.email, patched.body.user.name, patched.body.user.groups], ['Erin@example.com', 'Erin H.', ['ops']])
  assert.deepEqual(patched.body.revoked_sessions, [], 'a profile change ends no session')

  const cleared = await call(url, 'PATCH', `/api/v1/admin/users/${erin.id}`, { token: admin.access, json: { email: null, name: '' } })
  assert.deepEqual([cleared.body.user.email, cleared.body.user.email_verified, cleared.body.user.name], [null, false, null])

  const list = await call(url, 'GET', '/api/v1/admin/users', { token: admin.access })
  const admins = list.body.users.filter((u: { username: string }) => u.username === 'admin')
  assert.deepEqual(admins.map((u: { groups: string[] }) => u.groups), [[]], "'admin' is implied by is_superuser, not listed")
  const one = await call(url, 'GET', `/api/v1/admin/users/${erin.id}`, { token: admin.access })
  assert.deepEqual(one.body.groups, ['ops'])

  const events = await call(url, 'GET', '/api/v1/admin/audit?type=user_groups_changed', { token: admin.access })
  assert.equal(events.status, 200, JSON.stringify(events.body))
  assert.deepEqual(events.body.events.map((e: { detail: { groups: string[] } }) => e.detail.groups), [['ops']])
})

test('a taken email is 409 EMAIL_TAKEN whatever its case; bad values are 422 and change nothing', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const first = await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'fay', password: 'fay-password-1', email: 'fay@example.com' } })
  assert.equal(first.status, 201)
  const again = await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'gus', password: 'gus-password-1', email: 'FAY@example.com' } })
  assertError(again, 409, 'EMAIL_TAKEN', 'This email address belongs to another user.')

  const gus = (await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'gus', password: 'gus-password-1' } })).body.user
  const path = `/api/v1/admin/users/${gus.id}`
  assertError(await call(url, 'PATCH', path, { token: admin.access, json: { email: 'Fay@Example.com' } }), 409, 'EMAIL_TAKEN')
  assertError(await call(url, 'PATCH', path, { token: admin.access, json: { email: 'fay' } }), 422, 'INVALID_INPUT', /email must be an address/)
  assertError(await call(url, 'PATCH', path, { token: admin.access, json: { groups: ['admin'] } }), 422, 'INVALID_INPUT', /reserved/)
  assertError(await call(url, 'PATCH', path, { token: admin.access, json: { groups: ['Sales'] } }), 422, 'INVALID_INPUT')
  assertError(await call(url, 'PATCH', path, { token: admin.access, json: { groups: 'sales' } }), 422, 'INVALID_INPUT')
  assertError(await call(url, 'PATCH', path, { token: admin.access, json: { name: 'a\u0000b' } }), 422, 'INVALID_INPUT')
  assertError(await call(url, 'PATCH', path, { token: admin.access, json: { name: 7 } }), 422, 'INVALID_INPUT')
  const unchanged = await call(url, 'GET', path, { token: admin.access })
  assert.deepEqual([unchanged.body.email, unchanged.body.name, unchanged.body.groups], [null, null, []])
})

test("Langflow's /users routes keep UserRead's fields, and a user's own PATCH there does not set email, name or groups", async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const hal = (await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'hal', password: 'hal-password-1', email: 'hal@example.com' } })).body.user
  const own = await login(url, 'hal', 'hal-password-1')
  const me = await call(url, 'GET', '/api/v1/users/whoami', { token: own.access })
  assert.deepEqual(Object.keys(me.body).sort(), USER_READ_KEYS)
  const list = await call(url, 'GET', '/api/v1/users/', { token: admin.access })
  for (const u of list.body.users) assert.deepEqual(Object.keys(u).sort(), USER_READ_KEYS)

  const self = await call(url, 'PATCH', `/api/v1/users/${hal.id}`, { token: own.access, json: { email: 'evil@example.com', name: 'Root', groups: ['ops'] } })
  assert.equal(self.status, 200, JSON.stringify(self.body))
  assert.deepEqual(Object.keys(self.body).sort(), USER_READ_KEYS)
  const after = await call(url, 'GET', `/api/v1/admin/users/${hal.id}`, { token: admin.access })
  assert.deepEqual([after.body.email, after.body.name, after.body.groups], ['hal@example.com', null, []], 'admin-only for now')
})
