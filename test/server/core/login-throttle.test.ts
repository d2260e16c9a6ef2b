// The login throttle's rules on a fake clock: attempts reserved before they are judged, progressive
// delays per account+address, decay, the address as a share and never a lock, the account lock
// that a device cookie passes, and an unlock that lifts every lock of the user.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AuthError } from '../../../src/server/core/errors.ts'
import { createAttemptLimiter } from '../../../src/server/core/attempt-limiter.ts'
import { ADDRESS_CONCURRENCY, ADDRESS_SLOW_CONCURRENCY, THROTTLE_POLICIES, addressKey, createLoginThrottle, throttled } from '../../../src/server/core/login-throttle.ts'
import type { Attempt } from '../../../src/server/core/login-throttle.ts'
import { manualClock } from '../../helpers.ts'

const MINUTE = 60_000

/** The attempt, or the seconds the throttle asks to wait. */
function tryReserve(throttle: ReturnType<typeof createLoginThrottle>, account: string, ip: string, device: string | null = null): Attempt | number {
  try {
    return throttle.tryReserve(account, ip, device)
  } catch (err) {
    assert.ok(err instanceof AuthError && err.code === 'LOGIN_THROTTLED', String(err))
    assert.ok((err.retryAfterSeconds ?? 0) >= 1)
    return err.retryAfterSeconds as number
  }
}
const admitted = (r: Attempt | number): r is Attempt => typeof r !== 'number'

test('a burst is reserved before it is judged: 3 at once, then one at a time after each doubling lock', () => {
  const clock = manualClock()
  const throttle = createLoginThrottle(clock)
  const burst = Array.from({ length: 60 }, () => tryReserve(throttle, 'admin', '192.0.2.1'))
  const inFlight = burst.filter(admitted)
  assert.equal(inFlight.length, 3, 'only the free failures are let through at once')
  assert.equal(inFlight.reduce((ms, a) => Math.max(ms, a.fail()), 0), 1000)
  assert.equal(tryReserve(throttle, 'admin', '192.0.2.1'), 1, 'locked for 1 s')
  clock.advance(1000)
  const next = tryReserve(throttle, 'admin', '192.0.2.1')
  assert.ok(admitted(next))
  assert.equal(tryReserve(throttle, 'admin', '192.0.2.1'), 2, 'one in flight: a second waits for the lock the first may earn')
  assert.equal(next.fail(), 2000)
  clock.advance(2000)
  const released = tryReserve(throttle, 'admin', '192.0.2.1')
  assert.ok(admitted(released))
  released.release() // never judged (the hashing queue refused it): not counted
  const after = tryReserve(throttle, 'admin', '192.0.2.1')
  assert.ok(admitted(after))
  assert.equal(after.fail(), 4000, 'the released attempt did not count')
  // A success ends the pair's count.
  clock.advance(4000)
  ;(tryReserve(throttle, 'admin', '192.0.2.1') as Attempt).succeed()
  for (let i = 0; i < 3; i++) assert.equal((tryReserve(throttle, 'admin', '192.0.2.1') as Attempt).fail(), i < 2 ? 0 : 1000)
})

test('counters decay: a guesser who never stops gets about 7 an hour, and a failure every 15 minutes keeps nobody locked', () => {
  const clock = manualClock()
  const throttle = createLoginThrottle(clock)
  // A guesser from one address, each guess as soon as the last lock ends, for 4 hours.
  const start = clock.now()
  let guesses = 0
  while (clock.now() - start < 4 * 60 * MINUTE) {
    const a = tryReserve(throttle, 'admin', '192.0.2.1')
    assert.ok(admitted(a))
    clock.advance(a.fail())
    guesses += 1
  }
  assert.ok(guesses <= 3 + 10 + 4 * 7, `${guesses} guesses in 4 hours: the free ones, the first doublings, then about 7 an hour`)
  // Then one wrong guess every 15 minutes, for a day: each is admitted, and the waits shrink to nothing.
  const waits: number[] = []
  for (let i = 0; i < 96; i++) {
    clock.advance(15 * MINUTE)
    const a = tryReserve(throttle, 'admin', '192.0.2.1')
    assert.ok(admitted(a), `attempt ${i} is admitted: no lock outlasts 15 minutes`)
    waits.push(a.fail())
  }
  assert.ok((waits[0] as number) > 0, 'the guesser\'s count is still there at first')
  assert.deepEqual(waits.slice(48), waits.slice(48).map(() => 0), 'after some hours a failure every 15 minutes earns no wait at all')
  assert.equal(throttle.lockedUntil('admin'), 0)
})

test('the address is a share of the queue, never a lock: other accounts from a spraying address still get in', () => {
  const clock = manualClock()
  const throttle = createLoginThrottle(clock)
  // 200 accounts sprayed from one address (loopback: every local client), 3 guesses each.
  for (let i = 0; i < 200; i++) {
    for (let j = 0; j < 3; j++) (tryReserve(throttle, `user-${i}`, '127.0.0.1') as Attempt).fail()
  }
  const bob = tryReserve(throttle, 'bob', '127.0.0.1')
  assert.ok(admitted(bob), 'bob, from the same address, is not locked out')
  bob.succeed()
  // The address does get a smaller share of the hashing queue while its failures are recent.
  const slow = Array.from({ length: 10 }, (_, i) => tryReserve(throttle, `other-${i}`, '127.0.0.1'))
  assert.equal(slow.filter(admitted).length, ADDRESS_SLOW_CONCURRENCY)
  assert.ok(slow.filter((r) => !admitted(r)).every((s) => s === 1), 'waiting for its own attempts in flight: 1 s')
  for (const a of slow.filter(admitted)) a.release()
  // ... and its full share again once they have decayed.
  clock.advance(200 * 3 * THROTTLE_POLICIES.address.decayMs)
  const fresh = Array.from({ length: 10 }, (_, i) => tryReserve(throttle, `other-${i}`, '127.0.0.1'))
  assert.equal(fresh.filter(admitted).length, ADDRESS_CONCURRENCY)
})

test('the account lock stops guesses from every address but not a device that signed in before; each device has its own count', () => {
  const clock = manualClock()
  const throttle = createLoginThrottle(clock)
  // 20 addresses, one failure each: every pair within its free failures, the account at its 20.
  for (let i = 0; i < 20; i++) (tryReserve(throttle, 'admin', `198.51.100.${i}`) as Attempt).fail()
  assert.ok(throttle.lockedUntil('admin') > clock.now())
  assert.equal(typeof tryReserve(throttle, 'admin', '203.0.113.50'), 'number', 'a new address without a device cookie waits')
  const known = tryReserve(throttle, 'admin', '203.0.113.50', 'device-a')
  assert.ok(admitted(known), 'the admin\'s own device is judged by its own count only')
  known.succeed()
  // A stolen device cookie buys only that device's budget.
  for (let j = 0; j < 3; j++) (tryReserve(throttle, 'admin', '203.0.113.66', 'device-b') as Attempt).fail()
  assert.equal(tryReserve(throttle, 'admin', '203.0.113.66', 'device-b'), 1)
  assert.ok(admitted(tryReserve(throttle, 'admin', '203.0.113.50', 'device-a')), 'another device of the account is untouched')
})

test('a device token\'s failures count for the account and its attempts for the address: copied tokens give no budget of their own', () => {
  const clock = manualClock()
  const throttle = createLoginThrottle(clock)
  // 7 copied device tokens of admin, 3 free failures each: 21, past the account's 20.
  for (let d = 0; d < 7; d++) for (let j = 0; j < 3; j++) (tryReserve(throttle, 'admin', '203.0.113.66', `stolen-${d}`) as Attempt).fail()
  assert.ok(throttle.lockedUntil('admin') > clock.now(), 'the account is locked by the devices\' failures')
  assert.equal(typeof tryReserve(throttle, 'admin', '198.51.100.1'), 'number', 'a guesser without a device token waits')
  // ... while the account lock still does not apply to a valid device's own attempts.
  const own = tryReserve(throttle, 'admin', '127.0.0.1', 'device-a')
  assert.ok(admitted(own), 'the admin\'s own device gets in')
  own.succeed()
  // Device attempts in flight take the address's places in the hashing queue like any other.
  const devices = Array.from({ length: ADDRESS_CONCURRENCY }, (_, i) => tryReserve(throttle, `user-${i}`, '198.51.100.9', `device-${i}`))
  assert.ok(devices.every(admitted))
  assert.equal(tryReserve(throttle, 'carol', '198.51.100.9'), 1, 'the address\'s share is taken: 1 s')
  for (const a of devices.filter(admitted)) a.release()
  const after = tryReserve(throttle, 'carol', '198.51.100.9')
  assert.ok(admitted(after), 'released, the share is back')
})

test('churn of new names does not wash out locks: released reservations leave nothing behind, and eviction keeps locks and failures', () => {
  const clock = manualClock()
  const throttle = createLoginThrottle(clock)
  for (let j = 0; j < 3; j++) (tryReserve(throttle, 'admin', '198.51.100.1') as Attempt).fail()
  assert.equal(tryReserve(throttle, 'admin', '198.51.100.1'), 1, 'the (admin, attacker) pair is locked')
  // A full hashing queue: random usernames reserved and released (429) at HTTP speed, past the bound.
  for (let i = 0; i < 110_000; i++) throttle.tryReserve(`random-${i}`, '203.0.113.9', null).release()
  assert.equal(tryReserve(throttle, 'admin', '198.51.100.1'), 1, 'the lock is still there')
})

test('eviction drops what has decayed first, then failures without a lock, and locks last', () => {
  const clock = manualClock()
  const limiter = createAttemptLimiter(clock, THROTTLE_POLICIES.pair)
  for (let j = 0; j < 13; j++) limiter.fail('admin') // the oldest entry, locked for the 15 minutes' cap
  const lockedUntil = limiter.lockedUntil('admin')
  assert.equal(lockedUntil, clock.now() + 15 * MINUTE)
  for (let i = 0; i < 30_000; i++) limiter.fail(`stale-${i}`)
  clock.advance(THROTTLE_POLICIES.pair.decayMs) // the stale ones' single failures are forgotten, not admin's lock
  for (let i = 0; i < 80_000; i++) limiter.fail(`recent-${i}`)
  assert.equal(limiter.lockedUntil('admin'), lockedUntil, 'decayed entries went first')
  assert.equal(limiter.failures('recent-0'), 1, 'so did no entry that still counts a failure')
  // A map full of entries that all count failures: the lock is what goes last.
  for (let i = 0; i < 100_000; i++) limiter.fail(`flood-${i}`)
  assert.equal(limiter.lockedUntil('admin'), lockedUntil, 'failures without a lock went before the lock')
  assert.equal(limiter.failures('recent-0'), 0, 'the oldest of those went')
  assert.equal(limiter.failures('flood-99999'), 1)
  // The key whose arrival made room keeps what it was given.
  const counts = Array.from({ length: 100_000 }, (_, i) => (limiter.fail(`more-${i}`), limiter.failures(`more-${i}`)))
  assert.deepEqual(counts.filter((n) => n !== 1), [])
})

test('unlock lifts every lock of the user: pairs from every address, the account-wide count and its devices', () => {
  const clock = manualClock()
  const throttle = createLoginThrottle(clock)
  for (let i = 0; i < 10; i++) (tryReserve(throttle, 'admin', `198.51.100.${i}`) as Attempt).fail()
  for (let j = 0; j < 3; j++) (tryReserve(throttle, 'admin', '198.51.100.20') as Attempt).fail()
  for (let i = 0; i < 7; i++) (tryReserve(throttle, 'admin', `198.51.100.${30 + i}`) as Attempt).fail()
  assert.ok(throttle.lockedUntil('admin') > clock.now())
  assert.equal(typeof tryReserve(throttle, 'admin', '198.51.100.20'), 'number')
  for (let j = 0; j < 3; j++) (tryReserve(throttle, 'admin', '203.0.113.66', 'device-b') as Attempt).fail()
  for (let j = 0; j < 3; j++) (tryReserve(throttle, 'bob', '198.51.100.1') as Attempt).fail()
  assert.equal(throttle.unlock('admin'), true)
  assert.equal(throttle.lockedUntil('admin'), 0)
  for (const [ip, device] of [['198.51.100.0', null], ['198.51.100.20', null], ['203.0.113.50', null], ['203.0.113.66', 'device-b']] as const) {
    const a = tryReserve(throttle, 'admin', ip, device)
    assert.ok(admitted(a), `${ip} ${device ?? ''} may try again at once`)
    a.release()
  }
  assert.equal(typeof tryReserve(throttle, 'bob', '198.51.100.1'), 'number', 'another user\'s lock stays')
  assert.equal(throttle.unlock('admin'), false, 'nothing left to lift')
})

test('IPv6 clients are counted per /64, IPv4-mapped ones as IPv4', () => {
  assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64')
  assert.equal(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64')
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64')
  assert.equal(addressKey('::ffff:192.0.2.1'), '192.0.2.1')
  assert.equal(addressKey('127.0.0.1'), '127.0.0.1')
  assert.equal(addressKey(null), '')
  const throttle = createLoginThrottle(manualClock())
  for (let j = 0; j < 3; j++) (tryReserve(throttle, 'admin', `2001:db8:1:2::${j + 1}`) as Attempt).fail()
  assert.equal(typeof tryReserve(throttle, 'admin', '2001:db8:1:2:ffff::9'), 'number', 'another address of the same /64 shares the pair')
})

test('the wait is worded for people: 1 second, 3 seconds', () => {
  assert.equal(throttled(1000).detail, 'Too many failed login attempts; try again in 1 second')
  assert.equal(throttled(2500).retryAfterSeconds, 3)
  assert.equal(throttled(2500).detail, 'Too many failed login attempts; try again in 3 seconds')
})
