// The /api_key routes over real HTTP: a key shown once at creation, masked in the list, counted
// on each use, read from the x-api-key header only and only after the Bearer token, deletable by
// its owner alone, no better than its owner's account, and stored as a hash.

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { ADMIN, call, login, startServer, assertError } from '../../helpers.ts'

const API_KEY_READ_KEYS = ['api_key', 'created_at', 'expires_at', 'id', 'is_active', 'last_used_at', 'name', 'total_uses', 'user_id']
const KEY_LENGTH = 46

const createKey = async (url: string, token: string, name?: string) => {
  const r = await call(url, 'POST', '/api/v1/api_key/', { token, json: name === undefined ? {} : { name } })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body
}
const listKeys = (url: string, token: string) => call(url, 'GET', '/api/v1/api_key/', { token })
const whoamiWithKey = (url: string, key: string, extra: Record<string, string> = {}) =>
  call(url, 'GET', '/api/v1/users/whoami', { headers: { 'x-api-key': key, ...extra } })

/** A second, active, non-superuser account and its access token. */
async function otherUser(url: string, adminToken: string, username = 'vera') {
  const password = `${username}-password`
  const created = await call(url, 'POST', '/api/v1/users/', { token: adminToken, json: { username, password } })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  const activated = await call(url, 'PATCH', `/api/v1/users/${created.body.id}`, { token: adminToken, json: { is_active: true } })
  assert.equal(activated.status, 200, JSON.stringify(activated.body))
  return { id: created.body.id as string, token: (await login(url, username, password)).access }
}

test('creating a key answers 200 (not 201) with the full key: "sk-" and 46 characters, shown this once', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const adminId = (await call(url, 'GET', '/api/v1/users/whoami', { token: admin.access })).body.id

  const r = await call(url, 'POST', '/api/v1/api_key/', { token: admin.access, json: { name: 'ci' } })
  assert.equal(r.status, 200)
  assert.deepEqual(Object.keys(r.body).sort(), API_KEY_READ_KEYS)
  assert.equal(r.body.name, 'ci')
  assert.match(r.body.api_key, /^sk-[A-Za-z0-9_-]{43}$/)
  assert.equal(r.body.api_key.length, KEY_LENGTH)
  assert.equal(r.body.user_id, adminId)
  assert.equal(r.body.total_uses, 0)
  assert.equal(r.body.last_used_at, null)
  assert.equal(r.body.is_active, true)
  assert.equal(new Date(r.body.created_at).toISOString(), r.body.created_at)

  const unnamed = await createKey(url, admin.access)
  assert.equal(unnamed.name, null)
  assert.notEqual(unnamed.api_key, r.body.api_key)
  assert.notEqual(unnamed.id, r.body.id)

  assertError(await call(url, 'POST', '/api/v1/api_key/', { token: admin.access, json: { name: 42 } }), 422, 'INVALID_INPUT', undefined)
  assertError(await call(url, 'POST', '/api/v1/api_key/', { token: admin.access, json: { name: 'x'.repeat(201) } }), 422)
  assertError(await call(url, 'POST', '/api/v1/api_key/', { json: { name: 'anonymous' } }), 401)
  assert.equal((await listKeys(url, admin.access)).body.total_count, 2, 'the refused creations made no key')
})

test('the list masks every key: its first 8 characters, then "*" to 46; each user sees only their own', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const adminId = (await call(url, 'GET', '/api/v1/users/whoami', { token: admin.access })).body.id
  const created = [await createKey(url, admin.access, 'one'), await createKey(url, admin.access, 'two')]

  const r = await listKeys(url, admin.access)
  assert.equal(r.status, 200)
  assert.deepEqual(Object.keys(r.body).sort(), ['api_keys', 'total_count', 'user_id'])
  assert.equal(r.body.total_count, 2)
  assert.equal(r.body.user_id, adminId)
  assert.deepEqual(r.body.api_keys.map((k: { id: string }) => k.id).sort(), created.map((k) => k.id).sort())
  for (const listed of r.body.api_keys) {
    const original = created.find((k) => k.id === listed.id)
    assert.deepEqual(Object.keys(listed).sort(), API_KEY_READ_KEYS)
    assert.equal(listed.api_key, original.api_key.slice(0, 8) + '*'.repeat(KEY_LENGTH - 8))
    assert.equal(listed.api_key.length, KEY_LENGTH)
    assert.deepEqual({ ...listed, api_key: original.api_key }, original, 'every other field as at creation')
  }
  const text = JSON.stringify(r.body)
  for (const k of created) {
    assert.ok(!text.includes(k.api_key), 'the full key never appears again')
    assert.ok(!text.includes(k.api_key.slice(8)), 'nor its secret part')
  }

  const vera = await otherUser(url, admin.access)
  const theirs = await listKeys(url, vera.token)
  assert.deepEqual(theirs.body, { total_count: 0, user_id: vera.id, api_keys: [] })
  assertError(await call(url, 'GET', '/api/v1/api_key/'), 401)
})

test('a key authenticates as its owner, with the owner\'s rights, and each use is counted', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const vera = await otherUser(url, admin.access)
  const key = (await createKey(url, vera.token, 'vera-key')).api_key

  const first = await whoamiWithKey(url, key)
  assert.equal(first.status, 200)
  assert.equal(first.body.id, vera.id)
  assert.equal(first.body.username, 'vera')
  assert.equal((await whoamiWithKey(url, key)).status, 200)
  // A non-superuser's key opens no superuser route.
  assertError(await call(url, 'GET', '/api/v1/users/', { headers: { 'x-api-key': key } }), 403, 'NOT_SUPERUSER', undefined)

  const listed = (await listKeys(url, vera.token)).body.api_keys[0]
  assert.equal(listed.total_uses, 3)
  assert.equal(typeof listed.last_used_at, 'string')
  assert.equal(new Date(listed.last_used_at).toISOString(), listed.last_used_at)
  assert.ok(Date.parse(listed.last_used_at) >= Date.parse(listed.created_at))

  // Wrong keys: a 401 in JSON, and no use counted.
  const wrong = 'sk-' + 'A'.repeat(43)
  for (const bad of [wrong, key.slice(0, -1), key + 'x', key.toUpperCase(), 'x'.repeat(1000)]) {
    if (bad === key) continue
    assertError(await whoamiWithKey(url, bad), 401, 'INVALID_API_KEY', 'Invalid API key')
  }
  assert.equal((await listKeys(url, vera.token)).body.api_keys[0].total_uses, 3)
})

test('a key is read from ?x-api-key= as Langflow reads it, on the fast path and Express alike; nothing else in the query is a credential', async (t) => {
  const { url, logs } = await startServer(t)
  const admin = await login(url)
  const key = (await createKey(url, admin.access, 'query')).api_key
  const q = `x-api-key=${encodeURIComponent(key)}`
  assert.equal((await call(url, 'GET', `/api/v1/users/whoami?${q}`)).body.username, ADMIN.username)
  assert.equal((await call(url, 'GET', `/api/v1/api_key/?${q}`)).status, 200, 'an Express route')
  assert.equal((await call(url, 'GET', `/api/v1/auth/verify?${q}`)).status, 200, 'forward auth')
  assert.equal((await listKeys(url, admin.access)).body.api_keys[0].total_uses, 3)
  // Langflow's `api_key` query is for its WebSockets only; a token in the query is never taken.
  assertError(await call(url, 'GET', `/api/v1/users/whoami?api_key=${encodeURIComponent(key)}`), 401, 'NOT_AUTHENTICATED', undefined)
  assertError(await call(url, 'GET', `/api/v1/users/whoami?x-api-key=${admin.access}`), 401, 'INVALID_API_KEY', undefined)
  assertError(await call(url, 'GET', `/api/v1/users/whoami?${q}&${q}`), 401, 'NOT_AUTHENTICATED', undefined)
  // A failing request with the key in its query: the logs name the path, never the key.
  await call(url, 'GET', `/api/v1/admin/nothing-here?${q}`)
  assert.ok(!logs.some((l) => l.includes(key)), 'the key is in no log line')
})

test('credential order: a bad Bearer token is not replaced by a valid key; a valid Bearer wins over a bad key', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const vera = await otherUser(url, admin.access)
  const key = (await createKey(url, vera.token, 'order')).api_key

  for (const token of ['not-a-jwt', admin.access.slice(0, -4) + 'AAAA', admin.refresh]) {
    const r = await call(url, 'GET', '/api/v1/users/whoami', { token, headers: { 'x-api-key': key } })
    assertError(r, 401)
    assert.notEqual(r.body.code, 'INVALID_API_KEY', 'the token was judged, not the key')
  }
  // A bad access cookie is a presented token too.
  assertError(await whoamiWithKey(url, key, { cookie: 'access_token_lf=not-a-jwt' }), 401)

  const bearerFirst = await call(url, 'GET', '/api/v1/users/whoami', { token: admin.access, headers: { 'x-api-key': 'sk-' + 'B'.repeat(43) } })
  assert.equal(bearerFirst.status, 200)
  assert.equal(bearerFirst.body.username, ADMIN.username)
  // With both valid, the Bearer token decides who the caller is, and the key is not even used.
  const both = await call(url, 'GET', '/api/v1/users/whoami', { token: admin.access, headers: { 'x-api-key': key } })
  assert.equal(both.body.username, ADMIN.username)
  assert.equal((await listKeys(url, vera.token)).body.api_keys[0].total_uses, 0)
})

test('deleting: one\'s own key → 200 and it stops working; another user\'s or an unknown id → 400 and nothing changes', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const vera = await otherUser(url, admin.access)
  const veraKey = await createKey(url, vera.token, 'vera')
  const adminKey = await createKey(url, admin.access, 'admin')
  const remove = (token: string, id: string) => call(url, 'DELETE', `/api/v1/api_key/${id}`, { token })

  // Not even a superuser deletes someone else's key here (Langflow PR #11196).
  assertError(await remove(admin.access, veraKey.id), 400, 'API_KEY_NOT_FOUND', 'API Key not found')
  assertError(await remove(vera.token, adminKey.id), 400, undefined, 'API Key not found')
  assertError(await remove(vera.token, '00000000-0000-0000-0000-000000000000'), 400, undefined, 'API Key not found')
  assertError(await call(url, 'DELETE', `/api/v1/api_key/${veraKey.id}`), 401)
  assert.equal((await whoamiWithKey(url, veraKey.api_key)).body.username, 'vera')
  assert.equal((await whoamiWithKey(url, adminKey.api_key)).body.username, ADMIN.username)

  const r = await remove(vera.token, veraKey.id)
  assert.equal(r.status, 200)
  assert.deepEqual(r.body, { detail: 'API Key deleted' })
  assertError(await whoamiWithKey(url, veraKey.api_key), 401, undefined, 'Invalid API key')
  assert.deepEqual((await listKeys(url, vera.token)).body.api_keys, [])
  assertError(await remove(vera.token, veraKey.id), 400, undefined, 'API Key not found')
  assert.equal((await whoamiWithKey(url, adminKey.api_key)).status, 200, 'other keys are untouched')
})

test('a key is no better than its owner: it stops while the owner is inactive and works again after', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const vera = await otherUser(url, admin.access)
  const key = (await createKey(url, vera.token, 'vera')).api_key
  const setActive = (isActive: boolean) => call(url, 'PATCH', `/api/v1/users/${vera.id}`, { token: admin.access, json: { is_active: isActive } })

  assert.equal((await setActive(false)).status, 200)
  assertError(await whoamiWithKey(url, key), 401)
  assert.equal((await setActive(true)).status, 200)
  assert.equal((await whoamiWithKey(url, key)).body.id, vera.id)
})

test('only a hash of the key is stored', async (t) => {
  const { url, configDir } = await startServer(t)
  const admin = await login(url)
  const keys = [await createKey(url, admin.access, 'stored-1'), await createKey(url, admin.access, 'stored-2')]
  assert.equal((await whoamiWithKey(url, keys[0]?.api_key)).status, 200)

  const db = new Database(join(configDir, 'authdock.db'), { readonly: true })
  t.after(() => db.close())
  const rows = db.prepare('SELECT * FROM api_keys').all() as Record<string, unknown>[]
  assert.deepEqual(rows.map((row) => row.id).sort(), keys.map((k) => k.id).sort())
  for (const row of rows) {
    for (const value of Object.values(row)) {
      for (const k of keys) {
        const secret = k.api_key.slice(8) // everything past the shown prefix
        assert.ok(!String(value).includes(k.api_key), 'the full key is in no column')
        assert.ok(!String(value).includes(secret), 'neither is its secret part')
      }
    }
  }
})
