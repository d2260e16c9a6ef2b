// POST /api/v1/refresh: every way of presenting a token, and every bad body answered with the
// documented 4xx of the route (422 for a body outside its schema, 413, 415), never a 500 and never
// by spending the token.

import assert from 'node:assert/strict'
import { request } from 'node:http'
import test from 'node:test'
import { gzipSync } from 'node:zlib'
import { call, decodeJwt, login, parseBody, startServer, testEnv, assertError } from '../../helpers.ts'

const REFRESH = '/api/v1/refresh'

/** A raw request, for bodies fetch will not send as given (a lying length, chunks, an abort). */
function raw(url: string, options: { headers?: Record<string, string>; chunks?: (string | Buffer)[]; abortAfter?: number }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url + REFRESH, { method: 'POST', headers: options.headers, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parseBody(text) }))
    })
    req.on('error', reject)
    const chunks = options.chunks ?? []
    if (options.abortAfter !== undefined) {
      req.write(chunks[0] ?? '')
      setTimeout(() => {
        req.destroy()
        resolve({ status: 0, headers: {}, body: null })
      }, options.abortAfter)
      return
    }
    for (const chunk of chunks) req.write(chunk)
    req.end()
  })
}

test('a form body rotates: new pair, Langflow JSON, both cookies, no-store, the old token spent', async (t) => {
  const { url } = await startServer(t)
  const first = await login(url)
  const r = await call(url, 'POST', REFRESH, { form: { refresh_token: first.refresh } })
  assert.equal(r.status, 200)
  assert.deepEqual(Object.keys(r.body).sort(), ['access_token', 'refresh_token', 'token_type'])
  assert.equal(r.body.token_type, 'bearer')
  assert.notEqual(r.body.refresh_token, first.refresh)
  assert.equal(decodeJwt(r.body.access_token).payload.sid, decodeJwt(first.access).payload.sid)
  assert.equal(r.headers.get('cache-control'), 'no-store')
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff')
  assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8')
  assert.match(r.cookies.access_token_lf ?? '', new RegExp(`^access_token_lf=${r.body.access_token}; Path=/; Expires=[^;]+ GMT; SameSite=Lax$`))
  assert.match(r.cookies.refresh_token_lf ?? '', new RegExp(`^refresh_token_lf=${r.body.refresh_token}; Path=/; Expires=[^;]+; HttpOnly; Secure; SameSite=Strict$`))
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: r.body.access_token })).status, 200)
  const again = await call(url, 'POST', REFRESH, { form: { refresh_token: r.body.refresh_token } })
  assert.equal(again.status, 200)
})

test('the refresh cookie alone works, and wins over a body field; JSON bodies are read too', async (t) => {
  const { url } = await startServer(t)
  const a = await login(url)
  const byCookie = await call(url, 'POST', REFRESH, { headers: { cookie: `other=1; refresh_token_lf=${a.refresh}` } })
  assert.equal(byCookie.status, 200)
  const b = await login(url)
  const both = await call(url, 'POST', REFRESH, { form: { refresh_token: 'not-a-token' }, headers: { cookie: `refresh_token_lf=${b.refresh}` } })
  assert.equal(both.status, 200)
  const c = await login(url)
  const json = await call(url, 'POST', `${REFRESH}/?x=1`, { json: { refresh_token: c.refresh, extra: [1] } })
  assert.equal(json.status, 200, 'a trailing slash and a query string are taken')
  const d = await login(url)
  const utf8 = await call(url, 'POST', REFRESH, { headers: { 'content-type': 'application/json; charset=UTF-8' }, json: undefined })
  assert.equal(utf8.status, 401)
  const utf8Body = await fetch(url + REFRESH, { method: 'POST', headers: { 'content-type': 'Application/JSON; charset="utf-8"' }, body: `\uFEFF {"refresh_token": "${d.refresh}"}` })
  assert.equal(utf8Body.status, 200)
})

test('bad bodies get a JSON 4xx, never a 500, and spend no token', async (t) => {
  const { url } = await startServer(t)
  // A live token in every body that must not be read as one: no case may spend it (checked last).
  const T = (await login(url)).refresh
  const cases: { name: string; headers: Record<string, string>; body: string; status: number; code: string }[] = [
    { name: 'malformed JSON', headers: { 'content-type': 'application/json' }, body: '{"refresh_token": ', status: 422, code: 'INVALID_INPUT' },
    { name: 'a JSON string', headers: { 'content-type': 'application/json' }, body: '"abc"', status: 422, code: 'INVALID_INPUT' },
    { name: 'a JSON number', headers: { 'content-type': 'application/json' }, body: ' 12', status: 422, code: 'INVALID_INPUT' },
    { name: 'a JSON array', headers: { 'content-type': 'application/json' }, body: `[{"refresh_token": "${T}"}]`, status: 401, code: 'INVALID_REFRESH_TOKEN' },
    { name: 'a JSON token that is not text', headers: { 'content-type': 'application/json' }, body: `{"refresh_token": ["${T}"]}`, status: 401, code: 'INVALID_REFRESH_TOKEN' },
    { name: 'an empty JSON body', headers: { 'content-type': 'application/json' }, body: '', status: 401, code: 'INVALID_REFRESH_TOKEN' },
    { name: 'an empty form', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '', status: 401, code: 'INVALID_REFRESH_TOKEN' },
    { name: 'a field given twice', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `refresh_token=${T}&refresh_token=${T}`, status: 401, code: 'INVALID_REFRESH_TOKEN' },
    { name: 'a bracketed field', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `refresh_token[x]=${T}`, status: 401, code: 'INVALID_REFRESH_TOKEN' },
    { name: 'bad percent-encoding', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'refresh_token=%E0%A4%A', status: 401, code: 'INVALID_REFRESH_TOKEN' },
    { name: '51 form fields', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: [`refresh_token=${T}`, ...Array.from({ length: 50 }, (_, i) => `f${i}=1`)].join('&'), status: 413, code: 'BODY_TOO_LARGE' },
    { name: 'a body over 64 KiB', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `refresh_token=${T}&pad=${'a'.repeat(64 * 1024)}`, status: 413, code: 'BODY_TOO_LARGE' },
    { name: 'an over-long token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `refresh_token=${'a'.repeat(300)}`, status: 401, code: 'INVALID_REFRESH_TOKEN' },
    { name: 'a form sent as text/plain', headers: { 'content-type': 'text/plain' }, body: `refresh_token=${T}`, status: 401, code: 'INVALID_REFRESH_TOKEN' },
    { name: 'no content type', headers: {}, body: `refresh_token=${T}`, status: 401, code: 'INVALID_REFRESH_TOKEN' },
  ]
  for (const c of cases) {
    const fast = await raw(url, { headers: { ...c.headers, 'content-length': String(Buffer.byteLength(c.body)) }, chunks: [c.body] })
    assert.equal(fast.status, c.status, `${c.name}: ${JSON.stringify(fast.body)}`)
    assert.equal(fast.body.code, c.code, c.name)
    assert.equal(fast.headers['content-type'], 'application/json; charset=utf-8', c.name)
    if (c.status === 401) assert.equal(fast.headers['www-authenticate'], 'Bearer', c.name)
  }
  assert.equal((await call(url, 'POST', REFRESH, { form: { refresh_token: T } })).status, 200, 'no bad body spent the token')
})

test('refresh and logout take a body of another type (a beacon sends text/plain) as none; login answers it 415', async (t) => {
  const { url } = await startServer(t)
  const a = await login(url)
  for (const type of ['text/plain', 'application/jsonp', 'multipart/form-data']) {
    // The token in a body that is not read is no token: 401, and it is not spent.
    const body = await fetch(url + REFRESH, { method: 'POST', headers: { 'content-type': type }, body: `refresh_token=${a.refresh}` })
    assert.equal(body.status, 401, `${type} with a real token`)
    // The cookie still works beside such a body, as it did when Langflow's refresh read no body at all.
    const cookie = await call(url, 'POST', REFRESH, { headers: { 'content-type': type, cookie: `refresh_token_lf=${(await login(url)).refresh}` } })
    assert.equal(cookie.status, 200, type)
    const loginReply = await fetch(url + '/api/v1/login', { method: 'POST', headers: { 'content-type': type }, body: 'username=admin&password=x' })
    assert.equal(loginReply.status, 415, type)
    assert.match((await loginReply.json()).detail, /application\/x-www-form-urlencoded or application\/json/)
  }
  const b = await login(url)
  const beacon = await fetch(url + '/api/v1/logout', { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8', authorization: `Bearer ${b.access}` }, body: '' })
  assert.equal(beacon.status, 200)
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: b.access })).status, 401, 'the beacon logout ended the session')
  assert.equal((await call(url, 'POST', REFRESH, { form: { refresh_token: a.refresh } })).status, 200, 'no ignored body spent the token')
})

test('a chunked body over the limit is refused as it arrives; an aborted upload leaves the server well', async (t) => {
  const { url } = await startServer(t)
  const chunk = Buffer.alloc(16 * 1024, 'a')
  const big = await raw(url, { headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' }, chunks: ['refresh_token=', chunk, chunk, chunk, chunk, chunk] })
  assert.equal(big.status, 413)
  assert.equal(big.body.code, 'BODY_TOO_LARGE')
  const tokens = await login(url)
  const chunked = await raw(url, { headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' }, chunks: ['refresh_token=', tokens.refresh] })
  assert.equal(chunked.status, 200)
  await raw(url, { headers: { 'content-type': 'application/json', 'content-length': '1000' }, chunks: ['{"refresh_token": "'], abortAfter: 50 })
  const after = await call(url, 'POST', REFRESH, { form: { refresh_token: chunked.body.refresh_token } })
  assert.equal(after.status, 200)
})

test('a body in another charset body-parser reads, or compressed, is read; an unknown charset is a 415', async (t) => {
  const { url } = await startServer(t)
  const a = await login(url)
  const latin1 = await call(url, 'POST', REFRESH, { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1' }, json: undefined })
  assert.equal(latin1.status, 401)
  const ok = await fetch(url + REFRESH, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1' }, body: `refresh_token=${a.refresh}` })
  assert.equal(ok.status, 200)
  const b = await login(url)
  const gzipped = await fetch(url + REFRESH, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' }, body: gzipSync(`refresh_token=${b.refresh}`) })
  assert.equal(gzipped.status, 200)
  const unsupported = await fetch(url + REFRESH, { method: 'POST', headers: { 'content-type': 'application/json; charset=koi8-r' }, body: '{}' })
  assert.equal(unsupported.status, 415)
  assert.equal((await unsupported.json()).code, 'UNSUPPORTED_MEDIA_TYPE')
})

test('reuse revokes the session, and the access tokens already issued with it', async (t) => {
  const { url } = await startServer(t, { env: testEnv({ AUTHDOCK_REFRESH_GRACE_SECONDS: '0' }) })
  const first = await login(url)
  const second = await call(url, 'POST', REFRESH, { form: { refresh_token: first.refresh } })
  assert.equal(second.status, 200)
  const replay = await call(url, 'POST', REFRESH, { headers: { cookie: `refresh_token_lf=${first.refresh}` } })
  assertError(replay, 401, 'REFRESH_REUSED')
  assert.deepEqual(replay.cookies, {}, 'no cookies on an error')
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: second.body.access_token })).status, 401)
  assert.equal((await call(url, 'POST', REFRESH, { form: { refresh_token: second.body.refresh_token } })).status, 401)
})

test("the token endpoint's refresh_token grant rotates as /refresh does", async (t) => {
  const { url } = await startServer(t)
  const a = await login(url)
  const first = await call(url, 'POST', REFRESH, { form: { refresh_token: a.refresh } })
  assert.equal(first.status, 200)
  const token = await call(url, 'POST', '/api/v1/login', { form: { grant_type: 'refresh_token', refresh_token: first.body.refresh_token } })
  assert.equal(token.status, 200, JSON.stringify(token.body))
  assert.deepEqual(Object.keys(token.cookies).sort(), Object.keys(first.cookies).sort())
  assert.deepEqual(Object.keys(token.body).sort(), Object.keys(first.body).sort())
})
