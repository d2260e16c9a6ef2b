// Size and time limits: bodies over 64 KB are a JSON 413, headers over the cap a JSON 431, an
// oversized token is refused before any key is looked up, and a client that sends its headers or
// body byte by byte (slowloris) is cut off with a JSON 408 while everyone else is served.

import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { test } from 'node:test'
import type { Clock } from '../../src/server/core/clock.ts'
import type { KeyRing } from '../../src/server/core/keys/key-ring.ts'
import { MAX_TOKEN_LENGTH, createAccessTokens } from '../../src/server/core/tokens/access-tokens.ts'
import { login, startServer, authError } from '../helpers.ts'
import { send } from './support.ts'

const BIG = 'x'.repeat(70 * 1024)

test('bodies over 64 KB are refused with a JSON 413, as JSON and as a form, and nothing is created', async (t) => {
  const { url, server } = await startServer(t)
  const admin = await login(url)
  const bearer = { authorization: `Bearer ${admin.access}` }
  const cases: [string, string, Record<string, string>, string][] = [
    ['/api/v1/login', 'POST', { 'content-type': 'application/json' }, JSON.stringify({ username: 'admin', password: BIG })],
    ['/api/v1/login', 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, `username=admin&password=${BIG}`],
    ['/api/v1/admin/users', 'POST', { ...bearer, 'content-type': 'application/json' }, JSON.stringify({ username: 'big', password: 'big-password', pad: BIG })],
    ['/api/v1/refresh', 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, `refresh_token=${BIG}`],
    ['/api/v1/oauth/introspect', 'POST', { ...bearer, 'content-type': 'application/x-www-form-urlencoded' }, `token=${BIG}`],
  ]
  for (const [path, method, headers, body] of cases) {
    const r = await send(url, method, path, { headers, body })
    assert.equal(r.status, 413, `${path} ${headers['content-type']}: ${r.status} ${r.text.slice(0, 100)}`)
    // The OAuth endpoint in OAuth's words, the others in Langflow's.
    assert.equal(typeof (path.includes('/oauth/') ? r.body.error_description : r.body.detail), 'string', path)
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/)
  }
  assert.equal(server.core.users.count(), 1)
  // Just under the limit is read (and refused for what it says, not for its size).
  const under = await send(url, 'POST', '/api/v1/login', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'x'.repeat(60 * 1024) }) })
  assert.equal(under.status, 401)
})

/**
 * Writes raw chunks on a fresh connection, one per gap; resolves with everything received once the
 * server closes it, and whether the client had sent everything by then.
 */
function rawExchange(port: number, chunks: string[], gapMs: number): Promise<{ text: string; sentAll: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let text = ''
    let timer: NodeJS.Timeout | undefined
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => void (text += d))
    socket.on('error', reject)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({ text, sentAll: i >= chunks.length })
    })
    let i = 0
    const next = () => {
      if (socket.destroyed || i >= chunks.length) return
      socket.write(chunks[i++] as string)
      timer = setTimeout(next, gapMs)
    }
    next()
  })
}

test('headers over the cap get a JSON 431; a token over the length cap is refused before any key is looked up', async (t) => {
  const { url } = await startServer(t)
  const port = Number(new URL(url).port)
  const huge = `GET /api/v1/users/whoami HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${'a'.repeat(1_300_000)}\r\n\r\n`
  const r = await rawExchange(port, [huge], 0)
  assert.match(r.text, /^HTTP\/1\.1 431 /)
  const body = JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4))
  assert.equal(typeof body.detail, 'string')

  let lookups = 0
  const ring = { verifierFor: () => { lookups += 1; return undefined }, signer: () => { throw new Error('unused') } } as unknown as KeyRing
  const clock: Clock = { now: () => Date.now() }
  const tokens = createAccessTokens(ring, clock, 'authdock')
  const header = Buffer.from('{"alg":"HS256","kid":"k"}').toString('base64url')
  assert.throws(() => tokens.verify(`${header}.${'A'.repeat(MAX_TOKEN_LENGTH)}.sig`), authError('INVALID_TOKEN'))
  assert.equal(lookups, 0, 'no key was looked up for an oversized token')
  assert.throws(() => tokens.verify(`${header}.e30.sig`))
  assert.equal(lookups, 1, 'a token of normal size does reach the key lookup')
})

test('a client sending its headers or its body byte by byte is cut off with a JSON 408; others are served meanwhile', async (t) => {
  const { url } = await startServer(t, { timeouts: { headersMs: 600, requestMs: 1200 } })
  const port = Number(new URL(url).port)
  const slowHeaders = ['GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n', ...'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'.split('')]
  const slowBody = ['POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n', ...'{"username":"admin","password":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'.split('')]
  // Each would take 10 s or more at this pace; the timeouts must end them long before.
  const exchanges = [rawExchange(port, slowHeaders, 100), rawExchange(port, slowBody, 100)]
  const others = await Promise.all(Array.from({ length: 5 }, () => send(url, 'GET', '/api/v1/health')))
  for (const o of others) assert.equal(o.status, 200)
  for (const [label, exchange] of [['slow headers', exchanges[0]], ['slow body', exchanges[1]]] as const) {
    assert.ok(exchange !== undefined)
    const r = await exchange
    assert.equal(r.sentAll, false, `${label}: the server must cut the client off before it has finished`)
    assert.match(r.text, /^HTTP\/1\.1 408 /, `${label}: ${r.text.slice(0, 80)}`)
    assert.equal(typeof JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4)).detail, 'string')
  }
  assert.equal((await send(url, 'GET', '/api/v1/health')).status, 200)
})
