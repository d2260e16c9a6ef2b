// First start with RS256 and no keys: the RSA pair is generated on libuv's thread pool while the
// server already listens and answers; issuing a token (and the JWKS) waits for the key.
// To hold generation back without timing guesses, every pool thread is first kept busy with a
// slow PBKDF2, so the key job queues behind them until they finish.

import assert from 'node:assert/strict'
import { pbkdf2 } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { call, decodeJwt, login, startServer, testEnv } from '../helpers.ts'

const POOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE) || 4

function occupyThreadPool(): Promise<void[]> {
  return Promise.all(Array.from({ length: POOL_SIZE }, () => new Promise<void>((resolve, reject) => {
    pbkdf2('busy', 'pool', 1_000_000, 64, 'sha512', (err) => (err ? reject(err) : resolve()))
  })))
}

const NO_SUPERUSER = { LANGFLOW_SUPERUSER: undefined, LANGFLOW_SUPERUSER_PASSWORD: undefined }

test('the server listens and answers while the first RSA key is generated; the JWKS waits for it', async (t) => {
  const busy = occupyThreadPool()
  // No LANGFLOW_SUPERUSER: nothing at start-up waits on the pool (bcrypt runs in worker threads).
  const { url, server, configDir } = await startServer(t, { env: testEnv({ LANGFLOW_ALGORITHM: 'RS256', ...NO_SUPERUSER }), waitForKey: false })
  assert.notEqual(server.core.keys.pending(), null, 'listening before the key exists')
  assert.equal(existsSync(join(configDir, 'private_key.pem')), false)
  assert.equal((await call(url, 'GET', '/api/v1/health')).status, 200)
  assert.equal((await call(url, 'GET', '/api/v1/setup')).status, 200)
  assert.notEqual(server.core.keys.pending(), null, 'answered during generation')
  const jwks = await call(url, 'GET', '/.well-known/jwks.json')
  assert.equal(server.core.keys.pending(), null)
  assert.deepEqual(jwks.body.keys.map((k: { kid: string }) => k.kid), [server.core.keys.signer().kid], 'the JWKS was not answered empty')
  assert.ok(existsSync(join(configDir, 'private_key.pem')))
  await busy
})

test('a token issued while the key of a new algorithm is generated is signed with that key', async (t) => {
  const first = await startServer(t)
  const tokens = await login(first.url)
  await first.close()
  const busy = occupyThreadPool()
  // The database's HS256 key could still sign; issuing waits for the configured RS256 one instead.
  const { url, server } = await startServer(t, { configDir: first.configDir, env: testEnv({ LANGFLOW_ALGORITHM: 'RS256', ...NO_SUPERUSER }), waitForKey: false })
  assert.notEqual(server.core.keys.pending(), null)
  const refreshed = await call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: tokens.refresh } })
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body))
  const { header } = decodeJwt(refreshed.body.access_token)
  assert.equal(header.alg, 'RS256')
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: refreshed.body.access_token })).status, 200)
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: tokens.access })).status, 200, 'the HS256 token still verifies')
  await busy
})

test('an HS256 secret or an existing key is in place before start-up ends', async (t) => {
  const { server } = await startServer(t)
  assert.equal(server.core.keys.pending(), null)
  assert.equal(server.core.keys.signer().alg, 'HS256')
  const rs = await startServer(t, { env: testEnv({ LANGFLOW_ALGORITHM: 'RS256' }) })
  await rs.close()
  const again = await startServer(t, { configDir: rs.configDir, env: testEnv({ LANGFLOW_ALGORITHM: 'RS256' }) })
  assert.equal(again.server.core.keys.pending(), null, 'a restart loads the key, generates nothing')
  assert.equal(again.server.core.keys.signer().alg, 'RS256')
})
