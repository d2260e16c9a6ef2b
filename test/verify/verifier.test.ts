// authdock/verify: the SSE parser on chunks split anywhere; the stream client against a scripted
// fetch (union of snapshots across reconnects, Last-Event-ID, a refused key, nothing accepted
// before the first snapshot); and end to end, the example app as a child process against a real
// RS256 server: revocation within a second, a snapshot taken at start, rotation, forgeries.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { generateKeyPairSync, sign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import { VerifyError, createSseParser, createVerifier } from 'authdock/verify'
import type { SseEvent } from 'authdock/verify'
import { ADMIN, call, decodeJwt, login, startServer, testEnv } from '../helpers.ts'
import type { Reply } from '../helpers.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const EXAMPLE = join(ROOT, 'examples/jwks-app/server.mjs')
/** The correctness bound for a revocation to reach an app that verifies offline. */
const REVOCATION_BOUND_MS = 1_000

// --- the SSE parser -------------------------------------------------------------------------

function parseAll(chunks: string[]): { events: SseEvent[]; retries: number[]; lastEventId: string } {
  const events: SseEvent[] = []
  const retries: number[] = []
  const parser = createSseParser({ onEvent: (e) => events.push(e), onRetry: (ms) => retries.push(ms) })
  for (const chunk of chunks) parser.push(chunk)
  return { events, retries, lastEventId: parser.lastEventId }
}

const STREAM =
  '\uFEFFretry: 2000\n\n' +
  'event: snapshot\ndata: {"revoked_sessions":["a"],"retired_kids":[]}\n\n' +
  ': ping\n\n' +
  'id: 41\r\nevent: revoked\r\ndata: {"sid":"b","user_id":"u"}\r\n\r\n' +
  'id: 42\revent: key_retired\rdata: {"kid":"k1"}\r\r' +
  'data:no space\ndata:  two spaces\ndata\n\n' +
  'id: 43\n\n' + // an id with no data: no event, but the id sticks
  'event: revoked\ndata: {"sid":"c"}\n\n' +
  'event: revoked\ndata: {"sid":"unfinished"}\n' // no blank line: never dispatched

const EXPECTED: SseEvent[] = [
  { type: 'snapshot', data: '{"revoked_sessions":["a"],"retired_kids":[]}', id: '' },
  { type: 'revoked', data: '{"sid":"b","user_id":"u"}', id: '41' },
  { type: 'key_retired', data: '{"kid":"k1"}', id: '42' },
  { type: 'message', data: 'no space\n two spaces\n', id: '42' },
  { type: 'revoked', data: '{"sid":"c"}', id: '43' },
]

test('SSE parser: fields, comments, CRLF/CR/LF line ends, ids, retry, an unfinished event', () => {
  const { events, retries, lastEventId } = parseAll([STREAM])
  assert.deepEqual(events, EXPECTED)
  assert.deepEqual(retries, [2000])
  assert.equal(lastEventId, '43')
})

test('SSE parser: the same events however the stream is cut into chunks', () => {
  // Every single cut, including inside "\r\n" and inside field names and values.
  for (let i = 0; i <= STREAM.length; i++) {
    assert.deepEqual(parseAll([STREAM.slice(0, i), STREAM.slice(i)]).events, EXPECTED, `cut at ${i}`)
  }
  // One character at a time.
  assert.deepEqual(parseAll([...STREAM]).events, EXPECTED)
  // A CRLF split across chunks is one line end, not a line end and an empty line.
  const crlf = parseAll(['data: x\r', '', '\ndata: y\r\n\r\n'])
  assert.deepEqual(crlf.events, [{ type: 'message', data: 'x\ny', id: '' }])
})

test('SSE parser: a retry that is not a number is ignored; the id persists into a new parser', () => {
  const events: SseEvent[] = []
  const retries: number[] = []
  const parser = createSseParser({ onEvent: (e) => events.push(e), onRetry: (ms) => retries.push(ms) }, { lastEventId: '9' })
  parser.push('retry: soon\nretry: 1.5\ndata: x\n\n')
  assert.deepEqual(retries, [])
  assert.deepEqual(events, [{ type: 'message', data: 'x', id: '9' }])
})

// --- the stream client against a scripted fetch -----------------------------------------------

const BASE = 'http://authdock.test'

interface Fixture {
  readonly fetch: typeof globalThis.fetch
  /** The headers of each stream request, in order. */
  readonly streamRequests: Headers[]
  token(claims: Record<string, unknown>, kid?: string): Promise<string>
}

/**
 * A fetch that serves a JWKS of one fresh key and answers the stream requests with `connections`
 * in turn (chunks as bytes; the last connection stays open until aborted).
 */
async function fixture(connections: ((signal: AbortSignal) => Response)[]): Promise<Fixture> {
  const { publicKey, privateKey } = await generateKeyPair('RS256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'kid-1', alg: 'RS256', use: 'sig' }
  const streamRequests: Headers[] = []
  const fakeFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input)
    if (url === `${BASE}/.well-known/jwks.json`) return new Response(JSON.stringify({ keys: [jwk] }), { headers: { 'content-type': 'application/json' } })
    assert.equal(url, `${BASE}/api/v1/revocations/stream`)
    const headers = new Headers(init?.headers)
    streamRequests.push(headers)
    const next = connections.shift()
    if (next === undefined) return new Promise<Response>(() => {}) // no more: the client waits
    return next(init?.signal as AbortSignal)
  }
  return {
    fetch: fakeFetch as typeof globalThis.fetch,
    streamRequests,
    token: (claims, kid = 'kid-1') =>
      new SignJWT({ type: 'access', ...claims })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer('authdock')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey),
  }
}

/** An event-stream response sending `chunks` (byte-split where asked), then ending or staying open. */
function sse(chunks: (string | Uint8Array)[], { end }: { end: boolean }): (signal: AbortSignal) => Response {
  return (signal) => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(typeof c === 'string' ? new TextEncoder().encode(c) : c)
        if (end) controller.close()
        else signal.addEventListener('abort', () => controller.error(signal.reason), { once: true })
      },
    })
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
  }
}

async function rejects(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof VerifyError && err.code === code)
}

/**
 * Resolves once `check` passes: the stream client works on its own schedule. Gives up with the
 * last failure when the test is aborted (its timeout guards against a hang; it asserts no speed).
 */
async function eventually(signal: AbortSignal, check: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      return await check()
    } catch (err) {
      if (signal.aborted) throw err
      await sleep(10)
    }
  }
}

/** Long enough for anything here to finish many times over; only a hang reaches it. */
const HANG_GUARD = { timeout: 60_000 }

test('stream client: snapshots are united across reconnects, events apply, Last-Event-ID is sent', HANG_GUARD, async (t) => {
  // A multi-byte character split between two chunks must survive decoding.
  const euro = new TextEncoder().encode('{"sid":"s-€"}')
  const cut = euro.indexOf(0xe2) + 1
  const f = await fixture([
    sse([
      'retry: 5\n\n',
      'event: snapshot\ndata: {"revoked_sessions":["s-1"],"retired_kids":["kid-old"]}\n\n',
      'id: 7\nevent: revoked\ndata: ',
      euro.slice(0, cut),
      euro.slice(cut),
      '\n\n',
    ], { end: true }),
    sse(['event: snapshot\ndata: {"revoked_sessions":["s-3"],"retired_kids":[]}\n\n'], { end: false }),
  ])
  const verifier = createVerifier({ baseUrl: `${BASE}/`, apiKey: 'sk-test', fetch: f.fetch })
  t.after(() => verifier.close())
  await verifier.ready
  await eventually(t.signal, async () => assert.equal(f.streamRequests.length, 2))
  // The first request had no id to send; the reconnect sends the last one seen.
  assert.equal(f.streamRequests[0]?.get('last-event-id'), null)
  assert.equal(f.streamRequests[0]?.get('x-api-key'), 'sk-test')
  assert.equal(f.streamRequests[1]?.get('last-event-id'), '7')
  // s-3 arrived in the second snapshot; wait until it is applied.
  await eventually(t.signal, async () => rejects(verifier.verify(await f.token({ sub: 'u', sid: 's-3' })), 'SESSION_REVOKED'))
  for (const sid of ['s-1', 's-€']) await rejects(verifier.verify(await f.token({ sub: 'u', sid })), 'SESSION_REVOKED')
  const ok = await verifier.verify(await f.token({ sub: 'u', sid: 's-live' }))
  assert.equal(ok.sid, 's-live')
  await rejects(verifier.verify(await f.token({ sub: 'u', sid: 's-live' }, 'kid-old')), 'INVALID_TOKEN')
  await rejects(verifier.verify(await f.token({ sub: 'u', sid: 's-live', type: 'refresh' })), 'INVALID_TOKEN')
})

test('stream client: nothing is accepted before the first snapshot; a refused API key rejects ready', HANG_GUARD, async (t) => {
  const f = await fixture([sse(['retry: 5\n\n: ping\n\n'], { end: false })])
  const verifier = createVerifier({ baseUrl: BASE, apiKey: 'sk-test', fetch: f.fetch })
  t.after(() => verifier.close())
  await eventually(t.signal, async () => assert.equal(f.streamRequests.length, 1))
  const err = await verifier.verify(await f.token({ sub: 'u', sid: 's' })).catch((e: unknown) => e)
  assert.ok(err instanceof VerifyError && err.code === 'AUTH_SERVER_UNAVAILABLE' && err.status === 503, String(err))

  const refused = await fixture([
    () => new Response(JSON.stringify({ detail: 'Invalid API key', code: 'INVALID_API_KEY' }), { status: 401, headers: { 'content-type': 'application/json' } }),
  ])
  const errors: Error[] = []
  const badKey = createVerifier({ baseUrl: BASE, apiKey: 'sk-wrong', fetch: refused.fetch, onError: (e) => errors.push(e) })
  t.after(() => badKey.close())
  await assert.rejects(badKey.ready, /HTTP 401/)
  assert.match(errors[0]?.message ?? '', /INVALID_API_KEY/)
})

test('middleware: 401 JSON with WWW-Authenticate, or req.auth and next()', HANG_GUARD, async (t) => {
  const f = await fixture([sse(['event: snapshot\ndata: {"revoked_sessions":[],"retired_kids":[]}\n\n'], { end: false })])
  const verifier = createVerifier({ baseUrl: BASE, apiKey: 'sk-test', fetch: f.fetch })
  t.after(() => verifier.close())
  await verifier.ready
  const run = (authorization: string | undefined) =>
    new Promise<{ status: number; headers: Record<string, string>; body: unknown; auth: unknown }>((done) => {
      const req: { headers: { authorization?: string }; auth?: unknown } = { headers: authorization === undefined ? {} : { authorization } }
      const headers: Record<string, string> = {}
      const res = {
        statusCode: 200,
        setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = value),
        end: (body?: string) => done({ status: res.statusCode, headers, body: JSON.parse(body ?? 'null'), auth: req.auth }),
      }
      verifier.middleware()(req as never, res, (err) => done({ status: err === undefined ? 0 : 500, headers, body: null, auth: req.auth }))
    })
  const missing = await run(undefined)
  assert.equal(missing.status, 401)
  assert.equal(missing.headers['www-authenticate'], 'Bearer')
  assert.deepEqual(missing.body, { detail: 'No authentication credentials provided', code: 'NOT_AUTHENTICATED' })
  const bad = await run('Bearer not.a.token')
  assert.equal(bad.status, 401)
  assert.equal((bad.body as { code: string }).code, 'INVALID_TOKEN')
  const good = await run(`Bearer ${await f.token({ sub: 'user-1', sid: 'sess-1' })}`)
  assert.equal(good.status, 0, 'next() was called without an error')
  const auth = good.auth as { sub: string; sid: string; payload: { type: string } }
  assert.equal(auth.sub, 'user-1')
  assert.equal(auth.sid, 'sess-1')
  assert.equal(auth.payload.type, 'access')
})

// --- end to end: the example app against a real server ---------------------------------------

/** Starts examples/jwks-app as plain Node (no tsx) and returns its URL; it is stopped when the test ends. */
async function startExample(t: TestContext, authdockUrl: string, apiKey: string): Promise<string> {
  const child = spawn(process.execPath, [EXAMPLE], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, AUTHDOCK_URL: authdockUrl, AUTHDOCK_API_KEY: apiKey, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()))
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    await exited
  })
  return new Promise<string>((done, fail) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout)
      if (m?.[1] !== undefined) done(m[1])
    })
    child.once('exit', (code) => fail(new Error(`example app exited (${code}) before listening:\n${stdout}${stderr}`)))
    t.signal.addEventListener('abort', () => fail(new Error(`example app never said it was listening:\n${stdout}${stderr}`)), { once: true })
  })
}

const hello = (appUrl: string, token: string): Promise<Reply> => call(appUrl, 'GET', '/hello', { token })

function assertRefused(r: Reply, code: string, label: string): void {
  assert.equal(r.status, 401, `${label}: ${r.status} ${JSON.stringify(r.body)}`)
  assert.equal(r.body.code, code, label)
  assert.equal(typeof r.body.detail, 'string', label)
  assert.equal(r.headers.get('www-authenticate'), 'Bearer', label)
}

/** Polls the app from the moment the server acknowledged a revocation; fails past the bound. */
async function refusedWithinBound(appUrl: string, token: string, label: string): Promise<Reply> {
  const started = performance.now()
  for (;;) {
    const r = await hello(appUrl, token)
    const elapsed = performance.now() - started
    if (r.status !== 200) return r
    assert.ok(elapsed < REVOCATION_BOUND_MS, `${label}: still accepted ${Math.round(elapsed)} ms after the server revoked it`)
    await sleep(10)
  }
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/** A token with any header and claims, signed by `pem` (an RSA private key) with RS256. */
function signRs256(pem: string | KeyObject, header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const input = `${b64({ alg: 'RS256', typ: 'JWT', ...header })}.${b64(claims)}`
  return `${input}.${sign('sha256', Buffer.from(input), pem).toString('base64url')}`
}

test('the example app verifies offline and honours revocations, rotations and the snapshot', HANG_GUARD, async (t) => {
  const running = await startServer(t, { env: testEnv({ LANGFLOW_ALGORITHM: 'RS256' }) })
  const { url } = running
  const admin = await login(url)
  // A superuser's key: only theirs may follow the revocation stream.
  const created = await call(url, 'POST', '/api/v1/api_key/', { token: admin.access, json: { name: 'jwks-app' } })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  const apiKey: string = created.body.api_key

  // Revoked before the app exists: only the snapshot can tell the app about it.
  const early = await login(url)
  assert.equal((await call(url, 'POST', '/api/v1/logout', { token: early.access })).status, 200)

  const app = await startExample(t, url, apiKey)

  const a = await login(url)
  const b = await login(url)
  const c = await login(url)
  const first = await hello(app, a.access)
  assert.equal(first.status, 200, JSON.stringify(first.body))
  assert.deepEqual(first.body, { hello: decodeJwt(a.access).payload.sub })

  await t.test('a session revoked before the app started is refused', async () => {
    assertRefused(await hello(app, early.access), 'SESSION_REVOKED', 'revoked before start')
  })

  await t.test('logout reaches the app within the bound; another session keeps working', async () => {
    assert.equal((await hello(app, b.access)).status, 200)
    const out = await call(url, 'POST', '/api/v1/logout', { token: a.access })
    assert.equal(out.status, 200)
    assertRefused(await refusedWithinBound(app, a.access, 'after logout'), 'SESSION_REVOKED', 'after logout')
    assert.equal((await hello(app, b.access)).status, 200)
  })

  await t.test("an admin's revocation of one session reaches the app within the bound", async () => {
    const sid = decodeJwt(c.access).payload.sid as string
    const r = await call(url, 'DELETE', `/api/v1/admin/sessions/${sid}`, { token: b.access })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assertRefused(await refusedWithinBound(app, c.access, 'after admin revoke'), 'SESSION_REVOKED', 'after admin revoke')
    assert.equal((await hello(app, b.access)).status, 200)
  })

  await t.test('forged, foreign, mistyped and malformed tokens are refused', async () => {
    const { header, payload } = decodeJwt(b.access)
    const serverKey = readFileSync(join(running.configDir, 'private_key.pem'), 'utf8')
    const now = Math.floor(Date.now() / 1000)
    const claims = { ...payload, jti: 'forged' }
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    const hs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: header.kid as string, typ: 'JWT' }).sign(new TextEncoder().encode('x'.repeat(32)))
    const cases: [string, string, string][] = [
      ['signed by a foreign key under our kid', signRs256(foreign, { kid: header.kid }, claims), 'INVALID_TOKEN'],
      ['HS256 under our kid', hs256, 'INVALID_TOKEN'],
      ['alg none', `${b64({ alg: 'none', kid: header.kid })}.${b64(claims)}.`, 'INVALID_TOKEN'],
      ['type refresh, signed by the server key', signRs256(serverKey, { kid: header.kid }, { ...claims, type: 'refresh' }), 'INVALID_TOKEN'],
      ['no type, signed by the server key', signRs256(serverKey, { kid: header.kid }, { ...claims, type: undefined }), 'INVALID_TOKEN'],
      ['another issuer, signed by the server key', signRs256(serverKey, { kid: header.kid }, { ...claims, iss: 'someone-else' }), 'INVALID_TOKEN'],
      ['no kid, signed by the server key', signRs256(serverKey, {}, claims), 'INVALID_TOKEN'],
      ['expired, signed by the server key', signRs256(serverKey, { kid: header.kid }, { ...claims, iat: now - 7200, exp: now - 3600 }), 'TOKEN_EXPIRED'],
      ['a tampered payload', `${b64(header)}.${b64({ ...payload, sub: 'someone' })}.${b64('x')}`, 'INVALID_TOKEN'],
      ['not a JWT', 'not-a-jwt', 'INVALID_TOKEN'],
    ]
    for (const [label, token, code] of cases) assertRefused(await hello(app, token), code, label)
    const none = await call(app, 'GET', '/hello')
    assertRefused(none, 'NOT_AUTHENTICATED', 'no Authorization header')
    // The server's own key with intact claims passes: the refusals above are for what they name.
    assert.equal((await hello(app, signRs256(serverKey, { kid: header.kid }, claims))).status, 200)
  })

  await t.test('after a rotation a token of the new key works (unknown kid: the JWKS is fetched again)', async () => {
    const oldKid = decodeJwt(b.access).header.kid
    const rotated = await call(url, 'POST', '/api/v1/admin/keys/rotate', { token: b.access })
    assert.equal(rotated.status, 201, JSON.stringify(rotated.body))
    const d = await login(url)
    assert.notEqual(decodeJwt(d.access).header.kid, oldKid)
    const r = await hello(app, d.access)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    // The old key verifies until its last token expires: nobody was logged out.
    assert.equal((await hello(app, b.access)).status, 200)
  })

  await t.test('an emergency rotation retires the old keys: their tokens are refused within the bound', async () => {
    const { header, payload } = decodeJwt(b.access)
    // A token of the first key whose session the server never heard of: only the retired kid can
    // refuse it (the app still has the key cached from the JWKS).
    const orphan = signRs256(readFileSync(join(running.configDir, 'private_key.pem'), 'utf8'), { kid: header.kid }, { ...payload, sid: 'never-revoked', jti: 'orphan' })
    assert.equal((await hello(app, orphan)).status, 200)
    const r = await call(url, 'POST', '/api/v1/admin/keys/rotate', { token: b.access, json: { revoke_sessions: true, confirm: 'revoke-all' } })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    assert.ok((r.body.retired_kids as string[]).includes(header.kid as string), JSON.stringify(r.body))
    // The retirement reaches the app before its own API key is revoked with every other one.
    assert.equal(r.body.revoked_api_keys, 1)
    assertRefused(await refusedWithinBound(app, orphan, 'retired kid'), 'INVALID_TOKEN', 'retired kid')
    assert.equal((await call(url, 'GET', '/api/v1/revocations/stream', { headers: { 'x-api-key': apiKey } })).status, 401, "the app's key went too")
    // Everyone was signed out (and b's key retired); a new login, under a third key, works.
    assert.equal((await hello(app, b.access)).status, 401)
    const e = await login(url, ADMIN.username, ADMIN.password)
    assert.equal((await hello(app, e.access)).status, 200)
  })
})
