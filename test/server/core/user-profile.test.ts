// A user's OpenID Connect profile in the core: email and name validation, email uniqueness
// whatever the case, the group rules ('admin' reserved, implied by is_superuser), who may set
// them, and claimsOf by scope (OIDC Core §5.4).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Actor } from '../../../src/server/core/users/users.ts'
import type { User } from '../../../src/server/core/store/types.ts'
import { normalizeEmail, normalizeFullName, normalizeGroups } from '../../../src/server/core/users/profile.ts'
import { ADMIN, authError, startCore } from '../../helpers.ts'

const context = { ip: '127.0.0.1', userAgent: 'core-test' }
const actorOf = (user: User): Actor => ({ user, sessionId: null, context })
const newUser = (username: string, extra: Record<string, unknown> = {}) => ({ username, password: `${username}-passphrase-1`, ...extra })
const invalid = authError('INVALID_INPUT')

test('an email is trimmed, NFC, its domain lower-cased (the local part keeps its case); odd shapes are refused', () => {
  assert.equal(normalizeEmail('  Alice.Smith@Example.COM '), 'Alice.Smith@example.com')
  assert.equal(normalizeEmail('bob+tag@sub.example.org'), 'bob+tag@sub.example.org')
  assert.equal(normalizeEmail('Jose\u0301@Exa\u0301mple.com'), 'José@exámple.com', 'NFC')
  assert.equal(normalizeEmail(null), null)
  assert.equal(normalizeEmail(''), null, 'empty clears')
  const local = 'a'.repeat(64)
  const long = `${local}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.com` // 255 characters
  assert.equal(long.length, 255)
  assert.throws(() => normalizeEmail(long), authError('INVALID_INPUT', /at most 254/))
  assert.equal(normalizeEmail(long.slice(1)), long.slice(1), '254 is allowed')
  for (const bad of ['alice', 'alice@', '@example.com', 'alice@localhost', 'a b@example.com', 'alice@@example.com', 'a@b@example.com',
    '"alice"@example.com', 'alice@-example.com', 'alice@example-.com', 'alice@exa_mple.com', '.alice@example.com', 'al..ice@example.com',
    'alice@example..com', 'ali\u0000ce@example.com', 'ali\u200bce@example.com', `${'a'.repeat(65)}@example.com`, 42, {}, ['a@b.c']]) {
    assert.throws(() => normalizeEmail(bad), invalid, JSON.stringify(bad))
  }
})

test('a name is trimmed and NFC, at most 128 characters, without control characters', () => {
  assert.equal(normalizeFullName('  Zoe\u0308 Ada  '), 'Zoë Ada')
  assert.equal(normalizeFullName(null), null)
  assert.equal(normalizeFullName(' '), null)
  assert.equal(normalizeFullName('名'.repeat(128)), '名'.repeat(128))
  assert.throws(() => normalizeFullName('名'.repeat(129)), authError('INVALID_INPUT', /at most 128/))
  for (const bad of ['Ada\nLovelace', 'Ada\u0007', 'Ada\u202eecalevol', 'A\u2028da', 7]) assert.throws(() => normalizeFullName(bad), invalid, JSON.stringify(bad))
})

test("group names are 1–64 of [a-z0-9._-]; 'admin' is reserved; duplicates go and the list is sorted", () => {
  assert.deepEqual(normalizeGroups(['grafana-editors', 'a.b_c', 'grafana-editors', '0']), ['0', 'a.b_c', 'grafana-editors'])
  assert.deepEqual(normalizeGroups([]), [])
  assert.deepEqual(normalizeGroups(['x'.repeat(64)]), ['x'.repeat(64)])
  assert.throws(() => normalizeGroups(['admin']), authError('INVALID_INPUT', /reserved/))
  for (const bad of [['x'.repeat(65)], [''], ['Editors'], ['a b'], ['a/b'], ['é'], [1], 'editors', null, Array.from({ length: 51 }, (_, i) => `g${i}`)]) {
    assert.throws(() => normalizeGroups(bad), invalid, JSON.stringify(bad))
  }
})

test('an email belongs to one user whatever its case, on creation and on change; clearing frees it; an admin-set email is verified', async (t) => {
  const core = await startCore(t)
  const admin = core.users.byUsername(ADMIN.username) as User
  const alice = await core.users.create(newUser('alice', { email: 'Alice@Example.com', fullName: 'Alice Liddell' }), context, admin)
  assert.deepEqual([alice.email, alice.emailVerified, alice.fullName], ['Alice@example.com', true, 'Alice Liddell'])

  const taken = authError('EMAIL_TAKEN', 'This email address belongs to another user.')
  await assert.rejects(core.users.create(newUser('bob', { email: 'alice@EXAMPLE.com' }), context, admin), taken)
  assert.equal(core.users.byUsername('bob'), null, 'nothing was created')
  const bob = await core.users.create(newUser('bob'), context, admin)
  assert.deepEqual([bob.email, bob.emailVerified, bob.fullName], [null, false, null])
  await assert.rejects(core.users.update(bob.id, { email: 'ALICE@example.COM' }, actorOf(admin)), taken)

  // The owner may change the case of their own address.
  const recased = await core.users.update(alice.id, { email: 'alice@example.com' }, actorOf(admin))
  assert.equal(recased.user.email, 'alice@example.com')
  const cleared = await core.users.update(alice.id, { email: null }, actorOf(admin))
  assert.deepEqual([cleared.user.email, cleared.user.emailVerified], [null, false])
  const moved = await core.users.update(bob.id, { email: 'Alice@example.com', fullName: 'Bob' }, actorOf(admin))
  assert.deepEqual([moved.user.email, moved.user.emailVerified, moved.user.fullName], ['Alice@example.com', true, 'Bob'])
  await assert.rejects(core.users.update(bob.id, { email: 'not-an-email' }, actorOf(admin)), invalid)
})

test('groups: set and replaced by an admin (audited), admin refused, gone with the user; a user cannot set their own profile', async (t) => {
  const core = await startCore(t)
  const admin = core.users.byUsername(ADMIN.username) as User
  const carol = await core.users.create(newUser('carol', { groups: ['editors', 'viewers'] }), context, admin)
  assert.deepEqual(core.users.groupsOf(carol), ['editors', 'viewers'])

  const set = core.users.setGroups(carol.id, ['ops', 'editors'], actorOf(admin))
  assert.deepEqual(set.groups, ['editors', 'ops'])
  assert.deepEqual(core.users.groupsOf(carol), ['editors', 'ops'])
  const events = core.audit.query({ types: ['user_groups_changed'] }, { skip: 0, limit: 10 }).events
  assert.equal(events.length, 1)
  assert.deepEqual(events[0]?.detail, { by: admin.id, groups: ['editors', 'ops'], added: ['ops'], removed: ['viewers'] })
  core.users.setGroups(carol.id, ['editors', 'ops'], actorOf(admin))
  assert.equal(core.audit.count({ types: ['user_groups_changed'] }), 1, 'no change, no event')

  await core.users.update(carol.id, { groups: [] }, actorOf(admin))
  assert.deepEqual(core.users.groupsOf(carol), [])
  assert.equal(core.audit.count({ types: ['user_groups_changed'] }), 2)
  assert.throws(() => core.users.setGroups(carol.id, ['admin'], actorOf(admin)), authError('INVALID_INPUT', /reserved/))
  await assert.rejects(core.users.update(carol.id, { groups: ['admin'] }, actorOf(admin)), authError('INVALID_INPUT', /reserved/))

  // Only an admin: not carol for herself, through the core (the Langflow route does not even read them).
  const self = core.users.byId(carol.id) as User
  for (const patch of [{ email: 'carol@example.com' }, { fullName: 'Carol' }, { groups: ['x'] }]) {
    await assert.rejects(core.users.update(carol.id, patch, actorOf(self)), authError('FORBIDDEN'), JSON.stringify(patch))
  }
  assert.throws(() => core.users.setGroups(carol.id, ['x'], actorOf(self)), authError('NOT_SUPERUSER'))

  core.users.setGroups(carol.id, ['ops'], actorOf(admin))
  core.users.remove(carol.id, actorOf(admin))
  assert.deepEqual(core.users.groupsOf(carol), [], 'the rows went with the user')
})

test('claimsOf: sub and groups always (admin for a superuser); profile adds preferred_username and name; email adds email and email_verified', async (t) => {
  const core = await startCore(t)
  const admin = core.users.byUsername(ADMIN.username) as User
  const dana = await core.users.create(newUser('dana', { email: 'dana@example.com', fullName: 'Dana Scully', groups: ['fbi'] }), context, admin)

  assert.deepEqual(core.users.claimsOf(dana, ['openid']), { sub: dana.id, groups: ['fbi'] })
  assert.deepEqual(core.users.claimsOf(dana, ['openid', 'profile']), { sub: dana.id, preferred_username: 'dana', name: 'Dana Scully', groups: ['fbi'] })
  assert.deepEqual(core.users.claimsOf(dana, ['openid', 'email']), { sub: dana.id, email: 'dana@example.com', email_verified: true, groups: ['fbi'] })
  assert.deepEqual(core.users.claimsOf(dana, ['openid', 'profile', 'email']), {
    sub: dana.id, preferred_username: 'dana', name: 'Dana Scully', email: 'dana@example.com', email_verified: true, groups: ['fbi'],
  })

  // Claims without a value are left out, not null (§5.3.2); a superuser is in 'admin' first.
  assert.deepEqual(core.users.claimsOf(admin, ['openid', 'profile', 'email']), { sub: admin.id, preferred_username: ADMIN.username, groups: ['admin'] })
  const { user: promoted } = await core.users.update(dana.id, { isSuperuser: true }, actorOf(admin))
  assert.deepEqual(core.users.claimsOf(promoted, []).groups, ['admin', 'fbi'])
})
