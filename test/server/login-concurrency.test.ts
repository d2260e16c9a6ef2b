// Concurrent login abuse against a real server: a burst of guesses is judged like a sequence, a
// flood is refused at once rather than queued, and another client's login is not stuck behind it.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AuthError } from '../../src/server/core/errors.ts'
import { WAITING_PER_WORKER } from '../../src/server/core/users/hash-scheduler.ts'
import { ADMIN, call, login, startServer } from '../helpers.ts'

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
  assert.equal(late.body.code, 'LOGIN_THROTTLED')
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
