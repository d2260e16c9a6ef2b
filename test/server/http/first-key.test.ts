// First start with RS256 and no keys: the RSA pair is generated on libuv's thread pool while the
// server already listens and answers; issuing a token, the JWKS and the admin views of the key wait
// for it, and nothing answers 500 meanwhile. To hold generation back, every pool thread is first
// kept busy (a slow PBKDF2, or a FIFO that blocks until the test releases it), so the key job
// queues behind them.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { pbkdf2, randomBytes } from 'node:crypto'
import { closeSync, constants, existsSync, open, openSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { AuthError } from '../../../src/server/core/errors.ts'
import { errorReply } from '../../../src/server/http/error-writer.ts'
import { call, decodeJwt, login, startServer, tempDir, testEnv } from '../../helpers.ts'

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

/**
 * Keeps every pool thread blocked until release(): each opens a FIFO for reading, which waits for a
 * writer, so a key generated meanwhile queues for as long as the test needs, with no timing guess.
 */
function holdThreadPool(t: { after: (fn: () => void) => void }): { release(): Promise<void> } {
  const dir = tempDir(t)
  const fifos = Array.from({ length: POOL_SIZE }, (_, i) => join(dir, `hold-${i}`))
  assert.equal(spawnSync('mkfifo', fifos).status, 0, 'mkfifo')
  const opened = fifos.map((fifo) => new Promise<number>((resolve, reject) => open(fifo, 'r', (err, fd) => (err ? reject(err) : resolve(fd)))))
  let released: Promise<void> | undefined
  const release = () => {
    // Non-blocking: with every reader waiting in open(), the writer's open succeeds at once.
    released ??= (async () => {
      for (const fifo of fifos) closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK))
      for (const fd of await Promise.all(opened)) closeSync(fd)
    })()
    return released
  }
  t.after(release) // a failing test must not leave the pool blocked
  return { release }
}

// Every GET a client or the console may send. The admin and user routes carry a superuser's API
// key, the one credential that works before any token can be signed; the event streams answer
// and stay open, so only their status is read.
const ADMIN_GETS = [
  '/api/v1/admin/overview', '/api/v1/admin/checklist', '/api/v1/admin/settings', '/api/v1/admin/keys',
  '/api/v1/admin/sessions', '/api/v1/admin/sessions/no-such-session', '/api/v1/admin/users', '/api/v1/admin/users/no-such-user',
  '/api/v1/admin/api-keys', '/api/v1/admin/audit', '/api/v1/admin/audit/export', '/api/v1/admin/events',
]
const USER_GETS = ['/api/v1/users/whoami', '/api/v1/users/', '/api/v1/api_key/', '/api/v1/auth/verify', '/api/v1/revocations/stream']
const PUBLIC_GETS = [
  '/api/v1/health', '/api/v1/setup', '/api/v1/auto_login', '/.well-known/jwks.json',
  '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server',
]

async function statusOf(url: string, path: string, headers: Record<string, string>): Promise<{ path: string; status: number; retryAfter: string | null; body: string }> {
  const abort = new AbortController()
  const res = await fetch(url + path, { headers, signal: abort.signal, redirect: 'manual' })
  const stream = res.headers.get('content-type')?.startsWith('text/event-stream') === true
  const body = stream ? '' : await res.text()
  abort.abort()
  return { path, status: res.status, retryAfter: res.headers.get('retry-after'), body }
}

test('no route answers 5xx while the ring has no signer yet; the key list and the checklist wait for the new key', async (t) => {
  // A superuser with an API key, and an HS256 secret pinned by LANGFLOW_SECRET_KEY ...
  const secret = randomBytes(32).toString('base64url')
  const first = await startServer(t, { env: testEnv({ LANGFLOW_SECRET_KEY: secret }) })
  const admin = first.server.core.users.byUsername('admin')
  assert.ok(admin !== null)
  const { key, record } = first.server.core.apiKeys.create(admin, { name: 'ops', expiresAt: null }, { ip: null, userAgent: null })
  await first.close()
  // ... then RS256 without the secret: the pinned key is retired and nothing signs until the RSA pair exists.
  const pool = holdThreadPool(t)
  const { url, server } = await startServer(t, {
    configDir: first.configDir, waitForKey: false,
    env: testEnv({ LANGFLOW_ALGORITHM: 'RS256', LANGFLOW_SUPERUSER: undefined, LANGFLOW_SUPERUSER_PASSWORD: undefined }),
  })
  const { core } = server
  assert.notEqual(core.keys.pending(), null)
  const withKey = [...ADMIN_GETS, ...USER_GETS]
  const answers = Promise.all([
    ...withKey.map((path) => statusOf(url, path, { 'x-api-key': key })),
    ...PUBLIC_GETS.map((path) => statusOf(url, path, {})),
  ])
  // Every request with the key has been authenticated (each counts a use) before the key can exist.
  const uses = () => core.apiKeys.list(admin.id).find((k) => k.id === record.id)?.totalUses ?? 0
  while (uses() < withKey.length) await new Promise((resolve) => setTimeout(resolve, 10))
  assert.notEqual(core.keys.pending(), null, 'still generating')
  // Whatever asks for the signer without waiting is told to come back: a 503 with Retry-After, not a 500.
  const notReady = (() => {
    try {
      core.keys.signer()
    } catch (err) {
      return err
    }
    return null
  })()
  assert.ok(notReady instanceof AuthError && notReady.code === 'KEYS_NOT_READY', String(notReady))
  const reply = errorReply(notReady)
  assert.equal(reply.status, 503)
  assert.equal(reply.headers['Retry-After'], '1')
  await pool.release()
  const replies = await answers
  // A 503 is allowed only as the deliberate "not ready yet", with Retry-After.
  const failed = replies.filter((r) => r.status >= 500 && !(r.status === 503 && r.retryAfter !== null))
  assert.deepEqual(failed.map((r) => `${r.path}: ${r.status} ${r.body}`), [], 'answered 5xx during key generation')
  const keys = replies.find((r) => r.path === '/api/v1/admin/keys')
  assert.equal(keys?.status, 200)
  assert.deepEqual(JSON.parse(keys.body).algorithm, 'RS256', 'the key list waited for the new key')
  assert.equal(replies.find((r) => r.path === '/api/v1/admin/checklist')?.status, 200)
})
