// Start-up against real config dirs: file modes, keys and data kept across restarts (tokens issued
// before a restart still accepted), keys from env, and clear errors that overwrite nothing.

import assert from 'node:assert/strict'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { createAuthServer } from '../../src/server/index.ts'
import { ConfigError } from '../../src/server/core/errors.ts'
import { createLogger } from '../../src/server/log.ts'
import { ADMIN, call, decodeJwt, login, startServer, tempDir, testEnv } from '../helpers.ts'

const mode = (path: string): number => statSync(path).mode & 0o777

async function startFails(dir: string, env: Record<string, string | undefined>, message: RegExp): Promise<void> {
  await assert.rejects(
    createAuthServer({ configDir: dir, env, log: createLogger(() => {}) }),
    (err: unknown) => err instanceof ConfigError && message.test(err.message),
  )
}

test('HS256 first start: config dir 0700, database 0600, a 43-character secret_key 0600', async (t) => {
  const dir = join(tempDir(t), 'nested', 'authdock')
  await startServer(t, { configDir: dir })
  assert.equal(mode(dir), 0o700)
  assert.equal(mode(join(dir, 'authdock.db')), 0o600)
  assert.equal(mode(join(dir, 'secret_key')), 0o600)
  assert.match(readFileSync(join(dir, 'secret_key'), 'utf8'), /^[A-Za-z0-9_-]{43}$/)
  assert.ok(!existsSync(join(dir, 'private_key.pem')))
})

for (const alg of ['RS256', 'RS512']) {
  test(`${alg} first start: private_key.pem (PKCS#8, 0600) and public_key.pem (SPKI, 0644), 2048 bits`, async (t) => {
    const { configDir } = await startServer(t, { env: testEnv({ LANGFLOW_ALGORITHM: alg }) })
    const priv = readFileSync(join(configDir, 'private_key.pem'), 'utf8')
    const pub = readFileSync(join(configDir, 'public_key.pem'), 'utf8')
    assert.match(priv, /^-----BEGIN PRIVATE KEY-----\n/)
    assert.match(pub, /^-----BEGIN PUBLIC KEY-----\n/)
    assert.equal(mode(join(configDir, 'private_key.pem')), 0o600)
    assert.equal(mode(join(configDir, 'public_key.pem')), 0o644)
    const { createPrivateKey } = await import('node:crypto')
    assert.equal(createPrivateKey(priv).asymmetricKeyDetails?.modulusLength, 2048)
  })
}

for (const alg of ['HS256', 'RS256', 'RS512']) {
  test(`${alg}: a restart on the same config dir keeps keys, users and sessions; old tokens still work`, async (t) => {
    const configDir = tempDir(t)
    const env = testEnv({ LANGFLOW_ALGORITHM: alg })
    const first = await startServer(t, { configDir, env })
    const tokens = await login(first.url)
    const keyFile = alg === 'HS256' ? 'secret_key' : 'private_key.pem'
    const keyBefore = readFileSync(join(configDir, keyFile), 'utf8')
    await first.close()

    const second = await startServer(t, { configDir, env })
    assert.equal(readFileSync(join(configDir, keyFile), 'utf8'), keyBefore, 'the key file was reused, not regenerated')
    const me = await call(second.url, 'GET', '/api/v1/users/whoami', { token: tokens.access })
    assert.equal(me.status, 200)
    assert.equal(me.body.username, ADMIN.username)
    const refreshed = await call(second.url, 'POST', '/api/v1/refresh', { form: { refresh_token: tokens.refresh } })
    assert.equal(refreshed.status, 200)
    assert.equal(decodeJwt(refreshed.body.access_token).header.kid, decodeJwt(tokens.access).header.kid)
    // A session revoked before a restart stays revoked after it.
    await call(second.url, 'POST', '/api/v1/logout', { token: refreshed.body.access_token })
    await second.close()
    const third = await startServer(t, { configDir, env })
    assert.equal((await call(third.url, 'GET', '/api/v1/users/whoami', { token: refreshed.body.access_token })).status, 401)
  })
}

test('the bootstrap superuser is created once; a restart with another password does not reset it', async (t) => {
  const configDir = tempDir(t)
  const first = await startServer(t, { configDir })
  await first.close()
  const second = await startServer(t, { configDir, env: testEnv({ LANGFLOW_SUPERUSER_PASSWORD: 'a-different-password' }) })
  await login(second.url) // the original password still works
  const users = await call(second.url, 'GET', '/api/v1/users/', { token: (await login(second.url)).access })
  assert.equal(users.body.total_count, 1)
})

test('a weak bootstrap password stops start-up naming the variable', async (t) => {
  await startFails(tempDir(t), testEnv({ LANGFLOW_SUPERUSER_PASSWORD: 'short' }), /LANGFLOW_SUPERUSER_PASSWORD: Password must be at least 8/)
})

test('LANGFLOW_SECRET_KEY from env signs, is not written to disk, and survives restarts', async (t) => {
  const configDir = tempDir(t)
  const secret = randomBytes(32).toString('base64url')
  const env = testEnv({ LANGFLOW_SECRET_KEY: secret })
  const first = await startServer(t, { configDir, env })
  const tokens = await login(first.url)
  assert.ok(!existsSync(join(configDir, 'secret_key')))
  const { jwtVerify } = await import('jose')
  await jwtVerify(tokens.access, new TextEncoder().encode(secret))
  await first.close()
  const second = await startServer(t, { configDir, env })
  assert.equal((await call(second.url, 'GET', '/api/v1/users/whoami', { token: tokens.access })).status, 200)
})

test('LANGFLOW_SECRET_KEY shorter than 32 characters stops start-up', async (t) => {
  await startFails(tempDir(t), testEnv({ LANGFLOW_SECRET_KEY: 'short-secret' }), /LANGFLOW_SECRET_KEY must be at least 32 characters/)
})

test('LANGFLOW_PRIVATE_KEY alone: the public key is derived and published in the JWKS', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  const { url, configDir } = await startServer(t, { env: testEnv({ LANGFLOW_ALGORITHM: 'RS256', LANGFLOW_PRIVATE_KEY: pem }) })
  const jwks = (await call(url, 'GET', '/.well-known/jwks.json')).body
  assert.equal(jwks.keys[0].n, publicKey.export({ format: 'jwk' }).n)
  assert.ok(!existsSync(join(configDir, 'private_key.pem')), 'an env key is not copied to disk')
  const tokens = await login(url)
  const { jwtVerify } = await import('jose')
  await jwtVerify(tokens.access, publicKey)
})

test('LANGFLOW_PRIVATE_KEY with a PKCS#1 PEM and a matching LANGFLOW_PUBLIC_KEY is accepted', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  await startServer(t, {
    env: testEnv({
      LANGFLOW_ALGORITHM: 'RS512',
      LANGFLOW_PRIVATE_KEY: privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
      LANGFLOW_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    }),
  })
})

test('env keys that are malformed or do not match stop start-up naming the variable', async (t) => {
  const a = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const b = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 })
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const pem = (k: typeof a.privateKey) => k.export({ type: 'pkcs8', format: 'pem' }) as string
  const dir = tempDir(t)
  await startFails(dir, testEnv({ LANGFLOW_ALGORITHM: 'RS256', LANGFLOW_PRIVATE_KEY: 'not a pem' }), /LANGFLOW_PRIVATE_KEY is not a valid PEM private key/)
  await startFails(dir, testEnv({ LANGFLOW_ALGORITHM: 'RS256', LANGFLOW_PRIVATE_KEY: pem(small.privateKey) }), /LANGFLOW_PRIVATE_KEY is a 1024-bit RSA key/)
  await startFails(dir, testEnv({ LANGFLOW_ALGORITHM: 'RS256', LANGFLOW_PRIVATE_KEY: pem(ec.privateKey) }), /LANGFLOW_PRIVATE_KEY is a ec key/)
  await startFails(
    dir,
    testEnv({ LANGFLOW_ALGORITHM: 'RS256', LANGFLOW_PRIVATE_KEY: pem(a.privateKey), LANGFLOW_PUBLIC_KEY: b.publicKey.export({ type: 'spki', format: 'pem' }) as string }),
    /LANGFLOW_PUBLIC_KEY does not match the private key/,
  )
  await startFails(
    dir,
    testEnv({ LANGFLOW_ALGORITHM: 'RS256', LANGFLOW_PRIVATE_KEY: pem(a.privateKey), LANGFLOW_PUBLIC_KEY: 'garbage' }),
    /LANGFLOW_PUBLIC_KEY is not a valid PEM public key/,
  )
  await startFails(dir, testEnv({ LANGFLOW_ALGORITHM: 'ES256' }), /LANGFLOW_ALGORITHM must be one of HS256, RS256, RS512/)
})

test('a corrupt or empty key file stops start-up naming the file, and is never overwritten', async (t) => {
  const hs = tempDir(t)
  writeFileSync(join(hs, 'secret_key'), '')
  await startFails(hs, testEnv(), /secret_key holds nothing; it was left untouched/)
  assert.equal(readFileSync(join(hs, 'secret_key'), 'utf8'), '')

  const rs = tempDir(t)
  writeFileSync(join(rs, 'private_key.pem'), '-----BEGIN PRIVATE KEY-----\ntorn')
  await startFails(rs, testEnv({ LANGFLOW_ALGORITHM: 'RS256' }), /private_key\.pem is not a valid PEM private key/)
  assert.equal(readFileSync(join(rs, 'private_key.pem'), 'utf8'), '-----BEGIN PRIVATE KEY-----\ntorn')

  // A key the ring already uses, damaged between runs: same refusal, same file left as it was.
  const used = tempDir(t)
  const first = await startServer(t, { configDir: used })
  await first.close()
  writeFileSync(join(used, 'secret_key'), 'short')
  await startFails(used, testEnv(), /secret_key holds a secret shorter than 32 characters/)
  assert.equal(readFileSync(join(used, 'secret_key'), 'utf8'), 'short')
})

test("an existing Langflow secret_key in the config dir is adopted, not replaced", async (t) => {
  const configDir = tempDir(t)
  const secret = 'langflow-generated-secret-key-0123456789abc'
  writeFileSync(join(configDir, 'secret_key'), secret, { mode: 0o600 })
  const { url } = await startServer(t, { configDir })
  const tokens = await login(url)
  const { jwtVerify } = await import('jose')
  await jwtVerify(tokens.access, new TextEncoder().encode(secret))
  assert.equal(readFileSync(join(configDir, 'secret_key'), 'utf8'), secret)
})

test('a .env file in the config dir is read; variables already set win', async (t) => {
  const configDir = tempDir(t)
  writeFileSync(join(configDir, '.env'), 'LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS=120\nLANGFLOW_ALGORITHM=RS256\n')
  const { url, server } = await startServer(t, { configDir, env: testEnv({ LANGFLOW_ALGORITHM: 'HS256' }) })
  assert.equal(server.core.config.accessTtlSeconds, 120)
  assert.equal(server.core.config.sources.LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS, 'env')
  const { header, payload } = decodeJwt((await login(url)).access)
  assert.equal(header.alg, 'HS256')
  assert.equal((payload.exp as number) - (payload.iat as number), 120)
})

test('a database from a newer authdock is refused rather than misread', async (t) => {
  const configDir = tempDir(t)
  const first = await startServer(t, { configDir })
  await first.close()
  const Database = (await import('better-sqlite3')).default
  const db = new Database(join(configDir, 'authdock.db'))
  db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)').run()
  db.close()
  await startFails(configDir, testEnv(), /written by a newer authdock \(schema 999/)
})

test('a corrupt database file stops start-up naming the file', async (t) => {
  const configDir = tempDir(t)
  writeFileSync(join(configDir, 'authdock.db'), 'this is not a database '.repeat(100))
  await startFails(configDir, testEnv(), /authdock\.db cannot be used/)
})
