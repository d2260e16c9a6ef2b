// The console's own session (POST /api/v1/console/login, /refresh, /logout): the access token in
// the body only, the refresh token in one HttpOnly SameSite=Strict cookie bound to the browser's
// secret; cookies sent twice refused and cleared; every console route and Langflow's login
// refused to other origins (login CSRF).

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { ADMIN, login, manualClock, startServer, testEnv, assertError } from '../../helpers.ts'
import { form, send } from '../../security/support.ts'
import type { Answer } from '../../security/support.ts'

const LISTED = 'http://app.example:3000'
const binding = (): string => randomBytes(32).toString('base64url')
const json = { 'content-type': 'application/json' }

/** The value of `name` in the answer's Set-Cookie lines (the last line for it), or undefined. */
function cookieOf(r: Answer, name: string): { value: string; line: string } | undefined {
  const line = r.headers.getSetCookie().filter((l) => l.startsWith(`${name}=`)).at(-1)
  return line === undefined ? undefined : { value: decodeURIComponent(line.slice(name.length + 1).split(';')[0] ?? ''), line }
}

async function consoleLogin(url: string, secret: string, headers: Record<string, string> = {}, who = ADMIN): Promise<Answer> {
  return send(url, 'POST', '/api/v1/console/login', { headers: { ...json, 'x-authdock-binding': secret, ...headers }, body: JSON.stringify(who) })
}

const consoleCall = (url: string, path: 'refresh' | 'logout', secret: string | null, cookie: string | null, headers: Record<string, string> = {}) =>
  send(url, 'POST', `/api/v1/console/${path}`, {
    headers: { ...(secret === null ? {} : { 'x-authdock-binding': secret }), ...(cookie === null ? {} : { cookie }), ...headers },
  })

test('console login: the access token in the body, the refresh token only in an HttpOnly SameSite=Strict cookie of our own', async (t) => {
  const { url } = await startServer(t, { env: testEnv({ LANGFLOW_ACCESS_HTTPONLY: 'false', LANGFLOW_REFRESH_HTTPONLY: 'false' }) })
  const secret = binding()
  const r = await consoleLogin(url, secret, { origin: url, 'sec-fetch-site': 'same-origin' })
  assert.equal(r.status, 200, r.text)
  assert.equal(typeof r.body.access_token, 'string')
  assert.equal(r.body.refresh_token, undefined, 'no refresh token a script could read')
  // The console cookie only: no device cookie (the device token is in the body), none of Langflow's.
  assert.deepEqual(r.headers.getSetCookie().map((l) => l.slice(0, l.indexOf('='))), ['authdock_console'], 'none of Langflow\'s cookies')
  assert.match(r.body.device_token, /^d1\.[\w-]{16}\.\d+\.[\w-]{43}$/)
  const cookie = cookieOf(r, 'authdock_console')
  assert.match(cookie?.line ?? '', /; Max-Age=\d+; Path=\/api\/v1\/console; HttpOnly; SameSite=Strict$/)
  assert.doesNotMatch(cookie?.line ?? '', /Secure/, 'an http page could not store a Secure cookie')
  const who = await send(url, 'GET', '/api/v1/users/whoami', { headers: { authorization: `Bearer ${r.body.access_token}` } })
  assert.equal(who.body.username, ADMIN.username)

  // Behind a proxy that ends TLS the socket is http; the page's Origin says https.
  const https = await consoleLogin(url, binding(), { origin: url.replace('http://', 'https://') })
  assert.match(cookieOf(https, 'authdock_console')?.line ?? '', /; HttpOnly; Secure; SameSite=Strict$/)

  // A session without a binding cannot be made.
  for (const bad of [null, 'short', `${'a'.repeat(42)}!`]) {
    const r2 = await send(url, 'POST', '/api/v1/console/login', { headers: { ...json, ...(bad === null ? {} : { 'x-authdock-binding': bad }) }, body: JSON.stringify(ADMIN) })
    assert.equal(r2.status, 422, `binding ${bad}`)
    assert.deepEqual(r2.headers.getSetCookie(), [])
  }
})

test('console refresh rotates only with the browser binding; a mismatch is refused without rotating or revoking', async (t) => {
  const { url } = await startServer(t)
  const secret = binding()
  const first = cookieOf(await consoleLogin(url, secret), 'authdock_console')?.value ?? ''
  const cookie = `authdock_console=${first}`

  // A cookie from someone else's login, planted in a browser that holds another binding.
  for (const wrong of [binding(), null]) {
    const r = await consoleCall(url, 'refresh', wrong, cookie)
    assert.ok(r.status === 401 || r.status === 422, `${r.status} ${r.text}`)
    assert.equal(r.body.access_token, undefined)
  }
  // Nor does Langflow's refresh take a bound session's token (by cookie or in the body).
  assert.equal((await send(url, 'POST', '/api/v1/refresh', { headers: json, body: JSON.stringify({ refresh_token: first }) })).status, 401)
  assert.equal((await send(url, 'POST', '/api/v1/refresh', { headers: { cookie: `refresh_token_lf=${first}` } })).status, 401)

  // Nothing rotated, nothing revoked: the right binding still renews once, then the old token is spent.
  const ok = await consoleCall(url, 'refresh', secret, cookie, { origin: url })
  assert.equal(ok.status, 200, ok.text)
  assert.equal(typeof ok.body.access_token, 'string')
  assert.equal(ok.body.refresh_token, undefined)
  const next = cookieOf(ok, 'authdock_console')?.value ?? ''
  assert.notEqual(next, first)
  assert.equal((await consoleCall(url, 'refresh', secret, `authdock_console=${next}`)).status, 200)

  // A refusal drops the cookie it could not renew.
  const refused = await consoleCall(url, 'refresh', secret, 'authdock_console=unknown-token')
  assert.equal(refused.status, 401)
  assert.match(cookieOf(refused, 'authdock_console')?.line ?? '', /^authdock_console=; Max-Age=0; Path=\/api\/v1\/console/)
  // An unbound session (Langflow's login) is not a console session.
  const langflow = await login(url)
  assert.equal((await consoleCall(url, 'refresh', secret, `authdock_console=${langflow.refresh}`)).status, 401)
})

test('console logout ends the session of its Bearer token and of its cookie when the binding matches, and drops the cookie', async (t) => {
  const { url } = await startServer(t)
  const secret = binding()
  const a = await consoleLogin(url, secret)
  const cookie = `authdock_console=${cookieOf(a, 'authdock_console')?.value}`
  // Another binding: the cookie is dropped from the answer, the session is not ended.
  const other = await consoleCall(url, 'logout', binding(), cookie)
  assert.equal(other.status, 200)
  assert.match(cookieOf(other, 'authdock_console')?.line ?? '', /Max-Age=0/)
  assert.equal((await send(url, 'GET', '/api/v1/users/whoami', { headers: { authorization: `Bearer ${a.body.access_token}` } })).status, 200)

  const out = await consoleCall(url, 'logout', secret, cookie, { authorization: `Bearer ${a.body.access_token}` })
  assert.equal(out.status, 200)
  assert.equal((await send(url, 'GET', '/api/v1/users/whoami', { headers: { authorization: `Bearer ${a.body.access_token}` } })).status, 401)
  assert.equal((await consoleCall(url, 'refresh', secret, cookie)).status, 401)
})

test('every console route refuses a request from another origin, even with no cookie: a cross-port form cannot sign the browser in', async (t) => {
  const { url } = await startServer(t, { env: testEnv({ AUTHDOCK_CORS_ORIGINS: LISTED }) })
  const port = Number(new URL(url).port)
  const otherPort = `http://127.0.0.1:${port === 65535 ? port - 1 : port + 1}`
  const secret = binding()
  const good = cookieOf(await consoleLogin(url, secret), 'authdock_console')?.value ?? ''
  const hostile: Record<string, string>[] = [
    { origin: otherPort, 'sec-fetch-site': 'same-site' }, { origin: LISTED }, { origin: 'null' }, { 'sec-fetch-site': 'same-site' }, { 'sec-fetch-site': 'cross-site' },
  ]
  for (const h of hostile) {
    const r = await consoleLogin(url, secret, h)
    assert.equal(r.status, 403, `login with ${JSON.stringify(h)}`)
    assert.deepEqual(r.headers.getSetCookie(), [], 'no cookie set')
    for (const path of ['refresh', 'logout'] as const) {
      const r2 = await consoleCall(url, path, secret, `authdock_console=${good}`, h)
      assert.equal(r2.status, 403, `${path} with ${JSON.stringify(h)}`)
      assert.deepEqual(r2.headers.getSetCookie(), [])
    }
  }
  // The form a page on another port can post (no binding header, a form encoding): refused too.
  const form = await send(url, 'POST', '/api/v1/console/login', {
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: otherPort, 'sec-fetch-site': 'same-site' },
    body: new URLSearchParams(ADMIN).toString(),
  })
  assert.equal(form.status, 403)
  // Nothing was rotated or ended by the refusals.
  assert.equal((await consoleCall(url, 'refresh', secret, `authdock_console=${good}`, { origin: url })).status, 200)
})

test('Langflow\'s login refuses a browser request from another origin (login CSRF); its own pages, listed origins and non-browser clients sign in', async (t) => {
  const { url } = await startServer(t, { env: testEnv({ AUTHDOCK_CORS_ORIGINS: LISTED }) })
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  const body = new URLSearchParams(ADMIN).toString()
  const other = `http://127.0.0.1:${Number(new URL(url).port) + 1}`
  const hostile: Record<string, string>[] = [{ origin: other, 'sec-fetch-site': 'same-site' }, { origin: 'http://evil.example' }, { 'sec-fetch-site': 'same-site' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'null' }]
  for (const h of hostile) {
    const r = await send(url, 'POST', '/api/v1/login', { headers: { ...form, ...h }, body })
    assert.equal(r.status, 403, `${JSON.stringify(h)}: ${r.text}`)
    assert.deepEqual(r.headers.getSetCookie(), [], 'no cookie set')
    // The refresh grant and /refresh with a token in the body would sign the browser in just the same.
    const tokens = await login(url)
    for (const [path, b] of [['/api/v1/login', `grant_type=refresh_token&refresh_token=${tokens.refresh}`], ['/api/v1/refresh', `refresh_token=${tokens.refresh}`]] as const) {
      const r2 = await send(url, 'POST', path, { headers: { ...form, ...h }, body: b })
      assert.equal(r2.status, 403, `${path} ${JSON.stringify(h)}`)
      assert.deepEqual(r2.headers.getSetCookie(), [])
    }
  }
  const allowed: Record<string, string>[] = [{}, { origin: url, 'sec-fetch-site': 'same-origin' }, { origin: LISTED, 'sec-fetch-site': 'cross-site' }]
  for (const h of allowed) {
    const r = await send(url, 'POST', '/api/v1/login', { headers: { ...form, ...h }, body })
    assert.equal(r.status, 200, `${JSON.stringify(h)}: ${r.text}`)
    assert.equal(typeof r.body.access_token, 'string')
    assert.ok(cookieOf(r, 'access_token_lf'), 'Langflow\'s cookies as before')
  }
})

test('a session cookie sent twice is refused and every copy cleared: console, access and refresh cookies', async (t) => {
  const { url } = await startServer(t)
  const secret = binding()
  const mine = cookieOf(await consoleLogin(url, secret), 'authdock_console')?.value ?? ''
  const theirs = cookieOf(await consoleLogin(url, binding()), 'authdock_console')?.value ?? ''
  const admin = await login(url)
  const other = await login(url)

  const cleared = (r: Answer, name: string): string[] => r.headers.getSetCookie().filter((l) => l.startsWith(`${name}=;`)).map((l) => /Path=([^;]*)/.exec(l)?.[1] ?? '')

  // A path-scoped copy written by another page comes first; the server's own second.
  const dupConsole = await consoleCall(url, 'refresh', secret, `authdock_console=${theirs}; authdock_console=${mine}`)
  assertError(dupConsole, 401, 'DUPLICATE_COOKIE')
  assert.equal(dupConsole.body.access_token, undefined)
  for (const p of ['/', '/api', '/api/v1', '/api/v1/console', '/api/v1/console/', '/api/v1/console/refresh']) assert.ok(cleared(dupConsole, 'authdock_console').includes(p), `cleared at ${p}`)
  assert.ok(dupConsole.headers.getSetCookie().some((l) => l.includes('Domain=127.0.0.1')), 'and with a Domain')

  const dupAccess = await send(url, 'GET', '/api/v1/users/whoami', { headers: { cookie: `access_token_lf=${other.access}; theme=dark; access_token_lf=${admin.access}` } })
  assertError(dupAccess, 401, 'DUPLICATE_COOKIE')
  assert.ok(cleared(dupAccess, 'access_token_lf').includes('/api/v1/users/whoami'))
  const dupExpress = await send(url, 'GET', '/api/v1/admin/overview', { headers: { cookie: `access_token_lf=${admin.access};access_token_lf=${admin.access}` } })
  assert.equal(dupExpress.status, 401, 'even two equal copies: the server set one')
  assert.ok(cleared(dupExpress, 'access_token_lf').includes('/api/v1/admin'))

  const dupRefresh = await send(url, 'POST', '/api/v1/refresh', { headers: { cookie: `refresh_token_lf=${other.refresh}; refresh_token_lf=${admin.refresh}` } })
  assertError(dupRefresh, 401, 'DUPLICATE_COOKIE')
  assert.ok(cleared(dupRefresh, 'refresh_token_lf').includes('/api/v1/refresh'))

  // Nothing was used: each single cookie still works.
  assert.equal((await send(url, 'GET', '/api/v1/users/whoami', { headers: { cookie: `access_token_lf=${admin.access}` } })).status, 200)
  assert.equal((await send(url, 'POST', '/api/v1/refresh', { headers: { cookie: `refresh_token_lf=${admin.refresh}` } })).status, 200)
  assert.equal((await consoleCall(url, 'refresh', secret, `authdock_console=${mine}`)).status, 200)
})

test('Langflow\'s logout with a refresh cookie sent twice still ends both sessions and clears every copy', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const planted = await login(url)
  const r = await send(url, 'POST', '/api/v1/logout', {
    headers: { cookie: `refresh_token_lf=${planted.refresh}; refresh_token_lf=${admin.refresh}`, authorization: `Bearer ${admin.access}` },
  })
  assert.equal(r.status, 200, r.text)
  assert.ok(r.headers.getSetCookie().some((l) => l.startsWith('refresh_token_lf=;') && l.includes('Path=/api/v1/logout')), 'the path-scoped copy is cleared')
  assert.equal((await send(url, 'GET', '/api/v1/users/whoami', { headers: { authorization: `Bearer ${admin.access}` } })).status, 401, 'the access token\'s session ended')
  assert.equal((await send(url, 'POST', '/api/v1/refresh', form({ refresh_token: admin.refresh }))).status, 401, 'the real refresh token is dead')
  assert.equal((await send(url, 'POST', '/api/v1/refresh', form({ refresh_token: planted.refresh }))).status, 401, 'and the planted one')

  // From another page, the duplicate is no way to sign the admin out.
  const other = await login(url)
  const foreign = await send(url, 'POST', '/api/v1/logout', {
    headers: { cookie: `refresh_token_lf=${other.refresh}; refresh_token_lf=${other.refresh}`, origin: 'http://127.0.0.1:9999', 'sec-fetch-site': 'same-site' },
  })
  assert.equal(foreign.status, 403)
  assert.equal((await send(url, 'POST', '/api/v1/refresh', form({ refresh_token: other.refresh }))).status, 200, 'still alive')
})

test('the console\'s device token rides in a header, never a cookie: a device cookie another port\'s server copied and replays cannot lock the console out', async (t) => {
  const { url } = await startServer(t, { clock: manualClock() }) // the locks last until the test ends
  // The admin's browser holds a device cookie from Langflow's login (Path=/, sent to every port of
  // the host: a server on another port that the browser visits receives it) ...
  const langflow = await send(url, 'POST', '/api/v1/login', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(ADMIN).toString() })
  const copied = cookieOf(langflow, 'authdock_device')?.value ?? ''
  assert.match(copied, /^d1\./)
  // ... and the console's device token, which only the console's localStorage holds.
  const secret = binding()
  const own = { origin: url, 'sec-fetch-site': 'same-origin' }
  const first = await consoleLogin(url, secret, own)
  assert.equal(first.status, 200, first.text)
  const device: string = first.body.device_token
  assert.match(device ?? '', /^d1\./)

  // That server replays the copied cookie without an Origin: the copied device locks ...
  const guess = (headers: Record<string, string>) => send(url, 'POST', '/api/v1/login', { headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: 'username=admin&password=wrong-password' })
  const replayed: number[] = []
  for (let i = 0; i < 6; i++) replayed.push((await guess({ cookie: `authdock_device=${copied}` })).status)
  assert.deepEqual(replayed, [401, 401, 401, 429, 429, 429])
  // ... and so does every client of 127.0.0.1 without a device token (the pair rule).
  for (let i = 0; i < 3; i++) await guess({})
  assert.equal((await guess({})).status, 429)

  // The console, whose browser sends the copied cookie too, signs in with its header's token.
  const jar = { cookie: `authdock_device=${copied}` }
  const withoutToken = await consoleLogin(url, secret, { ...own, ...jar })
  assert.equal(withoutToken.status, 429, 'the cookie counts for nothing on the console\'s login')
  const signedIn = await consoleLogin(url, secret, { ...own, ...jar, 'x-authdock-device': device })
  assert.equal(signedIn.status, 200, signedIn.text)
  assert.notEqual(signedIn.body.device_token, device, 'a new token at each sign-in')
  assert.equal(cookieOf(signedIn, 'authdock_device'), undefined, 'and never a device cookie')
})
