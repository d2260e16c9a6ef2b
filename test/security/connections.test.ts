// Idle connections by the thousand: a cap on connections open at once (the one over it is closed,
// those open keep being served), connections that send nothing or sit idle after an answer are
// closed after their (test-shortened) timeouts, and an event stream outlives those timeouts.

import assert from 'node:assert/strict'
import { Agent, get } from 'node:http'
import type { IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { login, startServer, testEnv } from '../helpers.ts'
import { isStream, openSse } from '../sse-client.ts'

/** Generous: only a server that never closes the connection takes this long. */
const CLOSE_DEADLINE_MS = 5_000

interface Raw {
  readonly socket: Socket
  /** What the server sent before it closed the connection, once it has. */
  readonly closed: Promise<string>
}

/** A TCP connection that sends nothing unless told to; destroyed when the test ends. */
async function rawConnection(t: TestContext, port: number): Promise<Raw> {
  const socket = connect(port, '127.0.0.1')
  t.after(() => void socket.destroy())
  let received = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => void (received += chunk))
  socket.on('error', () => {}) // a reset is one way of being closed
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)))
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  return { socket, closed }
}

/** Resolves with what was received if the server closes the connection within the deadline, else rejects. */
function closedWithin(raw: Raw, ms: number, what: string): Promise<string> {
  return Promise.race([raw.closed, sleep(ms).then(() => Promise.reject(new Error(`${what}: still open after ${ms} ms`)))])
}

/** GET through a keep-alive agent; `reused` says whether it went over an already open connection. */
function keepAliveGet(agent: Agent, url: string, path: string): Promise<{ status: number; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = get(`${url}${path}`, { agent }, (res: IncomingMessage) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }))
    })
    req.on('error', reject)
  })
}

test('past AUTHDOCK_MAX_CONNECTIONS a new connection is closed, while an open keep-alive client is still served', async (t) => {
  const cap = 4
  const { url, logs } = await startServer(t, { env: testEnv({ AUTHDOCK_MAX_CONNECTIONS: String(cap) }) })
  const port = Number(new URL(url).port)
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  t.after(() => agent.destroy())
  assert.equal((await keepAliveGet(agent, url, '/api/v1/health')).status, 200)

  // The cap is filled by connections that send nothing.
  const idle = await Promise.all(Array.from({ length: cap - 1 }, () => rawConnection(t, port)))
  const extra = await rawConnection(t, port)
  extra.socket.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  assert.equal(await closedWithin(extra, CLOSE_DEADLINE_MS, 'the connection over the cap'), '', 'closed without an answer')

  const again = await keepAliveGet(agent, url, '/api/v1/health')
  assert.deepEqual(again, { status: 200, reused: true }, 'the kept-alive client is served over its open connection')
  assert.ok(logs.some((l) => l.includes('connection cap reached')), 'the refusal is logged')

  // A freed slot takes a new connection again.
  idle[0]?.socket.destroy()
  for (;;) {
    const next = await rawConnection(t, port)
    next.socket.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
    const text = await closedWithin(next, CLOSE_DEADLINE_MS, 'a connection after one closed')
    if (text.startsWith('HTTP/1.1 200 ')) break
    assert.equal(text, '', 'refused until the server has seen the slot freed') // then retried
    await sleep(20)
  }
})

test('a connection that sends nothing, or sits idle after an answer, is closed after its timeout', async (t) => {
  // Each far shorter than the defaults (10 s and 5 s), which the deadline would not reach.
  const { url } = await startServer(t, { timeouts: { headersMs: 300, keepAliveMs: 300 } })
  const port = Number(new URL(url).port)

  const silent = await rawConnection(t, port)
  const said = await closedWithin(silent, CLOSE_DEADLINE_MS, 'a connection that never sent a byte')
  assert.ok(said === '' || said.startsWith('HTTP/1.1 408 '), said)

  const kept = await rawConnection(t, port)
  kept.socket.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  const answered = await closedWithin(kept, CLOSE_DEADLINE_MS, 'a kept-alive connection left idle')
  assert.match(answered, /^HTTP\/1\.1 200 /)
  assert.match(answered, /Keep-Alive: timeout=/i, 'it was kept alive, then closed for being idle')
})

test('an event stream outlives the idle timeouts', async (t) => {
  // Heartbeats rarer than the timeouts, so nothing but the stream itself keeps the connection.
  const { url } = await startServer(t, { timeouts: { headersMs: 200, requestMs: 300, keepAliveMs: 200 }, streams: { heartbeatMs: 1_000, maxStreams: 4 } })
  const admin = await login(url)
  const stream = await openSse(t, `${url}/api/v1/admin/events`, { authorization: `Bearer ${admin.access}` })
  assert.ok(isStream(stream), JSON.stringify(stream))
  await stream.commentCount(1, 5_000) // the first heartbeat, long after both timeouts
  assert.equal(stream.ended, false)
  await login(url) // an event after the heartbeat still arrives
  await stream.until((e) => e.event === 'login_succeeded', 3_000)
  assert.equal(stream.ended, false)
})
