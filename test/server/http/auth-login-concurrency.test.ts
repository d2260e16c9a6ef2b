// Concurrent login abuse against a real server: a burst of guesses is judged like a sequence, a
// flood is mostly refused at once rather than queued, another client's login is not stuck behind it,
// and honest logins of one address that come together wait their turn instead of a 429.

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import bcrypt from 'bcryptjs'
import Database from 'better-sqlite3'
import { AuthError } from '../../../src/server/core/errors.ts'
import { WAITING_PER_WORKER, createHashScheduler } from '../../../src/server/core/users/hash-scheduler.ts'
import type { PasswordHasher } from '../../../src/server/core/users/password-hasher.ts'
import { ADMIN, call, callFrom, login, startServer, assertError } from '../../helpers.ts'

const failures = (server: Awaited<ReturnType<typeof startServer>>['server']) => server.core.audit.count({ types: ['login_failed'] })

test('60 concurrent wrong passwords and the right one inside the burst: only 3 are ever checked, and the right one is refused', async (t) => {
  const { url, server } = await startServer(t)
  const before = server.core.passwordChecks.load().checked
  const wrong = () => call(url, 'POST', '/api/v1/login', { form: { username: ADMIN.username, password: 'wrong-password' } })
  const burst = Array.from({ length: 60 }, wrong)
  // The right password arrives while the burst is in flight: as soon as its first answer is back.
  const right = Promise.race(burst).then(() => call(url, 'POST', '/api/v1/login', { form: ADMIN }))
  const answers = await Promise.all(burst)
  const statuses = answers.map((r) => r.status)
  assert.equal(statuses.filter((s) => s === 401).length, 3, `only the free failures were judged: ${statuses.join(',')}`)
  assert.equal(statuses.filter((s) => s === 429).length, 57)
  assert.ok(answers.filter((r) => r.status === 429).every((r) => Number(r.headers.get('retry-after')) >= 1))
  const late = await right
  assert.equal(late.status, 429, 'the right password inside the burst does not get in')
  assertError(late, 429, 'LOGIN_THROTTLED')
  assert.equal(failures(server), 3)
  assert.equal(server.core.passwordChecks.load().checked - before, 3, 'three bcrypt comparisons in all')
})

test('a flood of 200 from one address is mostly refused at once, and another address\'s login finishes before the flood drains', async (t) => {
  const { url, server } = await startServer(t)
  const admin = await login(url)
  assert.equal((await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'bob', password: 'bob-passphrase-1' } })).status, 201)
  const order: string[] = []
  const settle = (name: string, p: Promise<unknown>) =>
    p.then(
      () => void order.push(`${name}:ok`),
      (err: unknown) => {
        if (err instanceof AuthError && err.code === 'LOGIN_THROTTLED') {
          assert.ok((err.retryAfterSeconds ?? 0) >= 1, 'a Retry-After to go with it')
          order.push(`${name}:429`)
        } else order.push(`${name}:401`)
      },
    )
  const attacker = { ip: '198.51.100.7', userAgent: 'flood' }
  // Sprayed over 200 names, so that no account's own limit stops it: the address's share does.
  const flood = Array.from({ length: 200 }, (_, i) => settle('flood', server.core.login(`victim-${i}`, 'guess', attacker)))
  await new Promise((resolve) => setImmediate(resolve))
  const { running, waiting } = server.core.passwordChecks.load()
  assert.ok(running === 1 && waiting > 0, 'bob comes while the flood is being checked and more of it waits')
  const bob = settle('bob', server.core.login('bob', 'bob-passphrase-1', { ip: '203.0.113.9', userAgent: 'bob' }))
  await Promise.all([...flood, bob])
  const refused = order.filter((o) => o === 'flood:429').length
  assert.ok(refused >= 150, `${refused} of the flood refused`)
  const firstChecked = order.findIndex((o) => o === 'flood:401')
  assert.ok(order.slice(0, firstChecked).filter((o) => o === 'flood:429').length === refused, 'every refusal came before any guess was even checked')
  assert.ok(order.indexOf('bob:ok') >= 0, 'bob signed in')
  assert.ok(order.indexOf('bob:ok') < order.lastIndexOf('flood:401'), `bob finished while the flood was still being checked: ${order.slice(refused).join(' ')}`)
})

test('the hashing queue is bounded: attempts from many addresses past it get 429 with Retry-After at once', async (t) => {
  const { url, server, close } = await startServer(t)
  await login(url) // after the start-up's dummy hash, which unknown names are checked against
  const checkedBefore = server.core.passwordChecks.load().checked
  const results: string[] = []
  const total = WAITING_PER_WORKER + 40 // one worker in tests: one running, WAITING_PER_WORKER waiting
  const attempts = Array.from({ length: total }, (_, i) =>
    server.core.login(`name-${i}`, 'guess', { ip: `198.51.100.${i}`, userAgent: null }).then(
      () => results.push('ok'),
      (err: unknown) => results.push(err instanceof AuthError && err.code === 'LOGIN_THROTTLED' && (err.retryAfterSeconds ?? 0) >= 1 ? '429' : 'other'),
    ))
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(results, Array(39).fill('429'), 'the ones past the bound are refused before any is checked')
  assert.deepEqual(server.core.passwordChecks.load(), { running: 1, waiting: WAITING_PER_WORKER, checked: checkedBefore })
  await close() // no need to wait for the checks: closing ends them
  await Promise.all(attempts)
  assert.equal(results.length, total)
})

/** A hasher whose checks end when the test says so: every one answers false. */
function heldHasher(): PasswordHasher & { finishOne(): void } {
  const held: (() => void)[] = []
  return {
    hash: () => Promise.resolve('x'),
    verify: () => new Promise<boolean>((resolve) => held.push(() => resolve(false))),
    dummyHash: () => Promise.resolve('x'),
    costOf: () => null,
    close: () => Promise.resolve(),
    finishOne: () => held.shift()?.(),
  }
}

test('a full hashing queue makes room for a newcomer: the source holding the most places gives up its newest check', async () => {
  const hasher = heldHasher()
  const checks = createHashScheduler({ hasher, workers: 1 })
  const outcome = (p: Promise<boolean>) => p.then(() => 'checked', (err: unknown) => (err instanceof AuthError && err.code === 'LOGIN_THROTTLED' ? '429' : 'other'))
  // Two sources keep it full: a running, then a and b take turns waiting.
  const a = [outcome(checks.verify('a', 'p', 'h'))]
  for (let i = 0; i < WAITING_PER_WORKER / 2; i++) a.push(outcome(checks.verify('a', 'p', 'h')))
  const b = Array.from({ length: WAITING_PER_WORKER / 2 }, () => outcome(checks.verify('b', 'p', 'h')))
  assert.deepEqual(checks.load(), { running: 1, waiting: WAITING_PER_WORKER, checked: 0 })
  // A newcomer with nothing waiting is admitted; a's newest check is answered 429 instead (a and b
  // wait as many, a is found first).
  const c = outcome(checks.verify('c', 'p', 'h'))
  assert.equal(await a.at(-1), '429')
  assert.deepEqual(checks.load(), { running: 1, waiting: WAITING_PER_WORKER, checked: 0 })
  // One of a's or b's own more is refused: no source holds more than theirs would.
  assert.equal(await outcome(checks.verify('b', 'p', 'h')), '429')
  // The newcomer takes its turn like any source not served yet: after b's first, before a's second.
  const order: string[] = []
  void c.then(() => order.push('c'))
  void a[1]?.then(() => order.push('a'))
  void b[0]?.then(() => order.push('b'))
  for (let i = 0; i < 3; i++) {
    hasher.finishOne()
    await new Promise((resolve) => setImmediate(resolve))
  }
  assert.deepEqual(order, ['b', 'c'], 'a\'s running check, then b\'s first, then c\'s')
  for (let i = 0; i < WAITING_PER_WORKER + 2; i++) {
    hasher.finishOne()
    await new Promise((resolve) => setImmediate(resolve))
  }
  assert.deepEqual((await Promise.all([...a.slice(0, -1), ...b])).filter((o) => o !== 'checked'), [])
})

test('six addresses keeping the hashing queue full do not starve a login from a seventh', async (t) => {
  const { url, server } = await startServer(t)
  const admin = await login(url)
  assert.equal((await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'bob', password: 'bob-passphrase-1' } })).status, 201)
  // Any local process can bind 127.0.0.2 to 127.0.0.254: six of them, each with its address's
  // 4 attempts in flight (sprayed over names, so no account's limit stops them), 24 for a queue
  // of 1 running and 16 waiting. Each refused attempt is sent again at once.
  let stop = false
  let guesses = 0
  const flooder = async (ip: string, n: number) => {
    while (!stop) {
      await callFrom(ip, url, 'POST', '/api/v1/login', { form: { username: `victim-${ip}-${n}-${guesses++}`, password: 'guess' } })
    }
  }
  const flood = Array.from({ length: 6 }, (_, a) => Array.from({ length: 4 }, (_, n) => flooder(`127.0.0.${10 + a}`, n))).flat()
  try {
    for (let i = 0; server.core.passwordChecks.load().waiting < WAITING_PER_WORKER; i++) {
      assert.ok(i < 2000, 'the flood fills the queue')
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const bob = await callFrom('127.0.0.200', url, 'POST', '/api/v1/login', { form: { username: 'bob', password: 'bob-passphrase-1' } })
    assert.equal(bob.status, 200, `bob's first try: ${JSON.stringify(bob.body)}`)
  } finally {
    stop = true
    await Promise.all(flood)
  }
})

test('twenty programs of one address signing in at once with the right password all get in: they wait their turn, not a 429', async (t) => {
  const { url, server } = await startServer(t)
  const admin = await login(url)
  assert.equal((await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'bob', password: 'bob-passphrase-1' } })).status, 201)
  // Ten each for two accounts, all from 127.0.0.1, as local apps and scripts starting together do.
  const logins = Array.from({ length: 20 }, (_, i) =>
    call(url, 'POST', '/api/v1/login', { form: i % 2 === 0 ? ADMIN : { username: 'bob', password: 'bob-passphrase-1' } }))
  const statuses = (await Promise.all(logins)).map((r) => r.status)
  assert.deepEqual(statuses, Array<number>(20).fill(200), statuses.join(','))
  assert.equal(failures(server), 0)
})

test('a login waiting its turn when the password is reset does not get in with the old password', async (t) => {
  const { url, server, configDir } = await startServer(t)
  const admin = await login(url)
  assert.equal((await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'alice', password: 'alice-old-passphrase' } })).status, 201)
  const newHash = await bcrypt.hash('alice-new-passphrase', 10)
  const place = { ip: '198.51.100.20', userAgent: 'shared' }
  // Four guesses at other names take the address's four places, so alice's login waits its turn.
  const others = Array.from({ length: 4 }, (_, i) => server.core.login(`nobody-${i}`, 'guess', place).catch(() => null))
  const alice = server.core.login('alice', 'alice-old-passphrase', place).then(() => 'signed in', (err: unknown) => (err instanceof AuthError ? err.code : String(err)))
  await new Promise((resolve) => setImmediate(resolve))
  // The reset lands while she waits (written as another connection would: the admin's reset on
  // another replica, or a reset whose hash finished first).
  const db = new Database(join(configDir, 'authdock.db'))
  db.prepare("UPDATE users SET password_hash = ? WHERE username = 'alice'").run(newHash)
  db.close()
  await Promise.all(others)
  assert.equal(await alice, 'INVALID_CREDENTIALS')
})
