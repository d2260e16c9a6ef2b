// HS256 secrets are refused when guessable: well-known example values, repeats and sequences, a
// few words, an estimated entropy under 128 bits; by the import API and from LANGFLOW_SECRET_KEY.

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { createAuthServer } from '../../../src/server/index.ts'
import { ConfigError } from '../../../src/server/core/errors.ts'
import { secretStrength } from '../../../src/server/core/keys/secret-strength.ts'
import { createLogger } from '../../../src/server/log.ts'
import { call, login, startServer, tempDir, testEnv, assertError } from '../../helpers.ts'

const HINT = /; generate one with: openssl rand -base64 32$/

/** Secrets people bring, and why each is refused. */
const WEAK: [string, RegExp][] = [
  ['a'.repeat(32), /^secret is "a" repeated/],
  ['abcdefghijklmnopqrstuvwxyz012345', /^secret is mostly repeated or consecutive characters/],
  ['changeme'.repeat(4), /^secret is a well-known example value/],
  ['09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7', /^secret is a well-known example value/], // FastAPI's docs
  ['a-string-secret-at-least-256-bits-long', /^secret is a well-known example value/], // jwt.io's
  ['your-secret-key-here-change-me-now', /^secret is 7 words, about 91 bits/],
  ['Tr0ub4dor&3-'.repeat(3), /^secret is "Tr0ub4dor&3-" repeated/],
  ['acaccacaaccacaaacccacacaacacccaaaccaca', /^secret has an estimated \d\d bits of entropy; at least 128 are needed/],
]

test('POST /admin/keys/import refuses 32 × "a", example values, repeats and phrases with why and how to make one; a random secret is taken and the checklist calls it strong', async (t) => {
  const { url, server } = await startServer(t)
  const admin = await login(url)
  const before = server.core.keys.list().length
  for (const [secret, why] of WEAK) {
    const r = await call(url, 'POST', '/api/v1/admin/keys/import', { token: admin.access, json: { algorithm: 'HS256', secret } })
    assert.equal(r.status, 422, `${secret}: ${JSON.stringify(r.body)}`)
    assertError(r, 422, 'INVALID_KEY', why)
    assert.match(r.body.detail, HINT, secret)
  }
  assert.equal(server.core.keys.list().length, before, 'nothing was imported')

  const good = await call(url, 'POST', '/api/v1/admin/keys/import', { token: admin.access, json: { algorithm: 'HS256', secret: randomBytes(32).toString('base64') } })
  assert.equal(good.status, 201, JSON.stringify(good.body))
  const strength = (await call(url, 'GET', '/api/v1/admin/checklist', { token: admin.access })).body.items.find((i: { id: string }) => i.id === 'key_strength')
  assert.equal(strength.status, 'pass', JSON.stringify(strength))
  assert.match(strength.why, /estimated \d+ bits of entropy \(128 or more\)/)
})

test('LANGFLOW_SECRET_KEY of 32 × "a" or an example value stops the start, naming the variable and how to make one', async (t) => {
  for (const [secret, why] of WEAK) {
    await assert.rejects(
      createAuthServer({ configDir: tempDir(t), env: testEnv({ LANGFLOW_SECRET_KEY: secret }), log: createLogger(() => {}) }),
      (err: unknown) => err instanceof ConfigError && why.test(err.message.replace(/^LANGFLOW_SECRET_KEY/, 'secret')) && HINT.test(err.message),
    )
  }
})

test('a weak secret_key already in the config dir (Langflow\'s file) still starts, and the checklist says it is weak', async (t) => {
  const configDir = tempDir(t)
  writeFileSync(join(configDir, 'secret_key'), 'a'.repeat(40), { mode: 0o600 })
  const { url } = await startServer(t, { configDir })
  const admin = await login(url)
  const strength = (await call(url, 'GET', '/api/v1/admin/checklist', { token: admin.access })).body.items.find((i: { id: string }) => i.id === 'key_strength')
  assert.equal(strength.status, 'warn', JSON.stringify(strength))
  assert.match(strength.why, /^The HS256 secret is "a" repeated: anyone who guesses it signs tokens for any user; import a new one \(generate one with: openssl rand -base64 32\)$/)
})

test('what the usual generators make always passes: openssl rand -base64 32 / -hex 32, secrets.token_urlsafe(32)', () => {
  for (let i = 0; i < 2000; i++) {
    for (const secret of [randomBytes(32).toString('base64'), randomBytes(32).toString('hex'), randomBytes(32).toString('base64url'), randomBytes(24).toString('base64')]) {
      const { problem, bits } = secretStrength(secret)
      assert.equal(problem, null, secret)
      assert.ok(bits >= 128, secret)
    }
  }
})
