// The browser-facing surface: hardening headers on API answers and on the console (whose built
// files need nothing the strict CSP forbids), CORS closed unless AUTHDOCK_CORS_ORIGINS lists an
// origin, and no state change authenticated by the access cookie from any other origin.

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { loadConfig } from '../../src/server/core/config.ts'
import { ConfigError } from '../../src/server/core/errors.ts'
import { login, startServer, testEnv, assertError } from '../helpers.ts'
import { send } from './support.ts'

const CONSOLE_DIR = join(import.meta.dirname, '..', '..', 'out', 'renderer')
const LISTED = 'http://app.example:3000'

function assertHardened(headers: Headers, label: string): void {
  assert.equal(headers.get('x-content-type-options'), 'nosniff', label)
  assert.equal(headers.get('x-frame-options'), 'DENY', label)
  assert.equal(headers.get('referrer-policy'), 'no-referrer', label)
  const csp = headers.get('content-security-policy') ?? ''
  assert.match(csp, /frame-ancestors 'none'/, label)
  assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline|\*/, label)
}

test('API answers carry the hardening headers: fast path, Express routes, errors, 404s, well-known', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  for (const [path, headers] of [
    ['/api/v1/users/whoami', { authorization: `Bearer ${admin.access}` }], ['/api/v1/users/whoami', {}], ['/api/v1/auth/verify', {}],
    ['/api/v1/health', {}], ['/api/v1/admin/overview', { authorization: `Bearer ${admin.access}` }], ['/api/v1/nope', {}],
    ['/.well-known/jwks.json', {}], ['/.well-known/openid-configuration', {}], ['/nope', {}],
  ] as const) {
    const r = await send(url, 'GET', path, { headers })
    assertHardened(r.headers, `GET ${path} (${r.status})`)
    assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'none'/, path)
    assert.equal(r.headers.get('access-control-allow-origin'), null, `${path}: CORS is closed by default`)
  }
})

test('the built console loads under its strict CSP: no inline script or style, no eval, every asset served', async (t) => {
  assert.ok(existsSync(join(CONSOLE_DIR, 'index.html')), `the console must be built first (npm run build): ${CONSOLE_DIR}`)
  const { url } = await startServer(t, { consoleDir: CONSOLE_DIR })
  const page = await send(url, 'GET', '/')
  assert.equal(page.status, 200)
  assertHardened(page.headers, 'GET /')
  const csp = page.headers.get('content-security-policy') ?? ''
  for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
    assert.ok(csp.includes(directive), `console CSP has ${directive}: ${csp}`)
  }
  const html = page.text
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline <script>')
  assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=/i, 'no inline style or event handler attributes')
  const assets = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map((m) => m[1] as string)
  assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), `assets: ${assets.join(', ')}`)
  for (const asset of assets) {
    const r = await send(url, 'GET', `/${asset}`)
    assert.equal(r.status, 200, asset)
    assert.match(r.headers.get('content-type') ?? '', asset.endsWith('.js') ? /javascript/ : /text\/css/)
    assert.equal(r.headers.get('content-security-policy'), csp)
    if (asset.endsWith('.js')) assert.doesNotMatch(readFileSync(join(CONSOLE_DIR, asset), 'utf8'), /\beval\(|new Function\(/, `${asset} needs no unsafe-eval`)
  }
})

test('AUTHDOCK_CORS_ORIGINS: exact origins only, validated at start-up', () => {
  assert.deepEqual(loadConfig({}).config.corsOrigins, [])
  assert.deepEqual(loadConfig({ AUTHDOCK_CORS_ORIGINS: ` ${LISTED}, https://console.example ` }).config.corsOrigins, [LISTED, 'https://console.example'])
  for (const bad of ['*', 'null', 'app.example', 'http://app.example/', 'http://app.example/path', 'HTTP://App.example', 'ftp://app.example', 'http://app.example:80', 'http://user@app.example']) {
    assert.throws(() => loadConfig({ AUTHDOCK_CORS_ORIGINS: bad }), (e: unknown) => e instanceof ConfigError && e.message.includes('AUTHDOCK_CORS_ORIGINS'), bad)
  }
})

test('CORS: a listed origin gets its own origin back with credentials and its preflight answered; others get nothing, never *', async (t) => {
  const closed = await startServer(t)
  const preflight = (url: string, origin: string) =>
    send(url, 'OPTIONS', '/api/v1/users/whoami', { headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } })
  const refused = await preflight(closed.url, LISTED)
  assertError(refused, 403, 'FORBIDDEN')
  assert.equal(refused.headers.get('access-control-allow-origin'), null)

  const open = await startServer(t, { env: testEnv({ AUTHDOCK_CORS_ORIGINS: LISTED }) })
  const ok = await preflight(open.url, LISTED)
  assert.equal(ok.status, 204)
  assert.equal(ok.headers.get('access-control-allow-origin'), LISTED)
  assert.equal(ok.headers.get('access-control-allow-credentials'), 'true')
  assert.match(ok.headers.get('access-control-allow-headers') ?? '', /Authorization/)
  assert.match(ok.headers.get('vary') ?? '', /Origin/)
  assert.equal((await preflight(open.url, 'http://evil.example')).status, 403)
  const admin = await login(open.url)
  const read = await send(open.url, 'GET', '/api/v1/users/whoami', { headers: { origin: LISTED, authorization: `Bearer ${admin.access}` } })
  assert.equal(read.status, 200)
  assert.equal(read.headers.get('access-control-allow-origin'), LISTED)
  assert.match(read.headers.get('vary') ?? '', /Origin/)
  const other = await send(open.url, 'GET', '/api/v1/users/whoami', { headers: { origin: 'http://evil.example', authorization: `Bearer ${admin.access}` } })
  assert.equal(other.headers.get('access-control-allow-origin'), null)
  assert.equal(other.headers.get('access-control-allow-credentials'), null)
  const discovery = await send(open.url, 'GET', '/.well-known/openid-configuration', { headers: { origin: LISTED } })
  assert.match(discovery.headers.get('vary') ?? '', /Origin/)
  // Its URLs come from configuration, not from Host (test/security/dns-rebinding.test.ts).
  assert.doesNotMatch(discovery.headers.get('vary') ?? '', /Host/)
})

test('every state-changing route refuses the access cookie from another origin or site, and changes nothing', async (t) => {
  const { url, server } = await startServer(t, { env: testEnv({ AUTHDOCK_CORS_ORIGINS: LISTED }) })
  const admin = await login(url)
  const json = { 'content-type': 'application/json' }
  const victim = await send(url, 'POST', '/api/v1/admin/users', { headers: { ...json, authorization: `Bearer ${admin.access}` }, body: '{"username":"victim","password":"victim-password"}' })
  const key = await send(url, 'POST', '/api/v1/api_key/', { headers: { ...json, authorization: `Bearer ${admin.access}` }, body: '{}' })
  const adminId = server.core.users.byUsername('admin')?.id as string
  const v = victim.body.user.id as string
  // Bodies that would succeed with a Bearer token: what stops them is the origin alone.
  const routes: [string, string, string?][] = [
    ['POST', '/api/v1/users/', '{"username":"csrf1","password":"csrf-password"}'],
    ['PATCH', `/api/v1/users/${v}`, '{"is_superuser":true}'],
    ['PATCH', `/api/v1/users/${adminId}/reset-password`, '{"current_password":"admin-password-1","password":"csrf-password"}'],
    ['DELETE', `/api/v1/users/${v}`],
    ['POST', '/api/v1/api_key/', '{"name":"csrf"}'],
    ['DELETE', `/api/v1/api_key/${key.body.id}`],
    ['POST', '/api/v1/admin/sessions/revoke-all', '{"confirm":"revoke-all"}'],
    ['DELETE', `/api/v1/admin/sessions/${server.core.sessions.list({}, { skip: 0, limit: 1 }).sessions[0]?.id}`],
    ['POST', '/api/v1/admin/keys/rotate', '{}'],
    ['POST', '/api/v1/admin/keys/import', JSON.stringify({ algorithm: 'HS256', secret: randomBytes(32).toString('base64url') })],
    ['PUT', '/api/v1/admin/algorithm', '{"algorithm":"RS256"}'],
    ['PATCH', '/api/v1/admin/settings', '{"access_token_expire_seconds":900}'],
    ['POST', '/api/v1/admin/users', '{"username":"csrf2","password":"csrf-password","is_superuser":true}'],
    ['PATCH', `/api/v1/admin/users/${v}`, '{"is_superuser":true}'],
    ['DELETE', `/api/v1/admin/users/${v}`],
    ['POST', `/api/v1/admin/users/${v}/unlock`],
    ['POST', `/api/v1/admin/users/${v}/revoke-sessions`],
  ]
  const before = JSON.stringify([server.core.users.list({ skip: 0, limit: 100 }), server.core.keys.list(), server.core.apiKeys.list(adminId), server.core.settings.describe()])
  const hostile: Record<string, string>[] = [
    { origin: 'http://evil.example' }, { origin: 'null' }, { origin: `${url.replace('127.0.0.1', 'localhost')}` },
    { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' },
  ]
  let refusals = 0
  for (const [method, path, body] of routes) {
    for (const h of hostile) {
      const r = await send(url, method, path, { headers: { ...json, ...h, cookie: `access_token_lf=${admin.access}` }, body })
      assert.equal(r.status, 403, `${method} ${path} with ${JSON.stringify(h)}: ${r.status} ${r.text.slice(0, 120)}`)
      assertError(r, 403, 'FORBIDDEN')
      refusals += 1
    }
  }
  assert.equal(JSON.stringify([server.core.users.list({ skip: 0, limit: 100 }), server.core.keys.list(), server.core.apiKeys.list(adminId), server.core.settings.describe()]), before, 'nothing changed')
  // The console's own origin passes. An origin listed for CORS does not: it may read answers, and
  // its state changes must carry a Bearer token, never the admin's cookie.
  const own = await send(url, 'POST', '/api/v1/api_key/', { headers: { ...json, origin: url, cookie: `access_token_lf=${admin.access}` }, body: '{}' })
  assert.equal(own.status, 200, own.text)
  const listed = await send(url, 'POST', '/api/v1/api_key/', { headers: { ...json, origin: LISTED, cookie: `access_token_lf=${admin.access}` }, body: '{}' })
  assert.equal(listed.status, 403, listed.text)
  const bearer = await send(url, 'POST', '/api/v1/api_key/', { headers: { ...json, origin: LISTED, authorization: `Bearer ${admin.access}` }, body: '{}' })
  assert.equal(bearer.status, 200, bearer.text)
  console.log(`csrf: ${routes.length} state-changing routes × ${hostile.length} foreign origins, ${refusals} refused`)
})

test('the refresh cookie is honoured only from our own pages: refresh, the refresh grant and logout', async (t) => {
  const { url } = await startServer(t, { env: testEnv({ AUTHDOCK_CORS_ORIGINS: LISTED }) })
  const tokens = await login(url)
  const cookie = { cookie: `refresh_token_lf=${tokens.refresh}` }
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  const hostile: Record<string, string>[] = [{ origin: LISTED }, { origin: 'http://evil.example' }, { 'sec-fetch-site': 'same-site' }]
  for (const h of hostile) {
    for (const [path, body] of [['/api/v1/refresh', ''], ['/api/v1/refresh/', ''], ['/api/v1/login', 'grant_type=refresh_token'], ['/api/v1/logout', '']] as const) {
      const r = await send(url, 'POST', path, { headers: { ...form, ...cookie, ...h }, body })
      assert.equal(r.status, 403, `${path} with ${JSON.stringify(h)}: ${r.status} ${r.text.slice(0, 120)}`)
      assert.equal(r.headers.get('set-cookie'), null, `${path}: no cookie set`)
    }
  }
  // Nothing was rotated or ended: the same refresh token works once, from the console's origin...
  const own = await send(url, 'POST', '/api/v1/refresh', { headers: { ...cookie, origin: url } })
  assert.equal(own.status, 200, own.text)
  // ...and an https page on the same host (a proxy that ends TLS) is the console's origin too.
  const next = await login(url)
  const https = await send(url, 'POST', '/api/v1/refresh', { headers: { cookie: `refresh_token_lf=${next.refresh}`, origin: url.replace('http://', 'https://') } })
  assert.equal(https.status, 200, https.text)
  // A client without a browser (no Origin, no Sec-Fetch-Site) is not affected.
  const third = await login(url)
  assert.equal((await send(url, 'POST', '/api/v1/refresh', { headers: { cookie: `refresh_token_lf=${third.refresh}` } })).status, 200)
})
