// Property-based fuzzing (fast-check) of every endpoint: arbitrary JSON, form and raw bodies,
// query strings, headers, cookies and path ids. Whatever comes in, the answer is the route's own
// 2xx/3xx or a JSON 4xx ({detail, code}, or OAuth's {error, error_description}), never a 5xx or a dropped connection; the server still
// answers health after each route, and afterwards every stored row is complete and valid.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { normalizeUsername, usernameKey } from '../../src/server/core/users/username.ts'
import { emailKey, normalizeEmail, normalizeFullName, normalizeGroups } from '../../src/server/core/users/profile.ts'
import { login, startServer, testEnv } from '../helpers.ts'
import { send } from './support.ts'

const SEED = Number(process.env.FUZZ_SEED ?? 20260601) // eslint-disable-line n/no-process-env -- a fixed seed, overridable to replay
const RUNS = 80
// Routes that spend a bcrypt hash on valid input get fewer runs: the hash, not the check, is the cost.
const HASHING_RUNS = 30

// From the README's endpoint tables. `:id` is a real id or an arbitrary string.
const ROUTES: [method: string, path: string, runs?: number][] = [
  ['POST', '/api/v1/login', HASHING_RUNS], ['POST', '/api/v1/refresh'], ['POST', '/api/v1/logout'], ['GET', '/api/v1/auto_login'],
  ['GET', '/api/v1/setup'], ['POST', '/api/v1/setup'], ['GET', '/api/v1/users/whoami'], ['POST', '/api/v1/users/', HASHING_RUNS],
  ['GET', '/api/v1/users/'], ['PATCH', '/api/v1/users/:id', HASHING_RUNS], ['PATCH', '/api/v1/users/:id/reset-password', HASHING_RUNS],
  ['DELETE', '/api/v1/users/:id'], ['GET', '/api/v1/api_key/'], ['POST', '/api/v1/api_key/'], ['DELETE', '/api/v1/api_key/:id'],
  ['POST', '/api/v1/oauth/introspect'], ['POST', '/api/v1/oauth/revoke'], ['GET', '/api/v1/auth/verify'], ['GET', '/api/v1/revocations/stream'],
  ['GET', '/.well-known/jwks.json'], ['GET', '/.well-known/openid-configuration'], ['GET', '/api/v1/health'],
  ['GET', '/api/v1/admin/overview'], ['GET', '/api/v1/admin/checklist'], ['GET', '/api/v1/admin/sessions'], ['GET', '/api/v1/admin/sessions/:id'],
  ['DELETE', '/api/v1/admin/sessions/:id'], ['POST', '/api/v1/admin/sessions/revoke-all'], ['GET', '/api/v1/admin/keys'],
  ['POST', '/api/v1/admin/keys/rotate'], ['POST', '/api/v1/admin/keys/import'], ['PUT', '/api/v1/admin/algorithm'],
  ['GET', '/api/v1/admin/settings'], ['PATCH', '/api/v1/admin/settings'], ['GET', '/api/v1/admin/users'], ['POST', '/api/v1/admin/users', HASHING_RUNS],
  ['GET', '/api/v1/admin/users/:id'], ['PATCH', '/api/v1/admin/users/:id', HASHING_RUNS], ['DELETE', '/api/v1/admin/users/:id'],
  ['POST', '/api/v1/admin/users/:id/unlock'], ['POST', '/api/v1/admin/users/:id/revoke-sessions'], ['GET', '/api/v1/admin/audit'],
  ['GET', '/api/v1/admin/audit/export'], ['GET', '/api/v1/admin/events'], ['GET', '/api/v1/admin/api-keys'], ['DELETE', '/api/v1/admin/api-keys/:id'],
]

const FIELDS = ['username', 'password', 'name', 'expires_at', 'token', 'token_type_hint', 'refresh_token', 'grant_type', 'code', 'current_password', 'is_active',
  'is_superuser', 'optins', 'profile_image', 'confirm', 'revoke_sessions', 'algorithm', 'secret', 'private_key', 'public_key', 'last_login_at',
  'access_token_expire_seconds', 'refresh_token_expire_seconds', 'refresh_grace_seconds', 'audit_retention_days', 'email', 'groups']
const QUERY = ['skip', 'limit', 'search', 'user_id', 'state', 'since', 'until', 'type', 'q', 'format', 'last_event_id', 'x-api-key']
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 })
const anyText = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), printable)

test('fuzzing every endpoint: JSON 4xx or the documented success, never a 5xx, and no half-stored record', async (t) => {
  const { url, configDir, server } = await startServer(t, { env: testEnv({ LANGFLOW_ENABLE_SIGNUP: 'true' }) })
  const admin = await login(url)
  const bearer = { authorization: `Bearer ${admin.access}`, 'content-type': 'application/json' }
  // A superuser's API key, so that the fuzzed requests get past authentication. "Sign everyone
  // out" (revoke-all, an emergency rotation) revokes every key: a new one is made after any route
  // that did, through the core for a superuser the fuzzer never names.
  const keeper = await server.core.users.create({ username: 'keeper', password: 'keeper-password-1', isActive: true, isSuperuser: true }, null, null)
  const newKey = () => server.core.apiKeys.create(keeper, { name: 'fuzz', expiresAt: undefined }, { ip: null, userAgent: null }).key
  let apiKey = newKey()
  const keepKey = async () => {
    if ((await send(url, 'GET', '/api/v1/users/whoami', { headers: { 'x-api-key': apiKey } })).status !== 200) apiKey = newKey()
  }
  const victim = (await send(url, 'POST', '/api/v1/admin/users', { headers: bearer, body: '{"username":"victim","password":"victim-password"}' })).body.user.id as string
  const good = fc.constantFrom('revoke-all', 'HS256', 'victim', 'a-long-password-1', victim, 'refresh_token', 'password', 'csv', 'jsonl', 'active', '900', 'c'.repeat(40))
  const value = fc.oneof(anyText, good, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }))
  const fields = fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 12 })), value, { maxKeys: 6 })
  // Bodies close to valid, so that creations and changes do succeed and get stored.
  const nearlyValid = fc.record(
    { username: fc.oneof(printable, anyText), password: fc.oneof(fc.constant('a-long-password-1'), anyText), is_superuser: fc.boolean(), is_active: fc.boolean(), optins: fc.jsonValue({ maxDepth: 2 }),
      email: fc.oneof(fc.emailAddress(), anyText, fc.constant(null)), name: fc.oneof(anyText, fc.constant(null)), groups: fc.array(fc.oneof(fc.constantFrom('ops', 'admin', 'a.b-c_d'), printable), { maxLength: 3 }) },
    { requiredKeys: ['username', 'password'] },
  )
  const body = fc.oneof(
    fc.constant(undefined),
    nearlyValid.map((f) => ({ type: 'application/json', data: JSON.stringify(f) })),
    fields.map((f) => ({ type: 'application/json', data: JSON.stringify(f) })),
    fields.map((f) => ({ type: 'application/x-www-form-urlencoded', data: new URLSearchParams(Object.entries(f).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v) ?? ''])).toString() })),
    fc.record({ type: fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/json; charset=utf-16', 'multipart/form-data'), data: fc.oneof(anyText, fc.jsonValue().map((v) => JSON.stringify(v))) }),
  )
  const query = fc.dictionary(fc.oneof(fc.constantFrom(...QUERY), printable), fc.oneof(printable, good.map(String)), { maxKeys: 4 })
  const credential = fc.oneof(
    fc.constant(null).map((): Record<string, string> => ({ 'x-api-key': apiKey })),
    fc.constant<Record<string, string>>({}),
    printable.map((v) => ({ authorization: `Bearer ${v}` })),
    printable.map((v) => ({ cookie: `access_token_lf=${v}; refresh_token_lf=${v}` })),
    printable.map((v) => ({ 'x-api-key': v })),
  )
  const extra = fc.dictionary(fc.constantFrom('origin', 'sec-fetch-site', 'last-event-id', 'if-none-match', 'accept', 'content-encoding', 'cookie', 'user-agent'), printable, { maxKeys: 3 })
  const id = fc.oneof(fc.constant(victim), fc.string({ maxLength: 40 }).map(encodeURIComponent), fc.constantFrom('%', '%E0%A4%A', '..', '%2e%2e', 'null', '0'))

  let total = 0
  for (const [method, template, runs = RUNS] of ROUTES) {
    await fc.assert(
      fc.asyncProperty(body, query, credential, extra, id, async (b, q, cred, more, pathId) => {
        const qs = new URLSearchParams(q).toString()
        const path = template.replace(':id', pathId) + (qs === '' ? '' : `?${qs}`)
        const headers: Record<string, string> = { ...more, ...cred }
        if (b !== undefined && method !== 'GET') headers['content-type'] = b.type
        const a = await send(url, method, path, { headers, body: method === 'GET' || b === undefined ? undefined : b.data })
        total += 1
        assert.ok(a.status < 500, `${method} ${path}: ${a.status} ${a.text.slice(0, 300)}`)
        const type = a.headers.get('content-type') ?? ''
        if (a.status >= 400) {
          assert.match(type, /^application\/json/, `${method} ${path}: ${a.status} not JSON`)
          // The OAuth endpoints answer in OAuth's words (RFC 6749 §5.2), the others in Langflow's.
          const [code, detail] = template.includes('/oauth/') ? ['error', 'error_description'] : ['code', 'detail']
          assert.equal(typeof a.body?.[code], 'string', `${method} ${path}: ${a.text.slice(0, 200)}`)
          assert.notEqual(a.body?.[detail], undefined)
        } else if (a.status !== 204 && a.status !== 304 && !/event-stream|csv|ndjson/.test(type)) {
          assert.match(type, /^application\/json/, `${method} ${path}: ${a.status} ${type}`)
        }
      }),
      { numRuns: runs, seed: SEED, endOnFailure: true },
    )
    const health = await send(url, 'GET', '/api/v1/health')
    assert.equal(health.status, 200, `the server still answers after fuzzing ${method} ${template}`)
    await keepKey()
  }

  // Every stored row is whole: nothing half-created by a request that failed part-way.
  const db = new Database(join(configDir, 'authdock.db'), { readonly: true })
  t.after(() => db.close())
  const users = db.prepare('SELECT * FROM users').all() as Record<string, unknown>[]
  const keys = new Set<string>()
  for (const u of users) {
    const label = JSON.stringify(u).slice(0, 200)
    assert.match(String(u.id), /^[0-9a-f-]{36}$/, label)
    assert.equal(typeof u.username, 'string', label)
    assert.equal(normalizeUsername(u.username), u.username, `stored in display form: ${label}`)
    assert.equal(u.username_key, usernameKey(u.username as string), label)
    assert.ok(!keys.has(u.username_key as string), `no two users share a key: ${label}`)
    keys.add(u.username_key as string)
    assert.match(String(u.password_hash), /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/, label)
    assert.ok([0, 1].includes(u.is_active as number) && [0, 1].includes(u.is_superuser as number), label)
    assert.ok(Number.isInteger(u.created_at) && Number.isInteger(u.updated_at), label)
    const optins: unknown = JSON.parse(String(u.optins))
    assert.ok(optins !== null && typeof optins === 'object' && !Array.isArray(optins), label)
    // The profile as the core stores it: a normalised email keyed by its lower case, verified when set.
    if (u.email === null) assert.deepEqual([u.email_key, u.email_verified], [null, 0], label)
    else assert.deepEqual([normalizeEmail(u.email), u.email_key, u.email_verified], [u.email, emailKey(u.email as string), 1], label)
    assert.ok(u.full_name === null || normalizeFullName(u.full_name) === u.full_name, label)
  }
  const groups = db.prepare('SELECT group_name FROM user_groups').pluck().all() as string[]
  for (const g of groups) assert.deepEqual(normalizeGroups([g]), [g], `a stored group is a valid, unreserved name: ${g}`)
  const orphans = db.prepare('SELECT COUNT(*) AS n FROM api_keys WHERE user_id NOT IN (SELECT id FROM users) OR key_hash IS NULL OR key_hash = \'\'').get() as { n: number }
  assert.equal(orphans.n, 0)
  assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok')
  console.log(`fuzz: ${total} cases over ${ROUTES.length} routes (seed ${SEED}), no 5xx, ${users.length} stored users all whole`)
})
