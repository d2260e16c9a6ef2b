// POST /login, /logout, /auto_login and first-run setup over real HTTP: bodies, status codes,
// cookies and their attributes, no user enumeration, and throttling of repeated failures.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AuthError } from '../../../src/server/core/errors.ts'
import { ADMIN, call, decodeJwt, login, manualClock, startServer, testEnv, assertError } from '../../helpers.ts'

test('login with the OAuth2 password form returns a bearer pair and sets the three Langflow cookies', async (t) => {
  const { url } = await startServer(t)
  const r = await call(url, 'POST', '/api/v1/login', { form: { ...ADMIN, grant_type: 'password', scope: '' } })
  assert.equal(r.status, 200)
  assert.equal(r.body.token_type, 'bearer')
  assert.equal(typeof r.body.access_token, 'string')
  assert.equal(typeof r.body.refresh_token, 'string')
  assert.equal(r.headers.get('cache-control'), 'no-store')

  const access = r.cookies.access_token_lf as string
  assert.match(access, new RegExp(`^access_token_lf=${r.body.access_token};`))
  assert.match(access, /; Path=\//)
  assert.match(access, /; Expires=/)
  assert.doesNotMatch(access, /Max-Age|HttpOnly|Secure/)
  assert.match(access, /SameSite=Lax/)

  const refresh = r.cookies.refresh_token_lf as string
  assert.match(refresh, new RegExp(`^refresh_token_lf=${r.body.refresh_token};`))
  assert.match(refresh, /; HttpOnly/)
  assert.match(refresh, /; Secure/)
  assert.match(refresh, /SameSite=Strict/)
  const expires = Date.parse(/Expires=([^;]+)/.exec(refresh)?.[1] ?? '')
  assert.ok(Math.abs(expires - (Date.now() + 604800_000)) < 10_000, 'refresh cookie lives LANGFLOW_REFRESH_TOKEN_EXPIRE_SECONDS')

  assert.ok(r.cookies.apikey_tkn_lflw, 'the store-key cookie is set too')
  assert.doesNotMatch(r.cookies.apikey_tkn_lflw as string, /Expires/)
})

test('login also accepts JSON, and the cookie attributes follow the LANGFLOW_* settings', async (t) => {
  const { url } = await startServer(t, {
    env: testEnv({ LANGFLOW_ACCESS_HTTPONLY: 'true', LANGFLOW_ACCESS_SECURE: 'true', LANGFLOW_ACCESS_SAME_SITE: 'strict', LANGFLOW_REFRESH_SAME_SITE: 'lax', LANGFLOW_COOKIE_DOMAIN: 'localhost', LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS: '120' }),
  })
  const r = await call(url, 'POST', '/api/v1/login', { json: ADMIN })
  assert.equal(r.status, 200)
  assert.match(r.cookies.access_token_lf as string, /Domain=localhost; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Strict/)
  assert.match(r.cookies.refresh_token_lf as string, /Domain=localhost;.*SameSite=Lax/)
  const expires = Date.parse(/Expires=([^;]+)/.exec(r.cookies.access_token_lf as string)?.[1] ?? '')
  assert.ok(Math.abs(expires - (Date.now() + 120_000)) < 5_000)
})

test('unknown user and wrong password get the same 401, with WWW-Authenticate', async (t) => {
  const { url } = await startServer(t)
  const wrong = await call(url, 'POST', '/api/v1/login', { form: { username: ADMIN.username, password: 'not-the-password' } })
  const unknown = await call(url, 'POST', '/api/v1/login', { form: { username: 'nobody-here', password: 'not-the-password' } })
  for (const r of [wrong, unknown]) {
    assertError(r, 401, 'INVALID_CREDENTIALS', 'Incorrect username or password')
    assert.equal(r.cookies.access_token_lf, undefined)
  }
})

test('bad login bodies are 4xx JSON, never 5xx', async (t) => {
  const { url } = await startServer(t)
  const cases = [
    await call(url, 'POST', '/api/v1/login', { form: { username: 'admin' } }),
    await call(url, 'POST', '/api/v1/login', {}),
    await call(url, 'POST', '/api/v1/login', { json: { username: 1, password: ['x'] } }),
    await call(url, 'POST', '/api/v1/login', { form: { ...ADMIN, grant_type: 'client_credentials' } }),
    await call(url, 'POST', '/api/v1/login', { headers: { 'content-type': 'application/json' }, form: undefined, json: undefined }),
  ]
  for (const r of cases) {
    assert.equal(r.status, 422, JSON.stringify(r.body))
    assert.equal(typeof r.body.detail, 'string')
  }
  const malformed = await fetch(`${url}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":' })
  assert.equal(malformed.status, 422)
  assert.equal(((await malformed.json()) as { detail: string }).detail, 'The request body is not valid JSON')
  // Both fields sent, in a body the server does not read: say which types it takes, not "required".
  const multipart = new FormData()
  multipart.set('username', ADMIN.username)
  multipart.set('password', ADMIN.password)
  for (const body of [multipart, `username=${ADMIN.username}&password=${ADMIN.password}`]) {
    const r = await fetch(`${url}/api/v1/login`, { method: 'POST', body }) // text/plain for the string
    assert.equal(r.status, 415)
    const answer = (await r.json()) as { detail: string; code: string }
    assert.equal(answer.code, 'UNSUPPORTED_MEDIA_TYPE')
    assert.match(answer.detail, /^(multipart\/form-data|text\/plain) is not accepted here: send application\/x-www-form-urlencoded or application\/json$/)
  }
  const huge = await fetch(`${url}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=a&password=${'x'.repeat(200_000)}` })
  assert.equal(huge.status, 413)
})

test('a password over 72 bytes never logs in, even when its first 72 bytes are right', async (t) => {
  const password = 'violet-harbour-stapler-'.repeat(4).slice(0, 72)
  assert.equal(Buffer.byteLength(password), 72)
  const { url } = await startServer(t, { env: testEnv({ LANGFLOW_SUPERUSER_PASSWORD: password }) })
  await login(url, ADMIN.username, password)
  const r = await call(url, 'POST', '/api/v1/login', { form: { username: ADMIN.username, password: `${password}extra` } })
  assert.equal(r.status, 401)
})

test('repeated failures slow down, then lock with 429 and Retry-After; other addresses of the account are unaffected', async (t) => {
  const { url, server } = await startServer(t)
  const attempt = () => call(url, 'POST', '/api/v1/login', { form: { username: ADMIN.username, password: 'wrong-password' } })
  for (let i = 0; i < 3; i++) assert.equal((await attempt()).status, 401)
  const locked = await attempt()
  assertError(locked, 429, 'LOGIN_THROTTLED')
  const retryAfter = Number(locked.headers.get('retry-after'))
  assert.ok(retryAfter >= 1 && retryAfter <= 900)
  // Even the right password is refused while locked: guessing cannot continue.
  assert.equal((await call(url, 'POST', '/api/v1/login', { form: ADMIN })).status, 429)
  // The lock is per account and address: the same account from elsewhere is not locked out.
  assert.doesNotThrow(() => server.core.throttle.tryReserve('admin', '203.0.113.7', null).release())
  await new Promise((r) => setTimeout(r, retryAfter * 1000 + 50))
  assert.equal((await call(url, 'POST', '/api/v1/login', { form: ADMIN })).status, 200)
})

test('a burst against admin from 127.0.0.1 does not lock out the admin\'s client holding a device cookie; without one it waits; Unlock lets everyone in', async (t) => {
  const { url } = await startServer(t, { clock: manualClock() }) // the locks last until the test lifts them
  const first = await call(url, 'POST', '/api/v1/login', { form: ADMIN })
  const line = first.cookies.authdock_device as string
  assert.match(line ?? '', /^authdock_device=d1\.[\w-]+\.\d+\.[\w-]+; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Strict$/)
  const device = line.slice(0, line.indexOf(';'))
  // Someone else on this machine guesses, all at once: another local program, and a page on
  // another port open in the admin's own browser, which therefore sends the admin's device cookie.
  const guess = (headers: Record<string, string>) => call(url, 'POST', '/api/v1/login', { form: { username: ADMIN.username, password: 'wrong-password' }, headers })
  const page = { cookie: device, origin: 'http://127.0.0.1:9', 'sec-fetch-site': 'same-site' }
  const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => guess(i % 2 === 0 ? {} : page)))
  assert.ok(burst.some((r) => r.status === 429))
  // Every local client shares 127.0.0.1: without its device cookie the admin waits too ...
  const bare = await call(url, 'POST', '/api/v1/login', { form: ADMIN })
  assertError(bare, 429, 'LOGIN_THROTTLED')
  // ... but the admin's own client gets in, even when a same-named cookie was planted in front.
  const known = await call(url, 'POST', '/api/v1/login', { form: ADMIN, headers: { cookie: `authdock_device=d1.planted; ${device}`, 'sec-fetch-site': 'same-origin' } })
  assert.equal(known.status, 200, JSON.stringify(known.body))
  assert.ok(known.cookies.authdock_device, 'a fresh device cookie at each login')
  // A made-up or altered device cookie counts for nothing.
  const forged = device.replace(/.{8}$/, (tail) => (tail === 'AAAAAAAA' ? 'BBBBBBBB' : 'AAAAAAAA'))
  assert.equal((await call(url, 'POST', '/api/v1/login', { form: ADMIN, headers: { cookie: forged } })).status, 429)
  // Unlock lifts every lock of the admin: a client without a device cookie gets in again.
  const adminId = decodeJwt(known.body.access_token).payload.sub as string
  const unlocked = await call(url, 'POST', `/api/v1/admin/users/${adminId}/unlock`, { token: known.body.access_token })
  assert.equal(unlocked.body.was_locked, true)
  assert.equal((await call(url, 'POST', '/api/v1/login', { form: ADMIN })).status, 200)
})

test('a page of an origin listed in AUTHDOCK_CORS_ORIGINS, which may sign in, has its device cookie counted; another origin\'s page has not', async (t) => {
  const listed = 'http://app.example:3000'
  const { url } = await startServer(t, { clock: manualClock(), env: testEnv({ AUTHDOCK_CORS_ORIGINS: listed }) })
  const first = await call(url, 'POST', '/api/v1/login', { form: ADMIN })
  const line = first.cookies.authdock_device as string
  const device = line.slice(0, line.indexOf(';'))
  // Someone on 127.0.0.1 locks the (admin, 127.0.0.1) pair.
  for (let i = 0; i < 3; i++) await call(url, 'POST', '/api/v1/login', { form: { username: ADMIN.username, password: 'wrong-password' } })
  assert.equal((await call(url, 'POST', '/api/v1/login', { form: ADMIN })).status, 429)
  // The listed app's page signs in with the browser's device cookie, past the lock.
  const fromListed = await call(url, 'POST', '/api/v1/login', { form: ADMIN, headers: { cookie: device, origin: listed, 'sec-fetch-site': 'cross-site' } })
  assert.equal(fromListed.status, 200, JSON.stringify(fromListed.body))
  // An unlisted origin's page may not sign in at all (login CSRF).
  const fromOther = await call(url, 'POST', '/api/v1/login', { form: ADMIN, headers: { cookie: device, origin: 'http://127.0.0.1:9', 'sec-fetch-site': 'same-site' } })
  assert.equal(fromOther.status, 403)
})

test('logout revokes the session server-side and clears the cookies with the attributes they were set with', async (t) => {
  const { url } = await startServer(t)
  const first = await call(url, 'POST', '/api/v1/login', { form: ADMIN })
  const access = first.body.access_token
  const out = await call(url, 'POST', '/api/v1/logout', { token: access })
  assert.equal(out.status, 200)
  assert.deepEqual(out.body, { message: 'Logout successful' })
  for (const name of ['access_token_lf', 'refresh_token_lf', 'apikey_tkn_lflw']) {
    const set = first.cookies[name] as string
    const cleared = out.cookies[name] as string
    assert.match(cleared, new RegExp(`^${name}=;`))
    assert.match(cleared, /Expires=Thu, 01 Jan 1970/)
    for (const attr of ['Path=/', 'HttpOnly', 'Secure', 'SameSite=Strict', 'SameSite=Lax']) {
      assert.equal(cleared.includes(attr), set.includes(attr), `${name}: ${attr} as when set`)
    }
  }
  // The access token issued before logout is refused at once, and so is the refresh token.
  const after = await call(url, 'GET', '/api/v1/users/whoami', { token: access })
  assertError(after, 401, 'SESSION_REVOKED')
  assert.equal((await call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: first.body.refresh_token } })).status, 401)
})

test('logout through the refresh cookie alone revokes that session', async (t) => {
  const { url } = await startServer(t)
  const tokens = await login(url)
  const out = await call(url, 'POST', '/api/v1/logout', { headers: { cookie: `refresh_token_lf=${tokens.refresh}` } })
  assert.equal(out.status, 200)
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: tokens.access })).status, 401)
  // Logging out with nothing, or with garbage, still answers 200 and clears cookies.
  const bare = await call(url, 'POST', '/api/v1/logout', { headers: { authorization: 'Bearer garbage', cookie: 'refresh_token_lf=nope' } })
  assert.equal(bare.status, 200)
})

test('auto_login answers as Langflow does when it is off', async (t) => {
  const { url } = await startServer(t)
  const r = await call(url, 'GET', '/api/v1/auto_login')
  assert.equal(r.status, 403)
  assert.equal(r.body.detail.auto_login, false)
  assert.match(r.body.detail.message, /Auto login is disabled/)
})

test('auto_login, when explicitly enabled, opens a normal revocable session for the superuser without a refresh cookie', async (t) => {
  const { url } = await startServer(t, { env: testEnv({ LANGFLOW_AUTO_LOGIN: 'true' }) })
  const r = await call(url, 'GET', '/api/v1/auto_login')
  assert.equal(r.status, 200)
  assert.doesNotMatch(r.cookies.access_token_lf as string, /Expires/)
  assert.equal(r.cookies.refresh_token_lf, undefined)
  const me = await call(url, 'GET', '/api/v1/users/whoami', { token: r.body.access_token })
  assert.equal(me.body.username, ADMIN.username)
  await call(url, 'POST', '/api/v1/logout', { token: r.body.access_token })
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: r.body.access_token })).status, 401)
})

test('first run without LANGFLOW_SUPERUSER: the one-time setup code creates the first superuser, once', async (t) => {
  const { url, server } = await startServer(t, { env: testEnv({ LANGFLOW_SUPERUSER: undefined, LANGFLOW_SUPERUSER_PASSWORD: undefined }) })
  assert.deepEqual((await call(url, 'GET', '/api/v1/setup')).body, { needed: true })
  const code = server.setupCode()
  assert.match(code ?? '', /^[A-Z2-9]{5}-[A-Z2-9]{5}-[A-Z2-9]{5}$/)
  const wrong = await call(url, 'POST', '/api/v1/setup', { json: { code: 'AAAAA-AAAAA-AAAAA', username: 'root', password: 'root-password' } })
  assert.equal(wrong.status, 403)
  const weak = await call(url, 'POST', '/api/v1/setup', { json: { code, username: 'root', password: 'short' } })
  assert.equal(weak.status, 422)
  const ok = await call(url, 'POST', '/api/v1/setup', { json: { code: code?.toLowerCase(), username: 'root', password: 'root-password' } })
  assert.equal(ok.status, 201)
  assert.equal(ok.body.is_superuser, true)
  assert.equal(ok.body.is_active, true)
  assert.equal(server.setupCode(), null)
  const again = await call(url, 'POST', '/api/v1/setup', { json: { code, username: 'root2', password: 'root-password' } })
  assert.equal(again.status, 409)
  assert.deepEqual((await call(url, 'GET', '/api/v1/setup')).body, { needed: false })
  await login(url, 'root', 'root-password')
})

test('wrong setup codes from many addresses never lock out the right one; a guessing address waits', async (t) => {
  const { server } = await startServer(t, { env: testEnv({ LANGFLOW_SUPERUSER: undefined, LANGFLOW_SUPERUSER_PASSWORD: undefined }) })
  const code = server.setupCode() as string
  const attempt = (ip: string, given: string) =>
    server.core.setup.complete({ code: given, username: 'root', password: 'root-passphrase-1' }, { ip, userAgent: null }).then(
      () => 'created',
      (err: unknown) => (err instanceof AuthError ? err.code : String(err)),
    )
  for (let i = 0; i < 60; i++) {
    for (let j = 0; j < 4; j++) await attempt(`198.51.100.${i}`, 'AAAAA-AAAAA-AAAAA')
  }
  assert.equal(await attempt('198.51.100.0', code), 'LOGIN_THROTTLED', 'the guessing address waits, even with the right code')
  assert.equal(await attempt('192.0.2.10', code), 'created', 'the operator\'s right code still works')
})

test('unknown routes and methods answer JSON 404', async (t) => {
  const { url } = await startServer(t)
  for (const path of ['/api/v1/nope', '/nothing-here']) {
    const r = await call(url, 'GET', path)
    assertError(r, 404, undefined, 'Not Found')
  }
})
