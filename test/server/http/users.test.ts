// The /users routes over real HTTP: creation and sign-up, uniqueness and password rules, the
// inactive-user login rules, listing, Langflow's PATCH permissions, the last-superuser guard,
// self-service password reset, deletion, and revocation that reaches tokens already issued.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ADMIN, call, login, startServer, testEnv, assertError } from '../../helpers.ts'
import type { Reply, Tokens } from '../../helpers.ts'

const USER_READ_KEYS = [
  'create_at', 'id', 'is_active', 'is_superuser', 'last_login_at', 'optins', 'profile_image', 'store_api_key', 'updated_at', 'username',
]

const passwordOf = (username: string): string => `${username}-password`

/** An error reply: the status, a JSON `{detail, code}` body, and WWW-Authenticate on a 401. */
const whoami = (url: string, token: string) => call(url, 'GET', '/api/v1/users/whoami', { token })
const refresh = (url: string, token: string) => call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: token } })
const patchUser = (url: string, token: string, id: string, json: Record<string, unknown>) =>
  call(url, 'PATCH', `/api/v1/users/${id}`, { token, json })
const loginReply = (url: string, username: string, password: string) =>
  call(url, 'POST', '/api/v1/login', { form: { username, password } })

/** POST /users/ as `token`; asserts the 201 and returns the UserRead. */
async function createUser(url: string, token: string, username: string, password = passwordOf(username)) {
  const r = await call(url, 'POST', '/api/v1/users/', { token, json: { username, password } })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  return r.body
}

/** Creates a user and has the superuser activate them. */
async function activeUser(url: string, adminToken: string, username: string) {
  const user = await createUser(url, adminToken, username)
  const r = await patchUser(url, adminToken, user.id, { is_active: true })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  assert.equal(r.body.is_active, true)
  return r.body
}

/** Every credential of both sessions is refused: access tokens at once, refresh tokens too. */
async function assertSessionsDead(url: string, sessions: Tokens[]): Promise<void> {
  for (const s of sessions) {
    assertError(await whoami(url, s.access), 401)
    assertError(await refresh(url, s.refresh), 401)
  }
}

test('the superuser creates a user: 201 UserRead with exactly Langflow\'s fields, inactive by default, no password', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const password = 'carol-secret-1'
  const r = await call(url, 'POST', '/api/v1/users/', {
    token: admin.access,
    json: { username: 'carol', password, optins: { github_starred: true }, is_superuser: true, is_active: true },
  })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  assert.deepEqual(Object.keys(r.body).sort(), USER_READ_KEYS)
  assert.equal(r.body.username, 'carol')
  assert.match(r.body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  // Neither follows the body: is_active is LANGFLOW_NEW_USER_IS_ACTIVE (default false), never superuser.
  assert.equal(r.body.is_active, false)
  assert.equal(r.body.is_superuser, false)
  assert.equal(r.body.profile_image, null)
  assert.equal(r.body.store_api_key, null)
  assert.equal(r.body.last_login_at, null)
  assert.deepEqual(r.body.optins, { github_starred: true })
  for (const at of [r.body.create_at, r.body.updated_at]) assert.equal(new Date(at).toISOString(), at)
  const text = JSON.stringify(r.body)
  assert.ok(!text.includes(password), 'the password is never echoed')
  assert.ok(!/\$2[aby]\$/.test(text), 'nor its bcrypt hash')

  // The same shape in the list and in whoami, without a password field.
  const listed = await call(url, 'GET', '/api/v1/users/?search=carol', { token: admin.access })
  assert.equal(listed.status, 200)
  assert.deepEqual(listed.body.users, [r.body])
  const me = await whoami(url, admin.access)
  assert.deepEqual(Object.keys(me.body).sort(), USER_READ_KEYS)
  assert.equal(me.body.is_superuser, true)
})

test('LANGFLOW_NEW_USER_IS_ACTIVE=true: new users are active and can log in at once', async (t) => {
  const { url } = await startServer(t, { env: testEnv({ LANGFLOW_NEW_USER_IS_ACTIVE: 'true' }) })
  const admin = await login(url)
  const user = await createUser(url, admin.access, 'dora')
  assert.equal(user.is_active, true)
  assert.equal(user.is_superuser, false)
  const tokens = await login(url, 'dora', passwordOf('dora'))
  const me = await whoami(url, tokens.access)
  assert.equal(me.status, 200)
  assert.equal(me.body.id, user.id)
})

test('anonymous and non-superuser creation is refused by default; a body that is not a JSON object is a 422', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  assertError(await call(url, 'POST', '/api/v1/users/', { json: { username: 'mallory', password: 'mallory-password' } }), 403, 'SIGNUP_DISABLED', 'Public user registration is disabled.')

  await activeUser(url, admin.access, 'erin')
  const erin = await login(url, 'erin', passwordOf('erin'))
  assertError(await call(url, 'POST', '/api/v1/users/', { token: erin.access, json: { username: 'mallory', password: 'mallory-password' } }), 403, undefined, 'Public user registration is disabled.')

  // Bodies that are not a JSON object, even from the superuser.
  assertError(await call(url, 'POST', '/api/v1/users/', { token: admin.access, form: { username: 'mallory', password: 'mallory-password' } }), 422, 'INVALID_INPUT', undefined)
  assertError(await call(url, 'POST', '/api/v1/users/', { token: admin.access, json: [{ username: 'mallory', password: 'mallory-password' }] }), 422)
  assertError(await call(url, 'POST', '/api/v1/users/', { token: admin.access, headers: { 'content-type': 'text/plain' } }), 422)
  assertError(await call(url, 'POST', '/api/v1/users/', { token: admin.access, json: { username: 'mallory', password: 'mallory-password', optins: [1] } }), 422)

  const all = await call(url, 'GET', '/api/v1/users/', { token: admin.access })
  assert.deepEqual(all.body.users.map((u: { username: string }) => u.username).sort(), ['admin', 'erin'], 'no mallory was created')
})

test('LANGFLOW_ENABLE_SIGNUP=true: anyone may sign up, always inactive and never superuser; not with AUTO_LOGIN on', async (t) => {
  const { url } = await startServer(t, { env: testEnv({ LANGFLOW_ENABLE_SIGNUP: 'true' }) })
  const r = await call(url, 'POST', '/api/v1/users/', { json: { username: 'frank', password: 'frank-password', is_active: true, is_superuser: true } })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  assert.deepEqual(Object.keys(r.body).sort(), USER_READ_KEYS)
  assert.equal(r.body.username, 'frank')
  assert.equal(r.body.is_active, false)
  assert.equal(r.body.is_superuser, false)
  assertError(await loginReply(url, 'frank', 'frank-password'), 400, undefined, 'Waiting for approval')
  assertError(await call(url, 'POST', '/api/v1/users/', { form: { username: 'gina', password: 'gina-password' } }), 422)

  // Langflow newest: sign-up is for AUTO_LOGIN=false only.
  const auto = await startServer(t, { env: testEnv({ LANGFLOW_ENABLE_SIGNUP: 'true', LANGFLOW_AUTO_LOGIN: 'true' }) })
  assertError(await call(auto.url, 'POST', '/api/v1/users/', { json: { username: 'frank', password: 'frank-password' } }), 403, undefined, 'Public user registration is disabled.')
})

test('usernames are unique after NFKC and case folding, and stored trimmed in NFKC form', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  for (const username of ['admin', 'ADMIN', 'Admin', 'ａｄｍｉｎ', 'ＡＤＭＩＮ', '  admin  ']) {
    assertError(await call(url, 'POST', '/api/v1/users/', { token: admin.access, json: { username, password: 'another-password' } }), 400, 'USERNAME_TAKEN', 'This username is unavailable.')
  }
  const hank = await createUser(url, admin.access, '  ｈａｎｋ ')
  assert.equal(hank.username, 'hank')
  assertError(await call(url, 'POST', '/api/v1/users/', { token: admin.access, json: { username: 'Hank', password: 'another-password' } }), 400, undefined, 'This username is unavailable.')
  // Renaming onto a taken name is refused the same way; a case change of one's own name is not.
  assertError(await patchUser(url, admin.access, hank.id, { username: 'ADMIN' }), 400, undefined, 'This username is unavailable.')
  const renamed = await patchUser(url, admin.access, hank.id, { username: 'HANK' })
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body))
  assert.equal(renamed.body.username, 'HANK')
  const list = await call(url, 'GET', '/api/v1/users/', { token: admin.access })
  assert.equal(list.body.total_count, 2)
})

test('password rules: at least 8 characters, at most 72 UTF-8 bytes, on creation and on a superuser\'s change', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const create = (username: string, password: unknown) =>
    call(url, 'POST', '/api/v1/users/', { token: admin.access, json: { username, password } })

  assertError(await create('ivan', 'short-7'), 422, 'WEAK_PASSWORD', /at least 8/)
  assertError(await create('ivan', '😀'.repeat(7)), 422, 'WEAK_PASSWORD', /at least 8/) // 7 characters, 14 UTF-16 units
  const tooLong = 'é'.repeat(40) // 40 characters, 80 bytes
  assertError(await create('ivan', tooLong), 422, 'WEAK_PASSWORD', /72/)
  assertError(await create('ivan', 'a'.repeat(73)), 422, undefined, /72/)
  assertError(await create('ivan', undefined), 422, 'INVALID_INPUT', undefined)
  assertError(await create('ivan', 12345678), 422, 'INVALID_INPUT', undefined)

  // The limits themselves are allowed: 8 characters, and exactly 72 bytes.
  assert.equal((await create('ivan', 'eight-ch')).status, 201)
  const exactly72 = 'é'.repeat(32) + 'montreal' // 40 characters, 72 bytes, not one repeated character
  const judy = await create('judy', exactly72)
  assert.equal(judy.status, 201, JSON.stringify(judy.body))

  // A superuser's PATCH of a password follows the same rules.
  assertError(await patchUser(url, admin.access, judy.body.id, { password: tooLong }), 422, undefined, /72/)
  assertError(await patchUser(url, admin.access, judy.body.id, { password: 'short' }), 422, undefined, /at least 8/)
  await patchUser(url, admin.access, judy.body.id, { is_active: true })
  await login(url, 'judy', exactly72) // the rejected changes changed nothing
})

test('usernames must be non-empty strings', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  for (const username of ['', '   ', '\u3000', undefined, null, 42, 'tab\there']) {
    assertError(await call(url, 'POST', '/api/v1/users/', { token: admin.access, json: { username, password: 'fine-password' } }), 422, 'INVALID_INPUT', undefined)
  }
  const list = await call(url, 'GET', '/api/v1/users/', { token: admin.access })
  assert.equal(list.body.total_count, 1)
})

test('an inactive user: waiting for approval before the first login, inactive after; state needs the password', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const kim = await createUser(url, admin.access, 'kim')
  assert.equal(kim.is_active, false)

  assertError(await loginReply(url, 'kim', passwordOf('kim')), 400, 'WAITING_FOR_APPROVAL', 'Waiting for approval')
  // Without the right password nothing about the account is revealed.
  assertError(await loginReply(url, 'kim', 'wrong-password'), 401, 'INVALID_CREDENTIALS', 'Incorrect username or password')

  assert.equal((await patchUser(url, admin.access, kim.id, { is_active: true })).status, 200)
  const tokens = await login(url, 'kim', passwordOf('kim'))
  const me = await whoami(url, tokens.access)
  assert.equal(me.body.username, 'kim')
  assert.notEqual(me.body.last_login_at, null, 'login records last_login_at')

  assert.equal((await patchUser(url, admin.access, kim.id, { is_active: false })).status, 200)
  assertError(await loginReply(url, 'kim', passwordOf('kim')), 401, 'INACTIVE_USER', 'Inactive user')
  assertError(await loginReply(url, 'kim', 'wrong-password'), 401, undefined, 'Incorrect username or password')
})

test('whoami answers the caller; without a credential, or with a bad one, it is a 401', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const me = await whoami(url, admin.access)
  assert.equal(me.status, 200)
  assert.equal(me.body.username, ADMIN.username)
  assert.equal(me.body.is_superuser, true)
  assert.equal(me.body.is_active, true)

  assertError(await call(url, 'GET', '/api/v1/users/whoami'), 401, 'NOT_AUTHENTICATED', 'No authentication credentials provided')
  assertError(await whoami(url, 'not-a-jwt'), 401)
  assertError(await whoami(url, admin.access.slice(0, -4) + 'AAAA'), 401)
  assertError(await whoami(url, admin.refresh), 401) // a refresh token is not an access token
})

test('listing users: superuser only, paging, case-insensitive substring search, strict paging parameters', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  for (const name of ['list-alpha', 'List-Beta', 'list-gamma']) await createUser(url, admin.access, name)
  const list = (query: string, token = admin.access) => call(url, 'GET', `/api/v1/users/${query}`, { token })

  const all = await list('')
  assert.equal(all.status, 200)
  assert.deepEqual(Object.keys(all.body).sort(), ['total_count', 'users'])
  assert.equal(all.body.total_count, 4)
  assert.equal(all.body.users.length, 4)
  for (const u of all.body.users) assert.deepEqual(Object.keys(u).sort(), USER_READ_KEYS)
  const ids = all.body.users.map((u: { id: string }) => u.id)

  const page = await list('?skip=1&limit=2')
  assert.equal(page.body.total_count, 4, 'total_count counts every match, not the page')
  assert.deepEqual(page.body.users.map((u: { id: string }) => u.id), ids.slice(1, 3))
  const past = await list('?skip=10&limit=5')
  assert.deepEqual(past.body, { total_count: 4, users: [] })
  assert.equal((await list('?limit=1000')).status, 200)

  const beta = await list('?search=bEtA')
  assert.equal(beta.body.total_count, 1)
  assert.equal(beta.body.users[0].username, 'List-Beta')
  const prefixed = await list('?search=LIST-')
  assert.equal(prefixed.body.total_count, 3)
  assert.deepEqual(prefixed.body.users.map((u: { username: string }) => u.username).sort(), ['List-Beta', 'list-alpha', 'list-gamma'])
  assert.equal((await list('?search=ph')).body.total_count, 1) // a substring, not only a prefix
  assert.equal((await list('?search=%25')).body.total_count, 0) // '%' is literal, not a wildcard
  assert.equal((await list('?search=list&limit=1')).body.users.length, 1)

  for (const query of ['?skip=-1', '?skip=abc', '?limit=1.5', '?limit=-5', '?skip=1&skip=2', '?limit=', '?search=a&search=b']) {
    assertError(await list(query), 422, 'INVALID_INPUT', undefined)
  }
  // Langflow has no largest page: a client asking for 10,000 gets the largest we serve.
  const everything = await list('?limit=10000')
  assert.equal(everything.status, 200)
  assert.equal(everything.body.users.length, everything.body.total_count)

  await patchUser(url, admin.access, ids[1], { is_active: true })
  const member = await login(url, all.body.users[1].username, passwordOf(all.body.users[1].username))
  assertError(await list('', member.access), 403, 'NOT_SUPERUSER', undefined)
  assertError(await call(url, 'GET', '/api/v1/users/'), 401)
})

test('PATCH by a regular user: only their own profile, never privileges or a password', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const lena = await activeUser(url, admin.access, 'lena')
  const mo = await activeUser(url, admin.access, 'mo')
  const token = (await login(url, 'lena', passwordOf('lena'))).access

  assertError(await patchUser(url, token, mo.id, { profile_image: 'x.svg' }), 403, 'FORBIDDEN', 'Permission denied')
  assertError(await patchUser(url, token, lena.id, { is_superuser: true }), 403, undefined, 'Permission denied')
  assertError(await patchUser(url, token, lena.id, { is_superuser: false }), 403, undefined, 'Permission denied')
  assertError(await patchUser(url, token, lena.id, { is_active: true }), 403)
  assertError(await patchUser(url, token, lena.id, { password: 'lena-new-password' }), 400, 'PASSWORD_CHANGE_NOT_ALLOWED', "You can't change your password here")

  const own = await patchUser(url, token, lena.id, { profile_image: 'Space/046-Rocket.svg', optins: { github_starred: true, dialog_dismissed: false } })
  assert.equal(own.status, 200, JSON.stringify(own.body))
  assert.deepEqual(Object.keys(own.body).sort(), USER_READ_KEYS)
  assert.equal(own.body.profile_image, 'Space/046-Rocket.svg')
  assert.deepEqual(own.body.optins, { github_starred: true, dialog_dismissed: false })
  assert.equal(own.body.is_superuser, false)
  const me = await whoami(url, token)
  assert.equal(me.body.profile_image, 'Space/046-Rocket.svg')
  assert.deepEqual(me.body.optins, { github_starred: true, dialog_dismissed: false })

  // The refused changes left the other user and the password as they were.
  const moNow = await call(url, 'GET', '/api/v1/users/?search=mo', { token: admin.access })
  assert.equal(moNow.body.users[0].profile_image, null)
  await login(url, 'lena', passwordOf('lena'))
  assertError(await patchUser(url, admin.access, '00000000-0000-0000-0000-000000000000', { profile_image: 'x.svg' }), 404, 'USER_NOT_FOUND', 'User not found')
})

test('PATCH by a superuser: no self-deactivation, never zero active superusers, privileges apply at once', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const adminId = (await whoami(url, admin.access)).body.id

  assertError(await patchUser(url, admin.access, adminId, { is_active: false }), 403, 'FORBIDDEN', undefined)
  assertError(await patchUser(url, admin.access, adminId, { is_superuser: false }), 409, 'LAST_SUPERUSER', undefined)
  const still = await whoami(url, admin.access)
  assert.equal(still.body.is_superuser, true)
  assert.equal(still.body.is_active, true)
  assertError(await patchUser(url, admin.access, adminId, { is_active: 'no' }), 422)

  // With a second active superuser, one may demote the other; the change applies to tokens already issued.
  const nia = await activeUser(url, admin.access, 'nia')
  const promoted = await patchUser(url, admin.access, nia.id, { is_superuser: true })
  assert.equal(promoted.body.is_superuser, true)
  const niaToken = (await login(url, 'nia', passwordOf('nia'))).access
  assert.equal((await patchUser(url, niaToken, adminId, { is_superuser: false })).status, 200)
  assertError(await call(url, 'GET', '/api/v1/users/', { token: admin.access }), 403)
  assert.equal((await call(url, 'GET', '/api/v1/users/', { token: niaToken })).status, 200)

  // nia is now the last active superuser.
  assertError(await patchUser(url, niaToken, nia.id, { is_superuser: false }), 409, 'LAST_SUPERUSER', undefined)
  assertError(await patchUser(url, niaToken, nia.id, { is_superuser: false, is_active: false }), 403)
  assert.equal((await whoami(url, niaToken)).body.is_superuser, true)
})

test('a superuser sets another user\'s password: the new one logs in, the old one does not', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const omar = await activeUser(url, admin.access, 'omar')
  const r = await patchUser(url, admin.access, omar.id, { password: 'omar-new-password' })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  assert.deepEqual(Object.keys(r.body).sort(), USER_READ_KEYS)
  assertError(await loginReply(url, 'omar', passwordOf('omar')), 401, undefined, 'Incorrect username or password')
  const tokens = await login(url, 'omar', 'omar-new-password')
  assert.equal((await whoami(url, tokens.access)).body.id, omar.id)
})

/** A user with two live sessions (two logins), both checked to work. */
async function withTwoSessions(url: string, adminToken: string, username: string) {
  const user = await activeUser(url, adminToken, username)
  const sessions = [await login(url, username, passwordOf(username)), await login(url, username, passwordOf(username))]
  for (const s of sessions) assert.equal((await whoami(url, s.access)).status, 200)
  return { user, sessions }
}

test('deactivation revokes every session of the user at once, and reactivation does not bring them back', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const { user, sessions } = await withTwoSessions(url, admin.access, 'pia')
  assert.equal((await patchUser(url, admin.access, user.id, { is_active: false })).status, 200)
  await assertSessionsDead(url, sessions)

  assert.equal((await patchUser(url, admin.access, user.id, { is_active: true })).status, 200)
  await assertSessionsDead(url, sessions)
  const fresh = await login(url, 'pia', passwordOf('pia'))
  assert.equal((await whoami(url, fresh.access)).status, 200)
  assert.equal((await whoami(url, admin.access)).status, 200, 'the superuser\'s own session is untouched')
})

test('a superuser\'s password change of a user revokes every session of that user at once', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const { user, sessions } = await withTwoSessions(url, admin.access, 'quinn')
  assert.equal((await patchUser(url, admin.access, user.id, { password: 'quinn-new-password' })).status, 200)
  await assertSessionsDead(url, sessions)
  assert.equal((await whoami(url, (await login(url, 'quinn', 'quinn-new-password')).access)).status, 200)
  assert.equal((await whoami(url, admin.access)).status, 200)
})

test('deleting a user revokes every session and API key of that user at once', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const { user, sessions } = await withTwoSessions(url, admin.access, 'ravi')
  const key = await call(url, 'POST', '/api/v1/api_key/', { token: sessions[0]?.access, json: { name: 'ravi-key' } })
  assert.equal(key.status, 200)
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { headers: { 'x-api-key': key.body.api_key } })).status, 200)

  assert.deepEqual((await call(url, 'DELETE', `/api/v1/users/${user.id}`, { token: admin.access })).body, { detail: 'User deleted' })
  await assertSessionsDead(url, sessions)
  assertError(await call(url, 'GET', '/api/v1/users/whoami', { headers: { 'x-api-key': key.body.api_key } }), 401)
  assertError(await loginReply(url, 'ravi', passwordOf('ravi')), 401, undefined, 'Incorrect username or password')
})

test('reset-password: only one\'s own, with the current password; other sessions end, this one stays', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const { user: sam, sessions } = await withTwoSessions(url, admin.access, 'sam')
  const [mine, other] = sessions as [Tokens, Tokens]
  const adminId = (await whoami(url, admin.access)).body.id
  const reset = (token: string, id: string, json: Record<string, unknown>) =>
    call(url, 'PATCH', `/api/v1/users/${id}/reset-password`, { token, json })

  assertError(await reset(mine.access, adminId, { current_password: passwordOf('sam'), password: 'sam-new-password' }), 404, 'USER_NOT_FOUND', "You can't change another user's password")
  assertError(await reset(admin.access, sam.id, { current_password: ADMIN.password, password: 'sam-new-password' }), 404, undefined, "You can't change another user's password")
  assertError(await reset(mine.access, sam.id, { current_password: 'not-my-password', password: 'sam-new-password' }), 400, 'WRONG_CURRENT_PASSWORD', 'Current password is incorrect')
  assertError(await reset(mine.access, sam.id, { current_password: passwordOf('sam'), password: passwordOf('sam') }), 400, 'SAME_PASSWORD', "You can't use your current password")
  assertError(await reset(mine.access, sam.id, { current_password: passwordOf('sam'), password: 'short' }), 422, 'WEAK_PASSWORD', undefined)
  assertError(await reset(mine.access, sam.id, { password: 'sam-new-password' }), 422, 'INVALID_INPUT', undefined)
  // None of the refusals ended a session.
  for (const s of sessions) assert.equal((await whoami(url, s.access)).status, 200)

  const ok = await reset(mine.access, sam.id, { current_password: passwordOf('sam'), password: 'sam-new-password' })
  assert.equal(ok.status, 200, JSON.stringify(ok.body))
  assert.deepEqual(Object.keys(ok.body).sort(), USER_READ_KEYS)
  assert.equal(ok.body.id, sam.id)

  assertError(await whoami(url, other.access), 401)
  assertError(await refresh(url, other.refresh), 401)
  assert.equal((await whoami(url, mine.access)).status, 200, 'the session that made the change stays signed in')
  assert.equal((await refresh(url, mine.refresh)).status, 200)

  assertError(await loginReply(url, 'sam', passwordOf('sam')), 401, undefined, 'Incorrect username or password')
  assert.equal((await whoami(url, (await login(url, 'sam', 'sam-new-password')).access)).status, 200)
})

test('DELETE /users/{id}: superuser only, never oneself, 404 for an unknown id', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const adminId = (await whoami(url, admin.access)).body.id
  await activeUser(url, admin.access, 'tara')
  const uma = await createUser(url, admin.access, 'uma')
  const taraToken = (await login(url, 'tara', passwordOf('tara'))).access

  assertError(await call(url, 'DELETE', `/api/v1/users/${uma.id}`, { token: taraToken }), 403, 'NOT_SUPERUSER', undefined)
  assertError(await call(url, 'DELETE', `/api/v1/users/${uma.id}`), 401)
  assertError(await call(url, 'DELETE', `/api/v1/users/${adminId}`, { token: admin.access }), 400, 'SELF_DELETE', "You can't delete your own user account")
  assertError(await call(url, 'DELETE', '/api/v1/users/00000000-0000-0000-0000-000000000000', { token: admin.access }), 404, undefined, 'User not found')
  assert.equal((await call(url, 'GET', '/api/v1/users/', { token: admin.access })).body.total_count, 3, 'nothing was deleted yet')

  const r = await call(url, 'DELETE', `/api/v1/users/${uma.id}`, { token: admin.access })
  assert.equal(r.status, 200)
  assert.deepEqual(r.body, { detail: 'User deleted' })
  assertError(await call(url, 'DELETE', `/api/v1/users/${uma.id}`, { token: admin.access }), 404, undefined, 'User not found')
  assertError(await patchUser(url, admin.access, uma.id, { is_active: true }), 404, undefined, 'User not found')
  const left = await call(url, 'GET', '/api/v1/users/', { token: admin.access })
  assert.deepEqual(left.body.users.map((u: { username: string }) => u.username).sort(), ['admin', 'tara'])
  // The name is free again.
  assert.equal((await createUser(url, admin.access, 'UMA')).username, 'UMA')
})

for (const field of ['is_superuser', 'is_active'] as const) {
  test(`two superusers removing each other's ${field} at the same moment: one wins, the other is refused`, async (t) => {
    const { url } = await startServer(t)
    const admin = await login(url)
    const me = (await whoami(url, admin.access)).body
    const bob = await activeUser(url, admin.access, 'bob')
    assert.equal((await patchUser(url, admin.access, bob.id, { is_superuser: true })).status, 200)
    const bobTokens = await login(url, 'bob', passwordOf('bob'))
    // Each request carries a password, so each waits on a bcrypt hash between its check and its write.
    const replies = await Promise.all([
      patchUser(url, admin.access, bob.id, { [field]: false, password: 'bob-new-password' }),
      patchUser(url, bobTokens.access, me.id, { [field]: false, password: 'admin-new-password' }),
    ])
    // The loser is refused either as the last superuser (409) or, when the winner's write landed
    // first, because it is no longer a superuser itself (403): never both applied.
    const statuses = replies.map((r) => r.status).sort()
    assert.ok(statuses[0] === 200 && (statuses[1] === 403 || statuses[1] === 409), JSON.stringify(replies.map((r) => r.body)))
    const users = (await call(url, 'GET', '/api/v1/users/', { token: replies[0]?.status === 200 ? admin.access : bobTokens.access })).body.users
    assert.equal(users.filter((u: { is_superuser: boolean; is_active: boolean }) => u.is_superuser && u.is_active).length, 1)
  })
}

test('two users renamed to the same name at the same moment: one 200, one 400, never a 500', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const carol = await createUser(url, admin.access, 'carol')
  const dave = await createUser(url, admin.access, 'dave')
  const replies = await Promise.all([
    patchUser(url, admin.access, carol.id, { username: 'same', password: 'new-password-1' }),
    patchUser(url, admin.access, dave.id, { username: 'Same', password: 'new-password-2' }),
  ])
  assert.deepEqual(replies.map((r) => r.status).sort(), [200, 400])
  assertError(replies.find((r) => r.status === 400) as Reply, 400, undefined, 'This username is unavailable.')
})

test('a self-service password change still hashing when an admin resets the password does not overwrite the reset', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const created = await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'alice', password: 'alice-first-passphrase' } })
  assert.equal(created.status, 201)
  const id: string = created.body.user.id
  const alice = await login(url, 'alice', 'alice-first-passphrase')
  // Alice's change needs three bcrypt runs; the admin's reset, sent just after, needs one and lands first.
  const own = call(url, 'PATCH', `/api/v1/users/${id}/reset-password`, { token: alice.access, json: { current_password: 'alice-first-passphrase', password: 'chosen-by-the-thief-1' } })
  const reset = call(url, 'PATCH', `/api/v1/admin/users/${id}`, { token: admin.access, json: { password: 'set-by-the-admin-22' } })
  assert.equal((await reset).status, 200)
  const late = await own
  assert.equal(late.status, 401, JSON.stringify(late.body))
  assert.equal((await call(url, 'POST', '/api/v1/login', { form: { username: 'alice', password: 'chosen-by-the-thief-1' } })).status, 401, 'the late change did not land')
  assert.equal((await call(url, 'POST', '/api/v1/login', { form: { username: 'alice', password: 'set-by-the-admin-22' } })).status, 200, 'the admin\'s password holds')
})
