// Admin key ring over real HTTP: the key list and its live-session counts, rotation under traffic, retirement, the emergency rotation, algorithm switches, env pins, and importing an admin's own key.

import assert from 'node:assert/strict'
import { createHash, createHmac, createPublicKey, createSecretKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { SignJWT } from 'jose'
import { call, decodeJwt, login, manualClock, startServer, testEnv, assertError } from '../../helpers.ts'
import type { Tokens } from '../../helpers.ts'

const KEY_KEYS = ['activated_at', 'alg', 'created_at', 'deactivated_at', 'fingerprint', 'kid', 'live_sessions', 'retire_after', 'retired_at', 'source', 'state']
const FINGERPRINT = /^SHA256:(?:[0-9a-f]{2}:){31}[0-9a-f]{2}$/

interface KeyView {
  kid: string
  alg: string
  state: string
  source: string
  fingerprint: string
  created_at: string
  activated_at: string | null
  deactivated_at: string | null
  retire_after: string | null
  retired_at: string | null
  live_sessions: number
}

const whoami = (url: string, token: string) => call(url, 'GET', '/api/v1/users/whoami', { token })
const kidOf = (tokens: Tokens | string): string => decodeJwt(typeof tokens === 'string' ? tokens : tokens.access).header.kid as string
const iso = (ms: number): string => new Date(ms).toISOString()

async function keyList(url: string, token: string) {
  const r = await call(url, 'GET', '/api/v1/admin/keys', { token })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  const byKid = new Map<string, KeyView>(r.body.keys.map((k: KeyView) => [k.kid, k]))
  return { body: r.body, byKid, key: (kid: string) => byKid.get(kid) as KeyView }
}

const jwksKids = async (url: string): Promise<string[]> =>
  (await call(url, 'GET', '/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid).sort()

const rotate = (url: string, token: string, json?: unknown) => call(url, 'POST', '/api/v1/admin/keys/rotate', { token, json })
const importKey = (url: string, token: string, json: unknown) => call(url, 'POST', '/api/v1/admin/keys/import', { token, json })

function rsaPair(bits = 2048) {
  return generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  })
}

test('the key list: fields, fingerprints, retire_after of a demoted key, and live sessions moving with logins and refreshes', async (t) => {
  const clock = manualClock(Date.parse('2026-03-01T08:00:00Z'))
  const startedAt = clock.now()
  const { url } = await startServer(t, { clock })
  const admin = await login(url)
  const bob = await login(url)
  const k1 = kidOf(admin)

  let ring = await keyList(url, admin.access)
  assert.deepEqual(Object.keys(ring.body).sort(), ['active_kid', 'algorithm', 'jwks_uri', 'keys', 'pinned'])
  assert.equal(ring.body.algorithm, 'HS256')
  assert.equal(ring.body.active_kid, k1)
  assert.equal(ring.body.jwks_uri, '/.well-known/jwks.json')
  assert.deepEqual(ring.body.pinned, { algorithm: null, keys: { HS256: null, RS256: null, RS512: null } })
  assert.equal(ring.body.keys.length, 1)
  assert.deepEqual(Object.keys(ring.key(k1)).sort(), KEY_KEYS)
  assert.deepEqual(ring.key(k1), {
    kid: k1, alg: 'HS256', state: 'active', source: 'generated', fingerprint: ring.key(k1).fingerprint,
    created_at: iso(startedAt), activated_at: iso(startedAt), deactivated_at: null, retire_after: null, retired_at: null, live_sessions: 2,
  })
  assert.match(ring.key(k1).fingerprint, FINGERPRINT)

  clock.advance(60_000)
  const rotatedAt = clock.now()
  const r = await rotate(url, admin.access)
  assert.equal(r.status, 201, JSON.stringify(r.body))
  const k2 = r.body.key.kid as string
  assert.notEqual(k2, k1)
  assert.deepEqual({ ...r.body, key: undefined }, { key: undefined, revoked_count: 0, revoked_api_keys: 0, retired_kids: [] })
  assert.deepEqual([r.body.key.state, r.body.key.live_sessions, r.body.key.created_at], ['active', 0, iso(rotatedAt)])

  ring = await keyList(url, admin.access)
  assert.equal(ring.body.active_kid, k2)
  assert.equal(ring.key(k1).state, 'verify-only')
  assert.equal(ring.key(k1).deactivated_at, iso(rotatedAt))
  assert.equal(ring.key(k1).retire_after, iso(rotatedAt + 3600_000), 'kept for one access-token lifetime')
  assert.equal(ring.key(k1).live_sessions, 2)
  assert.equal(ring.key(k2).live_sessions, 0)
  assert.notEqual(ring.key(k1).fingerprint, ring.key(k2).fingerprint)

  // A login lands on the new key; a refresh moves a session over; a logout takes one off.
  const carol = await login(url)
  assert.equal(kidOf(carol), k2)
  const refreshed = await call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: bob.refresh } })
  assert.equal(kidOf(refreshed.body.access_token), k2)
  ring = await keyList(url, admin.access)
  assert.deepEqual([ring.key(k1).live_sessions, ring.key(k2).live_sessions], [1, 2])
  await call(url, 'POST', '/api/v1/logout', { token: carol.access })
  ring = await keyList(url, admin.access)
  assert.deepEqual([ring.key(k1).live_sessions, ring.key(k2).live_sessions], [1, 1])
})

test('rotation under traffic: no request fails, tokens signed before and after every rotation verify', async (t) => {
  const { url } = await startServer(t, { env: testEnv({ LANGFLOW_ALGORITHM: 'RS256' }) })
  const admin = await login(url)
  const tokens: string[] = [admin.access, (await login(url)).access, (await login(url)).access]
  const statuses: number[] = []
  let rotating = true
  const traffic = (async () => {
    while (rotating) {
      const replies = await Promise.all(tokens.map((token) => whoami(url, token)))
      statuses.push(...replies.map((r) => r.status))
    }
  })()
  const kids = new Set([kidOf(admin.access)])
  for (let i = 0; i < 3; i++) {
    const r = await rotate(url, admin.access)
    assert.equal(r.status, 201, JSON.stringify(r.body))
    kids.add(r.body.key.kid)
    const fresh = await login(url)
    assert.equal(kidOf(fresh), r.body.key.kid, 'the new key signs at once')
    tokens.push(fresh.access)
  }
  rotating = false
  await traffic
  assert.ok(statuses.length >= tokens.length, 'the traffic ran during the rotations')
  assert.deepEqual(statuses.filter((s) => s !== 200), [], 'no request failed')
  assert.equal(kids.size, 4)
  for (const token of tokens) assert.equal((await whoami(url, token)).status, 200)
  assert.deepEqual(await jwksKids(url), [...kids].sort(), 'every key that still verifies is published')
})

test("a verify-only key is retired once its tokens have expired: its kid is then unknown and leaves the JWKS; the session carries on", async (t) => {
  const clock = manualClock(Date.parse('2026-03-01T08:00:00Z'))
  const { url, server } = await startServer(t, { clock, env: testEnv({ LANGFLOW_ALGORITHM: 'RS256' }) })
  const before = await login(url)
  const k1 = kidOf(before)
  const r = await rotate(url, before.access)
  const k2 = r.body.key.kid as string
  assert.deepEqual(await jwksKids(url), [k1, k2].sort())

  clock.advance(3599_000)
  assert.deepEqual(server.core.keys.retireDue(), [], 'not before the access lifetime is over')
  assert.equal((await whoami(url, before.access)).status, 200)

  clock.advance(2_000)
  assertError(await whoami(url, before.access), 401, 'TOKEN_EXPIRED') // the key is still known: the token is merely old
  assert.deepEqual(server.core.keys.retireDue(), [k1])
  assertError(await whoami(url, before.access), 401, 'INVALID_TOKEN') // its kid is unknown now
  assert.deepEqual(await jwksKids(url), [k2])

  // Nobody was logged out: the session's refresh token still works, on the new key.
  const refreshed = await call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: before.refresh } })
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body))
  assert.equal(kidOf(refreshed.body.access_token), k2)
  const ring = await keyList(url, refreshed.body.access_token)
  assert.equal(ring.key(k1).state, 'retired')
  assert.equal(ring.key(k1).retired_at, iso(clock.now()))
  assert.equal(ring.key(k1).live_sessions, 0)
  assert.equal(ring.key(k2).live_sessions, 1)
})

test('lowering the access lifetime before a rotation does not retire the old key while its tokens are still valid', async (t) => {
  const clock = manualClock(Date.parse('2026-03-01T08:00:00Z'))
  const { url, server } = await startServer(t, { clock })
  const admin = await login(url) // exp = now + 3600 s
  const patched = await call(url, 'PATCH', '/api/v1/admin/settings', { token: admin.access, json: { access_token_expire_seconds: 900 } })
  assert.equal(patched.status, 200)
  assert.equal((await rotate(url, admin.access)).status, 201)
  clock.advance(901_000)
  server.core.keys.retireDue()
  assert.equal((await whoami(url, admin.access)).status, 200, 'a token with 45 minutes left was cut off: a logout by rotation')
})

test('the emergency rotation needs the typed confirmation; with it every session ends and older keys stop verifying, forged tokens too', async (t) => {
  const { url, server, configDir } = await startServer(t)
  const admin = await login(url)
  const other = await login(url)
  const k1 = kidOf(admin)
  const k1Secret = readFileSync(join(configDir, 'secret_key'), 'utf8').trim()
  const k2 = (await rotate(url, admin.access)).body.key.kid as string
  const ringBefore = server.core.keys.list().map((k) => `${k.kid}:${k.state}`)

  for (const json of [{ revoke_sessions: true }, { revoke_sessions: true, confirm: 'yes' }, { revoke_sessions: true, confirm: 'Revoke-All' }]) {
    const r = await rotate(url, admin.access, json)
    assertError(r, 400, 'CONFIRMATION_REQUIRED', /"confirm": "revoke-all"/)
  }
  // Anything but a boolean is refused, not taken for a plain rotation that signs no one out.
  for (const revoke of ['true', 1, 'yes']) {
    assertError(await rotate(url, admin.access, { revoke_sessions: revoke, confirm: 'revoke-all' }), 422, 'INVALID_INPUT', /revoke_sessions must be true or false/)
  }
  assert.deepEqual(server.core.keys.list().map((k) => `${k.kid}:${k.state}`), ringBefore, 'no key changed')
  for (const s of [admin, other]) assert.equal((await whoami(url, s.access)).status, 200, 'no one was signed out')

  const r = await rotate(url, admin.access, { revoke_sessions: true, confirm: 'revoke-all' })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  const k3 = r.body.key.kid as string
  assert.equal(r.body.revoked_count, 2)
  assert.deepEqual([...r.body.retired_kids].sort(), [k1, k2].sort())
  for (const s of [admin, other]) {
    assertError(await whoami(url, s.access), 401, 'INVALID_TOKEN')
    assert.equal((await call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: s.refresh } })).status, 401)
  }

  // A new login works, on the new key; a token forged with the old secret for that live session does not.
  const fresh = await login(url)
  assert.equal(kidOf(fresh), k3)
  assert.equal((await whoami(url, fresh.access)).status, 200)
  const { payload } = decodeJwt(fresh.access)
  const forged = await new SignJWT({ ...payload })
    .setProtectedHeader({ alg: 'HS256', kid: k1, typ: 'JWT' })
    .sign(createSecretKey(Buffer.from(k1Secret, 'utf8')))
  assertError(await whoami(url, forged), 401, 'INVALID_TOKEN')
  const ring = await keyList(url, fresh.access)
  assert.deepEqual([ring.key(k1).state, ring.key(k2).state, ring.key(k3).state], ['retired', 'retired', 'active'])
})

test('the algorithm switches HS256 → RS256 → RS512 with no logout, and the JWKS publishes the RSA keys', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const tokens = [admin]
  const kids: Record<string, string> = { HS256: kidOf(admin) }
  const put = (algorithm: unknown) => call(url, 'PUT', '/api/v1/admin/algorithm', { token: admin.access, json: { algorithm } })
  for (const alg of ['RS256', 'RS512']) {
    const r = await put(alg)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.equal(r.body.algorithm, alg)
    assert.deepEqual([r.body.key.alg, r.body.key.state], [alg, 'active'])
    kids[alg] = r.body.key.kid
    const fresh = await login(url)
    assert.deepEqual([decodeJwt(fresh.access).header.alg, kidOf(fresh)], [alg, r.body.key.kid])
    tokens.push(fresh)
    for (const earlier of tokens) assert.equal((await whoami(url, earlier.access)).status, 200, 'no one is logged out')
  }
  const jwks = (await call(url, 'GET', '/.well-known/jwks.json')).body.keys
  assert.deepEqual(jwks.map((k: { kid: string; alg: string; kty: string }) => `${k.kid}:${k.alg}:${k.kty}`).sort(), [`${kids.RS256}:RS256:RSA`, `${kids.RS512}:RS512:RSA`].sort())
  const ring = await keyList(url, admin.access)
  assert.equal(ring.body.algorithm, 'RS512')
  assert.deepEqual([ring.key(kids.HS256 as string).state, ring.key(kids.RS256 as string).state], ['verify-only', 'verify-only'])

  const same = await put('RS512')
  assert.deepEqual([same.status, same.body.key.kid], [200, kids.RS512], 'the algorithm in use: nothing changes')
  for (const bad of ['ES256', 'rs256', 'none', 256, null]) assertError(await put(bad), 422, 'INVALID_INPUT', /algorithm must be one of HS256, RS256, RS512/)
  assertError(await call(url, 'PUT', '/api/v1/admin/algorithm', { token: admin.access, json: {} }), 422, 'INVALID_INPUT')
  assertError(await call(url, 'PUT', '/api/v1/admin/algorithm', { token: admin.access, form: { algorithm: 'HS256' } }), 422, 'INVALID_INPUT')
  assert.equal((await keyList(url, admin.access)).body.keys.length, 3)
})

test('what the environment pins is refused with 409 ENV_PINNED naming the variable, and GET /keys reports the pins', async (t) => {
  const secret = randomBytes(32).toString('base64url')
  const { url, server } = await startServer(t, { env: testEnv({ LANGFLOW_ALGORITHM: 'HS256', LANGFLOW_SECRET_KEY: secret }) })
  const admin = await login(url)
  const ring = await keyList(url, admin.access)
  assert.deepEqual(ring.body.pinned, { algorithm: 'LANGFLOW_ALGORITHM', keys: { HS256: 'LANGFLOW_SECRET_KEY', RS256: null, RS512: null } })
  assert.equal(ring.key(kidOf(admin)).source, 'env')
  const before = server.core.keys.list().map((k) => `${k.kid}:${k.state}`)

  const switched = await call(url, 'PUT', '/api/v1/admin/algorithm', { token: admin.access, json: { algorithm: 'RS256' } })
  assertError(switched, 409, 'ENV_PINNED', /LANGFLOW_ALGORITHM/, ['variable'])
  assert.equal(switched.body.variable, 'LANGFLOW_ALGORITHM')
  assert.equal((await call(url, 'PUT', '/api/v1/admin/algorithm', { token: admin.access, json: { algorithm: 'HS256' } })).status, 200, 'the pinned value itself is fine')

  for (const json of [undefined, { revoke_sessions: true, confirm: 'revoke-all' }]) {
    const r = await rotate(url, admin.access, json)
    assertError(r, 409, 'ENV_PINNED', /LANGFLOW_SECRET_KEY/, ['variable'])
    assert.equal(r.body.variable, 'LANGFLOW_SECRET_KEY')
  }
  const imported = await importKey(url, admin.access, { algorithm: 'HS256', secret: randomBytes(32).toString('base64url') })
  assertError(imported, 409, 'ENV_PINNED', undefined, ['variable'])
  assert.equal(imported.body.variable, 'LANGFLOW_SECRET_KEY')
  const importedRsa = await importKey(url, admin.access, { algorithm: 'RS256', private_key: 'whatever' })
  assertError(importedRsa, 409, 'ENV_PINNED', undefined, ['variable'])
  assert.equal(importedRsa.body.variable, 'LANGFLOW_ALGORITHM')

  assert.deepEqual(server.core.keys.list().map((k) => `${k.kid}:${k.state}`), before, 'the ring is untouched')
  assert.equal((await whoami(url, admin.access)).status, 200, 'the refused emergency rotation signed no one out')

  // A pinned secret alone does not pin the algorithm: switching away is allowed, rotating the RSA key too.
  const other = await startServer(t, { env: testEnv({ LANGFLOW_SECRET_KEY: secret }) })
  const otherAdmin = await login(other.url)
  assert.deepEqual((await keyList(other.url, otherAdmin.access)).body.pinned, { algorithm: null, keys: { HS256: 'LANGFLOW_SECRET_KEY', RS256: null, RS512: null } })
  assert.equal((await rotate(other.url, otherAdmin.access)).body.variable, 'LANGFLOW_SECRET_KEY')
  assert.equal((await call(other.url, 'PUT', '/api/v1/admin/algorithm', { token: otherAdmin.access, json: { algorithm: 'RS256' } })).status, 200)
  assert.equal((await rotate(other.url, otherAdmin.access)).status, 201)
})

test("importing an admin's own HS256 secret or RSA-2048 PEM: it becomes the signer, earlier tokens keep working, the choice survives a restart", async (t) => {
  const { url, configDir, close } = await startServer(t)
  const admin = await login(url)

  const secret = randomBytes(36).toString('base64url')
  const hs = await importKey(url, admin.access, { algorithm: 'HS256', secret })
  assert.equal(hs.status, 201, JSON.stringify(hs.body))
  assert.deepEqual(Object.keys(hs.body), ['key'])
  assert.deepEqual([hs.body.key.alg, hs.body.key.state, hs.body.key.source, hs.body.key.live_sessions], ['HS256', 'active', 'imported', 0])
  const hmac = createHmac('sha256', secret).update('authdock key fingerprint').digest('hex')
  assert.equal(hs.body.key.fingerprint, `SHA256:${hmac.match(/../g)?.join(':')}`)
  const afterHs = await login(url)
  assert.equal(kidOf(afterHs), hs.body.key.kid)
  assert.equal((await whoami(url, admin.access)).status, 200)
  assert.ok(!JSON.stringify((await keyList(url, admin.access)).body).includes(secret), 'the secret is never shown')

  const pair = rsaPair()
  const rs = await importKey(url, admin.access, { algorithm: 'RS256', private_key: pair.privateKey, public_key: pair.publicKey })
  assert.equal(rs.status, 201, JSON.stringify(rs.body))
  assert.deepEqual([rs.body.key.alg, rs.body.key.state, rs.body.key.source], ['RS256', 'active', 'imported'])
  const spki = createPublicKey(pair.publicKey).export({ type: 'spki', format: 'der' })
  assert.equal(rs.body.key.fingerprint, `SHA256:${createHash('sha256').update(spki).digest('hex').match(/../g)?.join(':')}`)
  const afterRs = await login(url)
  const { header } = decodeJwt(afterRs.access)
  assert.deepEqual([header.alg, header.kid], ['RS256', rs.body.key.kid])
  const [h, p, s] = afterRs.access.split('.') as [string, string, string]
  assert.ok(verify('sha256', Buffer.from(`${h}.${p}`), pair.publicKey, Buffer.from(s, 'base64url')), 'signed with the imported private key')
  const published = (await call(url, 'GET', '/.well-known/jwks.json')).body.keys.find((k: { kid: string }) => k.kid === rs.body.key.kid)
  assert.equal(published?.n, createPublicKey(pair.publicKey).export({ format: 'jwk' }).n)
  for (const earlier of [admin, afterHs]) assert.equal((await whoami(url, earlier.access)).status, 200)
  const ring = await keyList(url, admin.access)
  assert.deepEqual([ring.body.algorithm, ring.body.active_kid], ['RS256', rs.body.key.kid])

  await close()
  const again = await startServer(t, { configDir })
  const ringAfter = await keyList(again.url, afterRs.access)
  assert.deepEqual([ringAfter.body.algorithm, ringAfter.body.active_kid], ['RS256', rs.body.key.kid])
  for (const earlier of [admin, afterHs, afterRs]) assert.equal((await whoami(again.url, earlier.access)).status, 200)
})

test('an imported secret with surrounding whitespace keeps working after a restart', async (t) => {
  const { url, configDir, close } = await startServer(t)
  const admin = await login(url)
  // Pasted from a file: a trailing newline.
  assert.equal((await importKey(url, admin.access, { algorithm: 'HS256', secret: `${randomBytes(32).toString('base64url')}\n` })).status, 201)
  const signed = await login(url)
  // 32 characters only with the leading space: refused, or accepted and still usable after a restart.
  await importKey(url, admin.access, { algorithm: 'HS256', secret: ` ${randomBytes(24).toString('base64url').slice(0, 31)}` })
  await close()
  const again = await startServer(t, { configDir })
  assert.equal((await whoami(again.url, signed.access)).status, 200)
})

test('bad keys are refused with 422 INVALID_KEY and a clear reason, a bad algorithm with 422 INVALID_INPUT; nothing is written', async (t) => {
  const { url, configDir, server } = await startServer(t)
  const admin = await login(url)
  const good = rsaPair()
  const another = rsaPair()
  const weak = rsaPair(1024)
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })
  const secret = randomBytes(24).toString('base64url') // 32 characters
  assert.equal((await importKey(url, admin.access, { algorithm: 'HS256', secret })).status, 201)
  assert.equal((await importKey(url, admin.access, { algorithm: 'RS256', private_key: good.privateKey })).status, 201)
  const ringBefore = server.core.keys.list().map((k) => `${k.kid}:${k.state}`)
  const filesBefore = readdirSync(join(configDir, 'keys')).sort()

  const invalidKey: [unknown, RegExp][] = [
    [{ algorithm: 'HS256', secret: 's'.repeat(31) }, /secret must be at least 32 characters long \(got 31\)/],
    [{ algorithm: 'HS256' }, /secret is required for HS256/],
    [{ algorithm: 'HS256', secret: 12345678901234567890123456789012345 }, /secret is required/],
    [{ algorithm: 'HS256', secret: 'x'.repeat(1025) }, /at most 1024 characters/],
    [{ algorithm: 'RS256' }, /private_key \(PEM\) is required for RS256/],
    [{ algorithm: 'RS256', private_key: 'not a pem at all' }, /private_key is not a valid PEM private key/],
    [{ algorithm: 'RS512', private_key: ec.privateKey }, /private_key is a ec key; RS256 and RS512 need an RSA key/],
    [{ algorithm: 'RS256', private_key: weak.privateKey }, /1024-bit RSA key; at least 2048 bits are required/],
    [{ algorithm: 'RS256', private_key: another.privateKey, public_key: good.publicKey }, /public key does not match the private key/],
    [{ algorithm: 'RS256', private_key: another.privateKey, public_key: 'garbage' }, /public key is not a valid PEM public key/],
    [{ algorithm: 'RS256', private_key: another.privateKey, public_key: 42 }, /public_key must be a PEM string/],
    [{ algorithm: 'HS256', secret }, /already in the ring/],
    [{ algorithm: 'RS256', private_key: good.privateKey, public_key: good.publicKey }, /already in the ring/],
  ]
  for (const [json, detail] of invalidKey) assertError(await importKey(url, admin.access, json), 422, 'INVALID_KEY', detail)

  for (const json of [{ secret: 'y'.repeat(40) }, { algorithm: 'HS512', secret: 'y'.repeat(40) }, { algorithm: 'none' }, [1]]) {
    assertError(await importKey(url, admin.access, json), 422, 'INVALID_INPUT')
  }
  assertError(await call(url, 'POST', '/api/v1/admin/keys/import', { token: admin.access, form: { algorithm: 'HS256', secret: 'y'.repeat(40) } }), 422, 'INVALID_INPUT')

  assert.deepEqual(server.core.keys.list().map((k) => `${k.kid}:${k.state}`), ringBefore, 'the ring is unchanged')
  assert.deepEqual(readdirSync(join(configDir, 'keys')).sort(), filesBefore, 'no key file was written')
  assert.equal(decodeJwt((await login(url)).access).header.alg, 'RS256')
})
