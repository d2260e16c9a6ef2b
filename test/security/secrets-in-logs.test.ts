// Secrets never reach the logs: a server with a capturing logger is driven through every flow that
// handles one (setup code, logins good and bad, refresh, password change, API keys, key rotation
// and import), then every log line, and the audit trail as exported, is searched for each secret.

import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { test } from 'node:test'
import { startServer, testEnv } from '../helpers.ts'
import { send, form } from './support.ts'

test('no password, token, key, API key or setup code appears in any log line or audit event', async (t) => {
  const { url, server, logs } = await startServer(t, { env: testEnv({ LANGFLOW_SUPERUSER: undefined, LANGFLOW_SUPERUSER_PASSWORD: undefined }) })
  const secrets: [string, string][] = []
  const keep = (what: string, value: string) => void secrets.push([what, value])
  const json = (extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', ...extra })

  const code = server.setupCode() as string
  keep('setup code', code)
  keep('wrong setup code', 'ZZZZZ-ZZZZZ-ZZZZZ')
  assert.equal((await send(url, 'POST', '/api/v1/setup', { headers: json(), body: JSON.stringify({ code: 'ZZZZZ-ZZZZZ-ZZZZZ', username: 'root', password: 'first-Passw0rd-xyz' }) })).status, 403)
  keep('first password', 'first-Passw0rd-xyz')
  assert.equal((await send(url, 'POST', '/api/v1/setup', { headers: json(), body: JSON.stringify({ code, username: 'root', password: 'first-Passw0rd-xyz' }) })).status, 201)

  keep('wrong password', 'Wrong-Passw0rd-abc')
  assert.equal((await send(url, 'POST', '/api/v1/login', form({ username: 'root', password: 'Wrong-Passw0rd-abc' }))).status, 401)
  const l = await send(url, 'POST', '/api/v1/login', form({ username: 'root', password: 'first-Passw0rd-xyz' }))
  keep('access token', l.body.access_token)
  keep('refresh token', l.body.refresh_token)
  const r = await send(url, 'POST', '/api/v1/refresh', form({ refresh_token: l.body.refresh_token }))
  keep('refreshed access token', r.body.access_token)
  keep('refreshed refresh token', r.body.refresh_token)
  const bearer = json({ authorization: `Bearer ${r.body.access_token}` })

  const user = await send(url, 'POST', '/api/v1/admin/users', { headers: bearer, body: JSON.stringify({ username: 'bob', password: 'bob-Passw0rd-123' }) })
  keep('new user password', 'bob-Passw0rd-123')
  const bob = await send(url, 'POST', '/api/v1/login', form({ username: 'bob', password: 'bob-Passw0rd-123' }))
  keep('changed password', 'bob-Changed-456')
  const reset = await send(url, 'PATCH', `/api/v1/users/${user.body.user.id}/reset-password`, {
    headers: json({ authorization: `Bearer ${bob.body.access_token}` }), body: JSON.stringify({ current_password: 'bob-Passw0rd-123', password: 'bob-Changed-456' }),
  })
  assert.equal(reset.status, 200, reset.text)
  keep('admin-set password', 'bob-AdminSet-789')
  assert.equal((await send(url, 'PATCH', `/api/v1/admin/users/${user.body.user.id}`, { headers: bearer, body: JSON.stringify({ password: 'bob-AdminSet-789' }) })).status, 200)

  const apiKey = await send(url, 'POST', '/api/v1/api_key/', { headers: bearer, body: '{"name":"ci"}' })
  keep('API key', apiKey.body.api_key)
  assert.equal((await send(url, 'POST', '/api/v1/oauth/introspect', { ...form({ token: r.body.access_token }), headers: { ...form({}).headers, 'x-api-key': apiKey.body.api_key } })).body.active, true)

  assert.equal((await send(url, 'POST', '/api/v1/admin/keys/rotate', { headers: bearer })).status, 201)
  const secret = 'imported-hs256-secret-0123456789-abcdefgh'
  keep('imported HS256 secret', secret)
  assert.equal((await send(url, 'POST', '/api/v1/admin/keys/import', { headers: bearer, body: JSON.stringify({ algorithm: 'HS256', secret }) })).status, 201)
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
  for (const line of pem.split('\n').filter((x) => x.length > 40)) keep('imported PEM body line', line)
  assert.equal((await send(url, 'POST', '/api/v1/admin/keys/import', { headers: bearer, body: JSON.stringify({ algorithm: 'RS256', private_key: pem }) })).status, 201)
  // A broken PEM: its parse error must not echo the material either.
  const broken = pem.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!')
  assert.equal((await send(url, 'POST', '/api/v1/admin/keys/import', { headers: bearer, body: JSON.stringify({ algorithm: 'RS256', private_key: broken }) })).status, 422)
  assert.equal((await send(url, 'POST', '/api/v1/logout', { headers: { authorization: `Bearer ${r.body.access_token}` } })).status, 200)

  const audit = await send(url, 'GET', '/api/v1/admin/audit/export?format=jsonl', { headers: { 'x-api-key': apiKey.body.api_key } })
  assert.equal(audit.status, 200)
  const lines = [...logs, ...audit.text.split('\n')]
  assert.ok(lines.length > 15, `the flows were recorded (${lines.length} lines)`)
  const leaks = secrets.flatMap(([what, value]) => lines.filter((line) => line.includes(value)).map((line) => `${what} in: ${line.slice(0, 160)}`))
  assert.deepEqual(leaks, [])
  console.log(`secrets: ${secrets.length} secrets searched in ${logs.length} log lines and ${lines.length - logs.length} audit lines, none found`)
})

test('a password typed into the username field is stored nowhere: an unknown name is audited as a keyed hash', async (t) => {
  const { url, logs } = await startServer(t)
  const typed = 'Correct-Horse-Battery-Staple-42'
  for (let i = 0; i < 3; i++) assert.equal((await send(url, 'POST', '/api/v1/login', form({ username: typed, password: 'admin-password-1' }))).status, 401)
  assert.equal((await send(url, 'POST', '/api/v1/login', form({ username: typed.toLowerCase(), password: 'x' }))).status, 429)
  const admin = await send(url, 'POST', '/api/v1/login', form({ username: 'admin', password: 'admin-password-1' }))
  const bearer = { authorization: `Bearer ${admin.body.access_token}` }
  const events = (await send(url, 'GET', '/api/v1/admin/audit?type=login_failed,account_locked', { headers: bearer })).body.events as { username: string }[]
  assert.equal(events.length, 4, 'three failures and the lock they earned')
  const names = new Set(events.map((e) => e.username))
  assert.equal(names.size, 1, 'one name, so that the attempts can still be told apart from others')
  assert.match([...names][0] as string, /^unknown:[0-9a-f]{8}$/)
  const exports = await Promise.all(['csv', 'jsonl'].map((format) => send(url, 'GET', `/api/v1/admin/audit/export?format=${format}`, { headers: bearer })))
  const text = [...logs, ...exports.map((r) => r.text)].join('\n').toLowerCase()
  assert.ok(text.includes('login_failed'))
  assert.equal(text.includes(typed.toLowerCase()), false, 'the typed name is in no log line and no audit event')
  assert.equal(text.includes(typed.slice(0, 8).toLowerCase()), false, 'not even its beginning')
})
