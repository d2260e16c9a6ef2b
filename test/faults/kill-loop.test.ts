// Crash harness: the headless server is SIGKILLed at a random moment during each workload (key
// rotation, algorithm switches, refresh traffic, user changes) and restarted on the same dir.
// After every kill: integrity_check ok, one chain per refresh family, key files = key ring; after
// every restart: each acknowledged revocation holds, each acknowledged rotation holds.
// AUTHDOCK_KILLS=50 for the long form (the figure); CI runs a few per workload.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { call, login, tempDir } from '../helpers.ts'
import type { Tokens } from '../helpers.ts'
import { baseEnv, checkConfigDir, crash, exitCode, ready, serve } from './harness.ts'

const KILLS = Number(process.env.AUTHDOCK_KILLS ?? 5)
/** The largest window, so a slow restart still falls inside it: a refresh whose answer the crash
 *  swallowed is answered again with the same successor when the same client retries. */
const ENV = baseEnv({ AUTHDOCK_REFRESH_GRACE_SECONDS: '60' })

/** What the server acknowledged (a 2xx came back) and must therefore hold after any crash. */
interface Ledger {
  /** Sessions whose end was acknowledged: their tokens must stay refused. */
  revoked: Tokens[]
  /** Access tokens of sessions nobody ended: must keep verifying. */
  live: Tokens[]
  /** Refresh families: the last acknowledged token, and the one it replaced. */
  chains: { current: string; previous: string | null; uncertain: boolean }[]
  /** Users by name, with the last acknowledged state; uncertain while a change was in flight. */
  users: Map<string, { password: string; state: 'active' | 'inactive' | 'deleted'; uncertain: boolean }>
  /** How many writes were acknowledged in all: the loop did real work before each kill. */
  acknowledged: number
}

/** Prepares (before the kill timer starts), then returns the traffic that runs until the kill. */
type Workload = (url: string, admin: Tokens, ledger: Ledger, alive: () => boolean) => Promise<{ running: Promise<unknown> }>

const newLedger = (): Ledger => ({ revoked: [], live: [], chains: [], users: new Map(), acknowledged: 0 })

/** Runs `fn` until the server dies; a request that fails (connection reset or refused) ends it. */
async function untilKilled(alive: () => boolean, fn: () => Promise<void>): Promise<void> {
  while (alive()) {
    try {
      await fn()
    } catch (err) {
      // Only the connection may fail (the kill); any answer that came back was a live server's.
      if (err instanceof TypeError && err.message === 'fetch failed') return
      throw err
    }
  }
}

function expectOk(ledger: Ledger, r: { status: number; body: unknown }, what: string): void {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`)
  ledger.acknowledged += 1
}

const loginsOfAdmin = (url: string, ledger: Ledger, alive: () => boolean) =>
  untilKilled(alive, async () => {
    ledger.live.push(await login(url))
    ledger.acknowledged += 1
  })

const rotation: Workload = async (url, admin, ledger, alive) => ({
  running: Promise.all([
    untilKilled(alive, async () => {
      const r = await call(url, 'POST', '/api/v1/admin/keys/rotate', { token: admin.access })
      expectOk(ledger, r, 'rotate')
    }),
    loginsOfAdmin(url, ledger, alive),
  ]),
})

const algorithmSwitch: Workload = async (url, admin, ledger, alive) => {
  const current = (await call(url, 'GET', '/api/v1/admin/keys', { token: admin.access })).body.algorithm as string
  let next = current === 'HS256' ? 'RS256' : 'HS256'
  const running = Promise.all([
    untilKilled(alive, async () => {
      const r = await call(url, 'PUT', '/api/v1/admin/algorithm', { token: admin.access, json: { algorithm: next } })
      expectOk(ledger, r, 'switch algorithm')
      next = next === 'HS256' ? 'RS256' : 'HS256'
    }),
    loginsOfAdmin(url, ledger, alive),
  ])
  return { running }
}

const refreshTraffic: Workload = async (url, _admin, ledger, alive) => {
  const started = await Promise.all(Array.from({ length: 8 }, () => login(url)))
  const chains = started.map((t) => ({ current: t.refresh, previous: null as string | null, uncertain: false, access: t.access }))
  ledger.chains.push(...chains)
  const running = Promise.all([
    ...chains.slice(1).map((chain) =>
      untilKilled(alive, async () => {
        // In flight: the server may or may not have rotated; the grace window makes a retry safe.
        const r = await call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: chain.current } })
        expectOk(ledger, r, 'refresh')
        chain.previous = chain.current
        chain.current = r.body.refresh_token
        chain.access = r.body.access_token
      })),
    // Ends one session after another, racing the refreshes of the others.
    untilKilled(alive, async () => {
      const tokens = await login(url)
      // Not in ledger.live: from the moment the logout is sent until its answer comes, a kill may
      // or may not have committed it, so the session is surely ended only once acknowledged.
      const r = await call(url, 'POST', '/api/v1/logout', { token: tokens.access })
      expectOk(ledger, r, 'logout')
      ledger.revoked.push(tokens)
    }),
  ])
  return { running }
}

const userChanges: Workload = async (url, admin, ledger, alive) => {
  let n = 0
  const running = untilKilled(alive, async () => {
    const username = `user-${process.pid}-${Date.now().toString(36)}-${n++}`
    const password = `${username}-password`
    const entry = { password, state: 'active' as 'active' | 'inactive' | 'deleted', uncertain: true }
    ledger.users.set(username, entry)
    const created = await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username, password } })
    expectOk(ledger, created, 'create user')
    entry.uncertain = false
    const tokens = await login(url, username, password)
    const id = created.body.user.id as string
    entry.uncertain = true
    const change = n % 2 === 0
      ? await call(url, 'PATCH', `/api/v1/admin/users/${id}`, { token: admin.access, json: { is_active: false } })
      : await call(url, 'DELETE', `/api/v1/admin/users/${id}`, { token: admin.access })
    expectOk(ledger, change, 'change user')
    entry.state = n % 2 === 0 ? 'inactive' : 'deleted'
    entry.uncertain = false
    ledger.revoked.push(tokens)
  })
  return { running }
}

/** After a restart: everything the ledger holds is still so. Families are checked once, then dropped. */
async function verify(url: string, admin: Tokens, ledger: Ledger, keys: ReturnType<typeof checkConfigDir>['keys']): Promise<void> {
  const ring = (await call(url, 'GET', '/api/v1/admin/keys', { token: admin.access })).body.keys as { kid: string; fingerprint: string; state: string }[]
  const fromFiles = keys.map((k) => `${k.kid} ${k.fingerprint} ${k.state}`).sort()
  assert.deepEqual(ring.map((k) => `${k.kid} ${k.fingerprint} ${k.state}`).sort(), fromFiles, 'the key ring the server loaded is the one on disk')

  for (const tokens of ledger.revoked) {
    assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: tokens.access })).status, 401, 'an acknowledged revocation holds (access)')
    const r = await call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: tokens.refresh } })
    assert.ok(r.status === 401 || r.status === 403, `an acknowledged revocation holds (refresh): ${r.status}`)
  }
  for (const tokens of ledger.live) {
    const r = await call(url, 'GET', '/api/v1/users/whoami', { token: tokens.access })
    assert.equal(r.status, 200, `a token of a live session still verifies after the crash: ${JSON.stringify(r.body)}`)
  }
  for (const chain of ledger.chains) {
    // The newest acknowledged token works (again, if its rotation's answer was lost)...
    const next = await call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: chain.current } })
    assert.equal(next.status, 200, `the newest acknowledged refresh token of a family works: ${JSON.stringify(next.body)}`)
    if (chain.previous === null) continue
    // ...and the one it replaced is a replay: refused, and the whole family ends.
    const replay = await call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: chain.previous } })
    assert.equal(replay.status, 401, 'a rotated-out refresh token is refused')
    assert.equal(replay.body.code, 'REFRESH_REUSED')
    assert.equal((await call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: next.body.refresh_token } })).status, 401)
    assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: next.body.access_token })).status, 401)
  }
  ledger.chains = []
  for (const [username, user] of ledger.users) {
    if (user.uncertain) continue
    const r = await call(url, 'POST', '/api/v1/login', { form: { username, password: user.password } })
    if (user.state === 'active') assert.equal(r.status, 200, `${username} can log in`)
    else assert.ok(r.status === 401 || r.status === 403, `${username} is ${user.state}: login ${r.status}`)
  }
  // Bounded work per restart in the long form: keep the newest entries only.
  ledger.revoked = ledger.revoked.slice(-40)
  ledger.live = ledger.live.slice(-40)
  ledger.users = new Map([...ledger.users].slice(-20))
}

async function killLoop(t: TestContext, name: string, workload: Workload): Promise<void> {
  const dir = tempDir(t)
  const ledger = newLedger()
  let keys: ReturnType<typeof checkConfigDir>['keys'] | null = null
  for (let kill = 0; kill <= KILLS; kill++) {
    const p = serve(t, dir, { env: ENV })
    const url = await ready(p)
    const admin = await login(url)
    if (keys !== null) await verify(url, admin, ledger, keys)
    if (kill === KILLS) {
      p.child.kill('SIGTERM')
      assert.equal(await exitCode(p), 0)
      break
    }
    let alive = true
    const { running } = await workload(url, admin, ledger, () => alive)
    // A random moment: mid-request, mid-commit, mid-key-generation, or between them.
    await new Promise((r) => setTimeout(r, 30 + Math.random() * 400))
    await crash(p)
    alive = false
    await running
    keys = checkConfigDir(dir).keys
  }
  t.diagnostic(`kills survived: ${KILLS} (${name}; ${ledger.acknowledged} acknowledged changes before the kills)`)
}

test('SIGKILL during key rotation', { timeout: 600_000 }, (t) => killLoop(t, 'key rotation', rotation))
test('SIGKILL during HS256 <-> RS256 switches', { timeout: 600_000 }, (t) => killLoop(t, 'algorithm switch', algorithmSwitch))
test('SIGKILL during heavy refresh traffic and logouts', { timeout: 600_000 }, (t) => killLoop(t, 'refresh traffic', refreshTraffic))
test('SIGKILL during user creation, deactivation and deletion', { timeout: 600_000 }, (t) => killLoop(t, 'user changes', userChanges))
