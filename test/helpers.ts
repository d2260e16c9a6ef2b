// Shared test plumbing: temp config dirs, a real server on 127.0.0.1:0, and small HTTP helpers.

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import type { Clock } from '../src/server/core/clock.ts'
import type { AuthCore } from '../src/server/core/core.ts'
import { createAuthCore } from '../src/server/core/core.ts'
import type { AuthErrorCode } from '../src/server/core/errors.ts'
import { AuthError } from '../src/server/core/errors.ts'
import { createAuthServer } from '../src/server/index.ts'
import type { AuthServer, AuthServerOptions } from '../src/server/index.ts'
import type { StreamOptions } from '../src/server/http/sse.ts'
import { createLogger } from '../src/server/log.ts'

export const ADMIN = { username: 'admin', password: 'admin-password-1' }

/** Env for a test server: the cheapest bcrypt cost the server allows, one hashing thread. */
export function testEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    AUTHDOCK_BCRYPT_COST: '10',
    AUTHDOCK_HASH_WORKERS: '1',
    LANGFLOW_SUPERUSER: ADMIN.username,
    LANGFLOW_SUPERUSER_PASSWORD: ADMIN.password,
    ...extra,
  }
}

export function tempDir(t: TestContext | { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'authdock-test-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/**
 * The core alone, without HTTP, on a real SQLite file in a temp dir; its signing key is ready.
 * Closed when the test ends.
 */
export async function startCore(
  t: TestContext,
  options: { env?: Record<string, string | undefined>; configDir?: string; clock?: Clock; logs?: string[] } = {},
): Promise<AuthCore> {
  const logs = options.logs ?? []
  const core = await createAuthCore({
    configDir: options.configDir ?? tempDir(t),
    env: options.env ?? testEnv(),
    clock: options.clock,
    log: createLogger((line) => logs.push(line)),
  })
  t.after(() => core.close())
  await core.keys.pending()
  return core
}

/**
 * For assert.throws / assert.rejects: an AuthError with this code (and detail, when given; a
 * RegExp is matched against a string detail).
 */
export function authError(code: AuthErrorCode, detail?: string | RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof AuthError, `an AuthError, not ${String(err)}`)
    assert.equal(err.code, code, `code ${err.code}: ${JSON.stringify(err.detail)}`)
    if (typeof detail === 'string') assert.equal(err.detail, detail)
    else if (detail !== undefined) assert.match(String(err.detail), detail)
    return true
  }
}

export interface Running {
  readonly server: AuthServer
  readonly url: string
  readonly configDir: string
  readonly logs: string[]
  close(): Promise<void>
}

/** Starts a real server on an ephemeral loopback port; it is closed when the test ends. */
export async function startServer(
  t: TestContext,
  options: {
    env?: Record<string, string | undefined>; configDir?: string; clock?: Clock; streams?: StreamOptions
    timeouts?: AuthServerOptions['timeouts']; consoleDir?: string
    /** false: return as soon as it listens, while a new config dir's first RSA key may still be generated. */
    waitForKey?: boolean
  } = {},
): Promise<Running> {
  const configDir = options.configDir ?? tempDir(t)
  const logs: string[] = []
  // Every answer of every test is checked against the route table's declarations: a body outside
  // its response schema or an undeclared error code fails the test that caused it.
  const breaches: string[] = []
  const server = await createAuthServer({
    configDir,
    env: options.env ?? testEnv(),
    clock: options.clock,
    streams: options.streams,
    timeouts: options.timeouts,
    consoleDir: options.consoleDir,
    log: createLogger((line) => logs.push(line)),
    contract: (r, problem) => breaches.push(`${r.method} ${r.path} ${problem}`),
  })
  const { url } = await server.listen(0, '127.0.0.1')
  if (options.waitForKey !== false) await server.core.keys.pending()
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await server.close()
    if (breaches.length > 0) throw new Error(`answers outside the route table's declarations:\n${[...new Set(breaches)].join('\n')}`)
  }
  t.after(close)
  return { server, url, configDir, logs, close }
}

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly body: any // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
  readonly cookies: Record<string, string>
}

export interface CallOptions {
  json?: unknown
  form?: Record<string, string>
  headers?: Record<string, string>
  token?: string
}

function requestOf(options: CallOptions): { headers: Record<string, string>; body: string | undefined } {
  const headers: Record<string, string> = { ...options.headers }
  let body: string | undefined
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(options.json)
  } else if (options.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded'
    body = new URLSearchParams(options.form).toString()
  }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
  return { headers, body }
}

export async function call(url: string, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const { headers, body } = requestOf(options)
  const res = await fetch(url + path, { method, headers, body, redirect: 'manual' })
  return { status: res.status, headers: res.headers, body: parseBody(await res.text()), cookies: setCookies(res.headers) }
}

/**
 * `call` from another loopback source address (127.0.0.2, say; Linux routes all of 127/8 to lo):
 * a client on another address, as the server sees it.
 */
export function callFrom(localAddress: string, url: string, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const { headers, body } = requestOf(options)
  return new Promise((resolve, reject) => {
    const req = httpRequest(url + path, { method, headers, localAddress, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => {
        const h = new Headers()
        for (const [name, value] of Object.entries(res.headers)) {
          for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) h.append(name, v)
        }
        resolve({ status: res.statusCode ?? 0, headers: h, body: parseBody(text), cookies: setCookies(h) })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** A response body as JSON; null when empty; anything else (CSV, HTML) as the text itself. */
export function parseBody(text: string): unknown {
  try {
    return text === '' ? null : JSON.parse(text)
  } catch {
    return text // not JSON: left as text so the assertion shows it
  }
}

/** name → the full Set-Cookie line, for attribute checks. */
export function setCookies(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of headers.getSetCookie()) out[line.slice(0, line.indexOf('='))] = line
  return out
}

export interface Tokens {
  readonly access: string
  readonly refresh: string
}

export async function login(url: string, username = ADMIN.username, password = ADMIN.password): Promise<Tokens> {
  const r = await call(url, 'POST', '/api/v1/login', { form: { username, password } })
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`)
  return { access: r.body.access_token, refresh: r.body.refresh_token }
}

export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.')
  return {
    header: JSON.parse(Buffer.from(h as string, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(p as string, 'base64url').toString()),
  }
}

/** A clock the test moves by hand. */
export function manualClock(start = Date.now()): Clock & { advance(ms: number): void } {
  let now = start
  return { now: () => now, advance: (ms) => void (now += ms) }
}

/** Codes of a credential that was presented and is no good: RFC 6750's invalid_token. */
const INVALID_CREDENTIAL = new Set(['INVALID_TOKEN', 'TOKEN_EXPIRED', 'SESSION_REVOKED', 'INVALID_API_KEY', 'API_KEY_EXPIRED', 'DUPLICATE_COOKIE'])

/**
 * WWW-Authenticate as RFC 6750 §3.1 wants it for `code`: `Bearer error="invalid_token"` for a bad
 * credential, `error="insufficient_scope"` for one without the rights, a bare `Bearer` on any
 * other 401 (no credential at all, a wrong password), and nothing else.
 */
export function assertChallenge(headers: Headers, status: number, code: string | undefined, label = ''): void {
  const challenge = headers.get('www-authenticate')
  if (code !== undefined && INVALID_CREDENTIAL.has(code)) assert.match(challenge ?? '', /^Bearer error="invalid_token", error_description="[^"]+"$/, label)
  else if (code === 'NOT_SUPERUSER') assert.match(challenge ?? '', /^Bearer error="insufficient_scope", error_description="[^"]+"$/, label)
  else if (status === 401) assert.equal(challenge, 'Bearer', label)
  else assert.equal(challenge, null, label)
}

/**
 * The one error assertion: the status, a JSON body of exactly {detail, code} (Langflow's dialect;
 * `fields` for the few errors that carry more), the code and detail when given, and the challenge.
 */
export function assertError(r: Pick<Reply, 'status' | 'headers' | 'body'>, status: number, code?: string, detail?: string | RegExp, fields: readonly string[] = []): void {
  const label = JSON.stringify(r.body)
  assert.equal(r.status, status, label)
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/, label)
  assert.deepEqual(Object.keys(r.body ?? {}).sort(), ['code', 'detail', ...fields].sort(), label)
  if (code !== undefined) assert.equal(r.body.code, code, label)
  if (typeof detail === 'string') assert.equal(r.body.detail, detail, label)
  else if (detail !== undefined) assert.match(String(r.body.detail), detail, label)
  assertChallenge(r.headers, status, r.body.code, label)
}

/** An OAuth endpoint's error (RFC 6749 §5.2): exactly {error, error_description}, and the challenge. */
export function assertOauthError(r: Pick<Reply, 'status' | 'headers' | 'body'>, status: number, error: string): void {
  const label = JSON.stringify(r.body)
  assert.equal(r.status, status, label)
  assert.deepEqual(Object.keys(r.body ?? {}).sort(), ['error', 'error_description'], label)
  assert.equal(r.body.error, error, label)
  assert.equal(typeof r.body.error_description, 'string', label)
}
