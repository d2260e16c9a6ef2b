// API keys over their life, over real HTTP: revoked by what signs a user out (a password reset or
// change, "sign everyone out" by rotation or revoke-all, for good across a restart), stopped while
// the owner is inactive, optionally expiring, listed and revoked by admins, capped per user and
// created at a bounded rate.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { call, login, manualClock, startServer, assertError } from '../../helpers.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR

async function newKey(url: string, token: string, json: Record<string, unknown> = { name: 'k' }) {
  const r = await call(url, 'POST', '/api/v1/api_key/', { token, json })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body as { id: string; api_key: string; expires_at: string | null }
}

const whoamiWith = (url: string, key: string) => call(url, 'GET', '/api/v1/users/whoami', { headers: { 'x-api-key': key } })

async function assertKeyWorks(url: string, key: string, what: string) {
  const r = await whoamiWith(url, key)
  assert.equal(r.status, 200, `${what}: ${JSON.stringify(r.body)}`)
}

async function assertKeyRefused(url: string, key: string, what: string) {
  const r = await whoamiWith(url, key)
  assert.equal(r.status, 401, `${what}: ${JSON.stringify(r.body)}`)
  assertError(r, 401, 'INVALID_API_KEY')
}

/** An active user (superuser if asked), signed in. */
async function user(url: string, adminToken: string, username: string, superuser = false) {
  const password = `${username}-password-1`
  const r = await call(url, 'POST', '/api/v1/admin/users', { token: adminToken, json: { username, password, is_superuser: superuser } })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  return { id: r.body.user.id as string, password, tokens: await login(url, username, password) }
}

const auditOf = async (url: string, token: string, type: string) =>
  (await call(url, 'GET', `/api/v1/admin/audit?type=${type}&limit=100`, { token })).body.events as { user_id: string; detail: Record<string, unknown> }[]

// --- item 7: revocation ---

test("an admin's password reset revokes the user's API keys and says how many; other users' keys live on", async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const vera = await user(url, admin.access, 'vera')
  const keys = [await newKey(url, vera.tokens.access), await newKey(url, vera.tokens.access)]
  const adminKey = await newKey(url, admin.access)
  for (const k of keys) await assertKeyWorks(url, k.api_key, 'before the reset')

  const r = await call(url, 'PATCH', `/api/v1/admin/users/${vera.id}`, { token: admin.access, json: { password: 'vera-new-password-2' } })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  assert.equal(r.body.revoked_api_keys, 2)
  assert.equal(r.body.revoked_sessions.length, 1)
  for (const k of keys) await assertKeyRefused(url, k.api_key, 'after the reset')
  await assertKeyWorks(url, adminKey.api_key, "another user's key")
  const listed = await call(url, 'GET', '/api/v1/api_key/', { token: (await login(url, 'vera', 'vera-new-password-2')).access })
  assert.equal(listed.body.total_count, 0)

  const events = await auditOf(url, admin.access, 'api_key_revoked')
  assert.deepEqual(events.map((e) => e.detail.apiKeyId).sort(), keys.map((k) => k.id).sort())
  for (const e of events) assert.deepEqual([e.user_id, e.detail.reason], [vera.id, 'password_changed'])

  // Langflow's own route (a superuser's PATCH /users/{id} with a password) revokes them too.
  const again = await newKey(url, (await login(url, 'vera', 'vera-new-password-2')).access)
  assert.equal((await call(url, 'PATCH', `/api/v1/users/${vera.id}`, { token: admin.access, json: { password: 'vera-third-password-3' } })).status, 200)
  await assertKeyRefused(url, again.api_key, 'after a Langflow-route reset')
  // A change that is not the password keeps them.
  const kept = await newKey(url, (await login(url, 'vera', 'vera-third-password-3')).access)
  const renamed = await call(url, 'PATCH', `/api/v1/admin/users/${vera.id}`, { token: admin.access, json: { username: 'vera2' } })
  assert.equal(renamed.body.revoked_api_keys, 0)
  await assertKeyWorks(url, kept.api_key, 'after a rename')
})

test("a user's own password change revokes their API keys; their session stays signed in", async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const vera = await user(url, admin.access, 'vera')
  const key = await newKey(url, vera.tokens.access)
  const r = await call(url, 'PATCH', `/api/v1/users/${vera.id}/reset-password`, {
    token: vera.tokens.access, json: { current_password: vera.password, password: 'vera-new-password-2' },
  })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  await assertKeyRefused(url, key.api_key, 'after the change')
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: vera.tokens.access })).status, 200)
  const changed = await auditOf(url, admin.access, 'password_changed')
  assert.equal(changed[0]?.detail.revokedApiKeys, 1)
})

test('deactivating a user stops their API keys (and stops their revocation streams)', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const bea = await user(url, admin.access, 'bea', true)
  const key = await newKey(url, bea.tokens.access)
  assert.equal((await call(url, 'PATCH', `/api/v1/admin/users/${bea.id}`, { token: admin.access, json: { is_active: false } })).status, 200)
  assert.equal((await whoamiWith(url, key.api_key)).status, 401)
  assert.equal((await call(url, 'GET', '/api/v1/admin/overview', { headers: { 'x-api-key': key.api_key } })).status, 401)
})

test('"regenerate keys and sign everyone out" revokes every API key, for good across a restart', async (t) => {
  const first = await startServer(t)
  const admin = await login(first.url)
  const vera = await user(first.url, admin.access, 'vera')
  const keys = [await newKey(first.url, admin.access), await newKey(first.url, vera.tokens.access)]

  // A plain rotation signs nobody out and revokes no key.
  const plain = await call(first.url, 'POST', '/api/v1/admin/keys/rotate', { token: admin.access })
  assert.equal(plain.status, 201)
  assert.equal(plain.body.revoked_api_keys, 0)
  for (const k of keys) await assertKeyWorks(first.url, k.api_key, 'after a plain rotation')

  const r = await call(first.url, 'POST', '/api/v1/admin/keys/rotate', { headers: { 'x-api-key': keys[0]?.api_key ?? '' }, json: { revoke_sessions: true, confirm: 'revoke-all' } })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  assert.equal(r.body.revoked_api_keys, 2)
  for (const k of keys) await assertKeyRefused(first.url, k.api_key, 'after signing everyone out')
  await first.close()

  const second = await startServer(t, { configDir: first.configDir })
  for (const k of keys) await assertKeyRefused(second.url, k.api_key, 'after the restart')
  assert.equal((await call(second.url, 'GET', '/api/v1/admin/overview', { headers: { 'x-api-key': keys[0]?.api_key ?? '' } })).status, 401)
})

test('revoke-all signs every session out and revokes every API key, and says how many', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const vera = await user(url, admin.access, 'vera')
  const keys = [await newKey(url, admin.access), await newKey(url, vera.tokens.access), await newKey(url, vera.tokens.access)]
  const r = await call(url, 'POST', '/api/v1/admin/sessions/revoke-all', { token: admin.access, json: { confirm: 'revoke-all' } })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  assert.deepEqual(r.body, { revoked_count: 2, revoked_api_keys: 3 })
  for (const k of keys) await assertKeyRefused(url, k.api_key, 'after revoke-all')
  const fresh = await login(url)
  const events = await auditOf(url, fresh.access, 'api_key_revoked')
  assert.equal(events.length, 3)
  for (const e of events) assert.equal(e.detail.reason, 'sign_everyone_out')
})

// --- item 7: expiry ---

test('a key may expire: expires_at is kept and shown, and once it passes the key gets 401 API_KEY_EXPIRED', async (t) => {
  const clock = manualClock()
  const { url } = await startServer(t, { clock })
  const admin = await login(url)
  const at = new Date(clock.now() + HOUR).toISOString()
  const key = await newKey(url, admin.access, { name: 'ci', expires_at: at })
  assert.equal(key.expires_at, at)
  const forever = await newKey(url, admin.access, { name: 'forever' })
  assert.equal(forever.expires_at, null, "Langflow's keys never expire")
  await assertKeyWorks(url, key.api_key, 'before expiry')
  const listed = (await call(url, 'GET', '/api/v1/api_key/', { token: admin.access })).body.api_keys as { id: string; expires_at: string | null }[]
  assert.equal(listed.find((k) => k.id === key.id)?.expires_at, at)

  clock.advance(HOUR)
  const refused = await whoamiWith(url, key.api_key)
  assertError(refused, 401, 'API_KEY_EXPIRED')
  assert.equal((await call(url, 'GET', '/api/v1/auth/verify', { headers: { 'x-api-key': key.api_key } })).status, 401, 'forward auth refuses it too')
  await assertKeyWorks(url, forever.api_key, 'an unexpiring key')
  const uses = (await call(url, 'GET', '/api/v1/api_key/', { token: (await login(url)).access })).body.api_keys.find((k: { id: string }) => k.id === key.id)
  assert.equal(uses.total_uses, 1, 'a refused use is not counted')
})

test('expires_at must be an ISO 8601 time in the future and at most 365 days ahead', async (t) => {
  const clock = manualClock()
  const { url } = await startServer(t, { clock })
  const admin = await login(url)
  const create = (expires_at: unknown) => call(url, 'POST', '/api/v1/api_key/', { token: admin.access, json: { name: 'x', expires_at } })
  for (const bad of ['tomorrow', '2026-02-30T00:00:00Z', 12345, true, {}, new Date(clock.now() - 1000).toISOString(), new Date(clock.now()).toISOString()]) {
    assertError(await create(bad), 422, 'INVALID_INPUT', /expires_at/)
  }
  assertError(await create(new Date(clock.now() + 366 * DAY).toISOString()), 422, 'INVALID_INPUT', /365 days/)
  assert.equal((await create(new Date(clock.now() + 365 * DAY).toISOString())).status, 200)
  assert.equal((await create(null)).body.expires_at, null)
  assert.equal((await call(url, 'GET', '/api/v1/api_key/', { token: admin.access })).body.total_count, 2, 'refused requests made no key')
})

// --- item 7: the admin API ---

test("admins list every user's keys (never the key) by user and page, and revoke any one of them", async (t) => {
  const clock = manualClock()
  const { url } = await startServer(t, { clock })
  const admin = await login(url)
  const vera = await user(url, admin.access, 'vera')
  const mine = await newKey(url, admin.access, { name: 'admin-key' })
  clock.advance(1000)
  const hers = [await newKey(url, vera.tokens.access, { name: 'v1', expires_at: new Date(clock.now() + HOUR).toISOString() })]
  clock.advance(1000)
  hers.push(await newKey(url, vera.tokens.access, { name: 'v2' }))
  await assertKeyWorks(url, hers[1]?.api_key ?? '', 'used once')

  const all = await call(url, 'GET', '/api/v1/admin/api-keys', { token: admin.access })
  assert.equal(all.status, 200, JSON.stringify(all.body))
  assert.equal(all.body.total_count, 3)
  assert.deepEqual(all.body.api_keys.map((k: { name: string }) => k.name), ['admin-key', 'v1', 'v2'], 'oldest first')
  const v2 = all.body.api_keys[2]
  assert.deepEqual(Object.keys(v2).sort(), ['created_at', 'expired', 'expires_at', 'id', 'last_used_at', 'name', 'prefix', 'total_uses', 'user_id', 'username'])
  assert.deepEqual([v2.user_id, v2.username, v2.total_uses, v2.expired, v2.prefix], [vera.id, 'vera', 1, false, hers[1]?.api_key.slice(0, 8)])
  assert.equal(typeof v2.last_used_at, 'string')
  assert.equal(all.body.api_keys[1].expires_at, hers[0]?.expires_at)
  const text = JSON.stringify(all.body)
  for (const k of [mine, ...hers]) assert.ok(!text.includes(k.api_key.slice(8)), 'no key, nor its secret part, is listed')

  const veras = await call(url, 'GET', `/api/v1/admin/api-keys?user_id=${vera.id}&skip=1&limit=1`, { token: admin.access })
  assert.equal(veras.body.total_count, 2)
  assert.deepEqual(veras.body.api_keys.map((k: { name: string }) => k.name), ['v2'])
  clock.advance(HOUR)
  const later = await call(url, 'GET', `/api/v1/admin/api-keys?user_id=${vera.id}`, { token: (await login(url)).access })
  assert.equal(later.body.api_keys[0].expired, true)

  const token = (await login(url)).access
  const revoked = await call(url, 'DELETE', `/api/v1/admin/api-keys/${hers[1]?.id}`, { token })
  assert.equal(revoked.status, 200, JSON.stringify(revoked.body))
  assert.deepEqual(revoked.body, { revoked_api_keys: 1 })
  await assertKeyRefused(url, hers[1]?.api_key ?? '', 'revoked by an admin')
  await assertKeyWorks(url, mine.api_key, 'the others live on')
  assertError(await call(url, 'DELETE', `/api/v1/admin/api-keys/${hers[1]?.id}`, { token }), 400, 'API_KEY_NOT_FOUND')
  const events = await auditOf(url, token, 'api_key_revoked')
  assert.deepEqual(events.map((e) => [e.user_id, e.detail.apiKeyId, e.detail.reason]), [[vera.id, hers[1]?.id, 'admin']])
  assert.equal((await auditOf(url, token, 'api_key_created')).length, 3)

  // Superusers only, by token or key; never a user's own key.
  const veraToken = (await login(url, 'vera', vera.password)).access
  assertError(await call(url, 'GET', '/api/v1/admin/api-keys', { token: veraToken }), 403, 'NOT_SUPERUSER')
  assertError(await call(url, 'DELETE', `/api/v1/admin/api-keys/${mine.id}`, { token: veraToken }), 403, 'NOT_SUPERUSER')
  assertError(await call(url, 'GET', '/api/v1/admin/api-keys'), 401, 'NOT_AUTHENTICATED')
  assert.equal((await call(url, 'GET', '/api/v1/admin/api-keys', { headers: { 'x-api-key': mine.api_key } })).status, 200)
  assert.equal((await call(url, 'GET', '/api/v1/admin/api-keys?limit=1001', { token })).status, 200, 'served as the largest page')
})

// --- item 13: a cap and a rate ---

test('creating keys: a burst of 10 per user, then 429 with Retry-After until the bucket refills; other users unaffected', async (t) => {
  const clock = manualClock()
  const { url } = await startServer(t, { clock })
  const admin = await login(url)
  const vera = await user(url, admin.access, 'vera')
  for (let i = 0; i < 10; i++) await newKey(url, vera.tokens.access, { name: `k${i}` })
  const refused = await call(url, 'POST', '/api/v1/api_key/', { token: vera.tokens.access, json: { name: 'one-more' } })
  assertError(refused, 429, 'API_KEY_RATE_LIMITED')
  const wait = Number(refused.headers.get('retry-after'))
  assert.ok(Number.isInteger(wait) && wait > 0 && wait <= 60, `Retry-After: ${wait}`)
  await newKey(url, admin.access, { name: 'someone else' })

  clock.advance((wait - 1) * 1000)
  assertError(await call(url, 'POST', '/api/v1/api_key/', { token: vera.tokens.access, json: {} }), 429, 'API_KEY_RATE_LIMITED')
  clock.advance(1000)
  await newKey(url, vera.tokens.access, { name: 'after the wait' })
  assertError(await call(url, 'POST', '/api/v1/api_key/', { token: vera.tokens.access, json: {} }), 429, 'API_KEY_RATE_LIMITED')
  assert.equal((await call(url, 'GET', '/api/v1/api_key/', { token: vera.tokens.access })).body.total_count, 11)
})

test('at most 100 keys per user: the 101st is refused with 409 TOO_MANY_API_KEYS until one is deleted', async (t) => {
  const clock = manualClock()
  const { url } = await startServer(t, { clock })
  const admin = await login(url)
  let last = ''
  for (let i = 0; i < 100; i++) {
    if (i % 10 === 0) clock.advance(200_000) // a full bucket again: 10 keys at 3 a minute
    last = (await newKey(url, admin.access, { name: `k${i}` })).id
  }
  clock.advance(200_000)
  const refused = await call(url, 'POST', '/api/v1/api_key/', { token: admin.access, json: { name: 'k100' } })
  assertError(refused, 409, 'TOO_MANY_API_KEYS', /at most 100/)
  assert.equal((await call(url, 'DELETE', `/api/v1/api_key/${last}`, { token: admin.access })).status, 200)
  await newKey(url, admin.access, { name: 'k100' })
  assert.equal((await call(url, 'GET', '/api/v1/api_key/', { token: admin.access })).body.total_count, 100)
})
