// loadConfig, the .env reader and the default config dir: defaults, precedence, sources, and a
// start-up error naming the variable for every kind of bad value.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadConfig } from '../../../src/server/core/config.ts'
import { defaultConfigDir, parseDotEnv } from '../../../src/server/core/config-dir.ts'
import { ConfigError } from '../../../src/server/core/errors.ts'

test('defaults follow Langflow, with the stricter refresh cookie of seed 004', () => {
  const { config, bootstrap } = loadConfig({})
  assert.equal(config.algorithm, 'HS256')
  assert.equal(config.accessTtlSeconds, 3600)
  assert.equal(config.refreshTtlSeconds, 604800)
  assert.equal(config.refreshGraceSeconds, 10)
  assert.equal(config.newUserIsActive, false)
  assert.equal(config.autoLogin, false)
  assert.equal(config.bcryptCost, 12)
  assert.equal(config.host, '127.0.0.1')
  assert.equal(config.port, 7861)
  assert.deepEqual(config.cookies.access, { sameSite: 'lax', secure: false, httpOnly: false })
  assert.deepEqual(config.cookies.refresh, { sameSite: 'strict', secure: true, httpOnly: true })
  assert.equal(config.cookies.domain, null)
  assert.equal(bootstrap, null)
  assert.equal(config.sources.LANGFLOW_ALGORITHM, 'default')
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.cookies))
})

test('env wins over saved settings, saved settings over defaults, and each value knows its source', () => {
  const saved = { LANGFLOW_ALGORITHM: 'RS512', LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS: '900' }
  const { config } = loadConfig({ LANGFLOW_ALGORITHM: 'rs256', LANGFLOW_REFRESH_TOKEN_EXPIRE_SECONDS: '86400' }, saved)
  assert.equal(config.algorithm, 'RS256')
  assert.equal(config.sources.LANGFLOW_ALGORITHM, 'env')
  assert.equal(config.accessTtlSeconds, 900)
  assert.equal(config.sources.LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS, 'saved')
  assert.equal(config.refreshTtlSeconds, 86400)
  assert.equal(config.sources.LANGFLOW_REFRESH_TOKEN_EXPIRE_SECONDS, 'env')
  assert.equal(config.sources.AUTHDOCK_REFRESH_GRACE_SECONDS, 'default')
})

test('settings that are not savable ignore saved values', () => {
  const { config } = loadConfig({}, { LANGFLOW_AUTO_LOGIN: 'true' })
  assert.equal(config.autoLogin, false)
})

test('cookie settings are read from their LANGFLOW_ variables', () => {
  const { config } = loadConfig({
    LANGFLOW_ACCESS_SAME_SITE: 'Strict', LANGFLOW_ACCESS_SECURE: 'true', LANGFLOW_ACCESS_HTTPONLY: '1',
    LANGFLOW_REFRESH_SAME_SITE: 'none', LANGFLOW_REFRESH_SECURE: 'yes', LANGFLOW_REFRESH_HTTPONLY: 'false',
    LANGFLOW_COOKIE_DOMAIN: 'example.test',
  })
  assert.deepEqual(config.cookies.access, { sameSite: 'strict', secure: true, httpOnly: true })
  assert.deepEqual(config.cookies.refresh, { sameSite: 'none', secure: true, httpOnly: false })
  assert.equal(config.cookies.domain, 'example.test')
})

const badValues: [Record<string, string>, RegExp][] = [
  [{ LANGFLOW_ALGORITHM: 'HS512' }, /LANGFLOW_ALGORITHM must be one of HS256, RS256, RS512/],
  [{ LANGFLOW_ALGORITHM: 'none' }, /LANGFLOW_ALGORITHM/],
  [{ LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS: 'an hour' }, /LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS must be a whole number/],
  [{ LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS: '0' }, /LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS must be between 1/],
  [{ LANGFLOW_REFRESH_TOKEN_EXPIRE_SECONDS: '-5' }, /LANGFLOW_REFRESH_TOKEN_EXPIRE_SECONDS must be between 1/],
  [{ LANGFLOW_REFRESH_TOKEN_EXPIRE_SECONDS: '1.5' }, /LANGFLOW_REFRESH_TOKEN_EXPIRE_SECONDS must be a whole number/],
  [{ AUTHDOCK_REFRESH_GRACE_SECONDS: '61' }, /AUTHDOCK_REFRESH_GRACE_SECONDS must be between 0 and 60/],
  [{ AUTHDOCK_REFRESH_GRACE_SECONDS: '300' }, /AUTHDOCK_REFRESH_GRACE_SECONDS must be between 0 and 60/],
  [{ LANGFLOW_ACCESS_SAME_SITE: 'sometimes' }, /LANGFLOW_ACCESS_SAME_SITE must be lax, strict or none/],
  [{ LANGFLOW_REFRESH_SAME_SITE: 'none', LANGFLOW_REFRESH_SECURE: 'false' }, /LANGFLOW_REFRESH_SAME_SITE=none requires LANGFLOW_REFRESH_SECURE=true/],
  [{ LANGFLOW_ACCESS_SECURE: 'maybe' }, /LANGFLOW_ACCESS_SECURE must be true or false/],
  [{ LANGFLOW_NEW_USER_IS_ACTIVE: '2' }, /LANGFLOW_NEW_USER_IS_ACTIVE must be true or false/],
  [{ AUTHDOCK_BCRYPT_COST: '8' }, /AUTHDOCK_BCRYPT_COST must be between 10 and 20/],
  [{ AUTHDOCK_PORT: '70000' }, /^AUTHDOCK_PORT must be between 0 and 65535, got 70000$/],
  [{ AUTHDOCK_PORT: 'abc' }, /^AUTHDOCK_PORT must be a whole number, got "abc"$/],
  [{ LANGFLOW_SECRET_KEY: 'too-short-secret' }, /LANGFLOW_SECRET_KEY must be at least 32 characters/],
  [{ LANGFLOW_SECRET_KEY: 'a'.repeat(32) }, /LANGFLOW_SECRET_KEY is "a" repeated; generate one with: openssl rand -base64 32/],
  [{ LANGFLOW_SECRET_KEY: '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7' }, /LANGFLOW_SECRET_KEY is a well-known example value/],
  [{ LANGFLOW_SECRET_KEY: 'your-secret-key-here-change-me-now' }, /LANGFLOW_SECRET_KEY is 7 words, about 91 bits; at least 128/],
  [{ LANGFLOW_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----' }, /LANGFLOW_PUBLIC_KEY is set without LANGFLOW_PRIVATE_KEY/],
  [{ LANGFLOW_SUPERUSER: 'root' }, /LANGFLOW_SUPERUSER_PASSWORD is not/],
  [{ LANGFLOW_SUPERUSER_PASSWORD: 'x'.repeat(12) }, /LANGFLOW_SUPERUSER is not/],
  [{ LANGFLOW_SUPERUSER: 'langflow', LANGFLOW_SUPERUSER_PASSWORD: 'langflow' }, /legacy default/],
]

for (const [env, message] of badValues) {
  test(`start-up error for ${JSON.stringify(env)}`, () => {
    assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && message.test(err.message))
  })
}

test('a bad saved setting is reported as such', () => {
  assert.throws(() => loadConfig({}, { LANGFLOW_ALGORITHM: 'XX' }), /saved setting LANGFLOW_ALGORITHM/)
})

test('a grace window saved above 60 (older versions allowed 300) is lowered to 60 and listed; a bad one still stops start-up', () => {
  const { config, lowered } = loadConfig({}, { AUTHDOCK_REFRESH_GRACE_SECONDS: '300' })
  assert.equal(config.refreshGraceSeconds, 60)
  assert.equal(config.sources.AUTHDOCK_REFRESH_GRACE_SECONDS, 'saved')
  assert.deepEqual(lowered, [{ name: 'AUTHDOCK_REFRESH_GRACE_SECONDS', saved: '300', value: 60 }])
  assert.deepEqual(loadConfig({}, { AUTHDOCK_REFRESH_GRACE_SECONDS: '60' }).lowered, [])
  assert.equal(loadConfig({}, { AUTHDOCK_REFRESH_GRACE_SECONDS: '60' }).config.refreshGraceSeconds, 60)
  assert.throws(() => loadConfig({}, { AUTHDOCK_REFRESH_GRACE_SECONDS: '-1' }), /saved setting AUTHDOCK_REFRESH_GRACE_SECONDS must be between 0 and 60/)
  assert.throws(() => loadConfig({}, { AUTHDOCK_REFRESH_GRACE_SECONDS: 'ten' }), /saved setting AUTHDOCK_REFRESH_GRACE_SECONDS must be a whole number/)
  // Only saved values are lowered: the same value in the environment is refused.
  assert.throws(() => loadConfig({ AUTHDOCK_REFRESH_GRACE_SECONDS: '300' }, {}), /AUTHDOCK_REFRESH_GRACE_SECONDS must be between 0 and 60/)
})

test('the bootstrap superuser is returned apart from the frozen config', () => {
  const { config, bootstrap } = loadConfig({ LANGFLOW_SUPERUSER: ' root ', LANGFLOW_SUPERUSER_PASSWORD: 'long enough pw' })
  assert.deepEqual(bootstrap, { username: 'root', password: 'long enough pw' })
  assert.equal(config.superuser, 'root')
  assert.ok(!JSON.stringify(config).includes('long enough pw'))
})

test('.env parsing: comments, export, quotes, and a PEM in double quotes with \\n', () => {
  const parsed = parseDotEnv(
    [
      '# a comment',
      'export LANGFLOW_ALGORITHM=RS256',
      'PLAIN=value # trailing comment',
      "SINGLE='kept # as is'",
      'DOUBLE="line1\\nline2"',
      'MULTI="-----BEGIN-----',
      'abc',
      '-----END-----"',
      'EMPTY=',
    ].join('\n'),
  )
  assert.equal(parsed.LANGFLOW_ALGORITHM, 'RS256')
  assert.equal(parsed.PLAIN, 'value')
  assert.equal(parsed.SINGLE, 'kept # as is')
  assert.equal(parsed.DOUBLE, 'line1\nline2')
  assert.equal(parsed.MULTI, '-----BEGIN-----\nabc\n-----END-----')
  assert.equal(parsed.EMPTY, '')
})

test('the default config dir is per user and per OS, unless LANGFLOW_CONFIG_DIR says', () => {
  assert.equal(defaultConfigDir({ HOME: '/home/u' }, 'linux'), '/home/u/.config/authdock')
  assert.equal(defaultConfigDir({ HOME: '/home/u', XDG_CONFIG_HOME: '/xdg' }, 'linux'), '/xdg/authdock')
  assert.equal(defaultConfigDir({ HOME: '/Users/u' }, 'darwin'), '/Users/u/Library/Application Support/authdock')
  assert.match(defaultConfigDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32'), /authdock$/)
  assert.equal(defaultConfigDir({ LANGFLOW_CONFIG_DIR: '/srv/auth' }, 'linux'), '/srv/auth')
})
