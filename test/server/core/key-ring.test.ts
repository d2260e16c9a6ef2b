// The key ring through the core, with tokens checked over HTTP: rotation and algorithm switches
// log no one out, demoted keys verify until their last token expires and are then retired,
// env-pinned keys refuse to be rotated away, and the ring survives restarts.

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { call, decodeJwt, login, manualClock, startServer, tempDir, testEnv, authError } from '../../helpers.ts'

const whoami = (url: string, token: string) => call(url, 'GET', '/api/v1/users/whoami', { token })

test('rotate: the new key signs, tokens of the old one keep working, nobody is logged out', async (t) => {
  const { url, server, configDir } = await startServer(t, { env: testEnv({ LANGFLOW_ALGORITHM: 'RS256' }) })
  const before = await login(url)
  const oldKid = decodeJwt(before.access).header.kid
  const rotated = await server.core.keys.rotate()
  assert.notEqual(rotated.kid, oldKid)
  assert.equal(rotated.state, 'active')
  assert.equal((await whoami(url, before.access)).status, 200)
  const after = await login(url)
  assert.equal(decodeJwt(after.access).header.kid, rotated.kid)
  // Both public keys are published while the old one still verifies.
  const kids = (await call(url, 'GET', '/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid).sort()
  assert.deepEqual(kids, [oldKid, rotated.kid].sort())
  const ring = server.core.keys.list()
  const old = ring.find((k) => k.kid === oldKid)
  assert.equal(old?.state, 'verify-only')
  assert.ok((old?.retireAfter ?? 0) >= Date.now() + 3590_000, 'kept for one access-token lifetime')
  // The rotated key lives in keys/, written atomically with private 0600 and public 0644.
  assert.deepEqual(readdirSync(join(configDir, 'keys')).sort(), [`${rotated.kid}.private.pem`, `${rotated.kid}.public.pem`])
  // A refresh after rotation carries on the same session under the new key.
  const r = await call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: before.refresh } })
  assert.equal(decodeJwt(r.body.access_token).header.kid, rotated.kid)
})

test('switchAlgorithm HS256 → RS256 → RS512 → HS256 at run time with no logout, and the choice persists', async (t) => {
  const configDir = tempDir(t)
  const running = await startServer(t, { configDir })
  const { url, server } = running
  const tokens = [await login(url)]
  for (const alg of ['RS256', 'RS512', 'HS256'] as const) {
    const record = await server.core.keys.switchAlgorithm(alg)
    assert.equal(record.alg, alg)
    const fresh = await login(url)
    assert.equal(decodeJwt(fresh.access).header.alg, alg)
    tokens.push(fresh)
    for (const earlier of tokens) assert.equal((await whoami(url, earlier.access)).status, 200, 'no one is logged out')
  }
  // Switching to the algorithm already in use changes nothing.
  const same = await server.core.keys.switchAlgorithm('HS256')
  assert.equal(same.kid, decodeJwt(tokens.at(-1)?.access as string).header.kid)
  await running.close()
  // The saved algorithm is used at the next start, and all four keys' tokens still verify.
  const again = await startServer(t, { configDir })
  assert.equal(again.server.core.config.algorithm, 'HS256')
  assert.equal(again.server.core.config.sources.LANGFLOW_ALGORITHM, 'saved')
  for (const earlier of tokens) assert.equal((await whoami(again.url, earlier.access)).status, 200)
  assert.equal(again.server.core.keys.list().filter((k) => k.state === 'verify-only').length, 3)
})

test('a verify-only key is retired once its last token has expired: its tokens then fail and its files go', async (t) => {
  const clock = manualClock()
  const { url, server, configDir } = await startServer(t, { clock, env: testEnv({ LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS: '600' }) })
  await server.core.keys.rotate()
  const middle = await login(url)
  const middleKid = decodeJwt(middle.access).header.kid as string
  await server.core.keys.rotate()
  assert.ok(existsSync(join(configDir, `keys/${middleKid}.secret`)))

  clock.advance(599_000)
  assert.deepEqual(server.core.keys.retireDue(), [], 'nothing retires before the access lifetime is over')
  assert.equal((await whoami(url, middle.access)).status, 200)

  clock.advance(2_000)
  const retired = server.core.keys.retireDue()
  assert.equal(retired.length, 2, 'the first key and the middle one')
  assert.ok(retired.includes(middleKid))
  assert.equal(server.core.keys.list().filter((k) => k.state === 'retired').length, 2)
  assert.ok(!existsSync(join(configDir, `keys/${middleKid}.secret`)), "a retired key's own file is removed")
  assert.ok(existsSync(join(configDir, 'secret_key')), "Langflow's secret_key is never deleted")
  // The middle token is past its exp anyway; a retired kid is unknown from now on.
  assert.equal((await whoami(url, middle.access)).status, 401)
})

test('keys pinned by env cannot be rotated away; an env-pinned algorithm cannot be switched', async (t) => {
  const { server } = await startServer(t, { env: testEnv({ LANGFLOW_SECRET_KEY: randomBytes(32).toString('base64url'), LANGFLOW_ALGORITHM: 'HS256' }) })
  await assert.rejects(server.core.keys.rotate(), authError('ENV_PINNED', /LANGFLOW_SECRET_KEY/))
  await assert.rejects(server.core.keys.switchAlgorithm('RS256'), authError('ENV_PINNED', /LANGFLOW_ALGORITHM/))
})

test('a signing secret removed from LANGFLOW_SECRET_KEY between restarts: a new key signs, the old tokens are refused', async (t) => {
  const configDir = tempDir(t)
  const first = await startServer(t, { configDir, env: testEnv({ LANGFLOW_SECRET_KEY: randomBytes(32).toString('base64url') }) })
  const pinnedKid = first.server.core.keys.signer().kid
  const old = await login(first.url)
  await first.close()
  const second = await startServer(t, { configDir })
  const records = second.server.core.keys.list()
  assert.equal(records.find((k) => k.kid === pinnedKid)?.state, 'retired')
  assert.deepEqual(records.filter((k) => k.state === 'active').map((k) => k.source), ['generated'])
  assert.equal(second.logs.filter((line) => line.includes(`signing key ${pinnedKid} came from LANGFLOW_SECRET_KEY, which no longer holds it`)).length, 1)
  assert.equal((await whoami(second.url, old.access)).status, 401)
  const fresh = await login(second.url)
  assert.notEqual(decodeJwt(fresh.access).header.kid, pinnedKid)
  assert.equal((await whoami(second.url, fresh.access)).status, 200)
})

test('changing LANGFLOW_ALGORITHM between restarts keeps the old key verifying: no logout', async (t) => {
  const configDir = tempDir(t)
  const first = await startServer(t, { configDir })
  const hsTokens = await login(first.url)
  await first.close()
  const second = await startServer(t, { configDir, env: testEnv({ LANGFLOW_ALGORITHM: 'RS512' }) })
  assert.equal((await whoami(second.url, hsTokens.access)).status, 200)
  assert.equal(decodeJwt((await login(second.url)).access).header.alg, 'RS512')
})

test('concurrent rotations are serialized: each produces its own active key, exactly one active at the end', async (t) => {
  const { server } = await startServer(t)
  const results = await Promise.all([server.core.keys.rotate(), server.core.keys.rotate(), server.core.keys.rotate()])
  assert.equal(new Set(results.map((r) => r.kid)).size, 3)
  const ring = server.core.keys.list()
  assert.equal(ring.filter((k) => k.state === 'active').length, 1)
  assert.equal(ring.filter((k) => k.state === 'verify-only').length, 3)
})
