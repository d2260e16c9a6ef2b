// Login throttling, decided before the password is hashed: each attempt is reserved (counted as a
// pending failure) against its account+address pair, its account and its address, or against its
// device, its account and its address when it shows a device token of that account, and is refused
// while any rule that applies to it says wait (for a device: its own rule only).
// Every lock expires (at most 15 minutes) and every counter decays, so a stranger can delay a
// user, never lock them out for good, and never lock out a device the user signed in from before.

import { createAttemptLimiter } from './attempt-limiter.ts'
import type { AttemptLimiter, LimitPolicy } from './attempt-limiter.ts'
import type { Clock } from './clock.ts'
import { secondsText } from './clock.ts'
import { AuthError } from './errors.ts'

const MINUTE = 60_000

export const THROTTLE_POLICIES = {
  // Progressive delays per account and address (Keycloak's and Authelia's rule): 3 free failures,
  // then 1 s doubling up to 15 minutes; one failure is forgotten every 10 minutes, so a failure
  // every 15 minutes keeps nobody locked, and a guesser who never stops settles at waits of 8.5
  // to 15 minutes: about 7 guesses an hour.
  pair: { free: 3, baseMs: 1_000, capMs: 15 * MINUTE, decayMs: 10 * MINUTE },
  // The same for a client showing a valid device token of the account: judged by its own
  // failures only, so neither the pair lock of a shared address nor the account lock blocks it
  // (its failures still count for the account: a copied token gives no budget of its own).
  device: { free: 3, baseMs: 1_000, capMs: 15 * MINUTE, decayMs: 10 * MINUTE },
  // Guesses spread over many addresses: about 7 an hour for the whole account once it is
  // reached. One address cannot reach 20 alone through its pair (whose rule settles at about 13
  // failures); device tokens' failures count here too; the lock never touches their own attempts.
  account: { free: 20, baseMs: 1_000, capMs: 15 * MINUTE, decayMs: 10 * MINUTE },
  // Counted, never locked (capMs 0): on 127.0.0.1 every local client shares the address, so a
  // lock per address would let one page lock every account out. Past `free` recent failures the
  // address only gets a smaller share of the hashing queue (ADDRESS_SLOW_CONCURRENCY).
  address: { free: 20, baseMs: 0, capMs: 0, decayMs: MINUTE },
} as const satisfies Record<string, LimitPolicy>

/**
 * Attempts being hashed (or waiting for it) at once per account, and per address: one address
 * takes at most 4 of the hashing queue's places (16 or more, hash-scheduler.ts), never all.
 */
export const ACCOUNT_CONCURRENCY = 8
export const ADDRESS_CONCURRENCY = 4
export const ADDRESS_SLOW_CONCURRENCY = 2

const MAX_ACCOUNT_LOCKS = 100_000

/** One reserved attempt: exactly one of the three ends it. */
export interface Attempt {
  /** Counts the failure; returns how long the caller is now locked out for (ms, 0 if not). */
  fail(): number
  succeed(): void
  /** It was never judged (the hashing queue was full): nothing is counted. */
  release(): void
}

export function throttled(waitMs: number, why = 'Too many failed login attempts'): AuthError {
  const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000))
  return new AuthError('LOGIN_THROTTLED', `${why}; try again in ${secondsText(retryAfterSeconds)}`, { retryAfterSeconds })
}

/**
 * A refusal that lasts only until an attempt in flight is judged (attempts in flight are counted
 * as failures already made, and the caps on attempts at once): reserve() waits its turn for it
 * rather than answering 429, so that ten local programs signing in at once all get in.
 */
export class ThrottleBusy extends AuthError {}

const busy = (waitMs: number, why?: string): ThrottleBusy => {
  const { detail, retryAfterSeconds } = throttled(waitMs, why)
  return new ThrottleBusy('LOGIN_THROTTLED', detail, { retryAfterSeconds })
}

/** Attempts waiting for their turn: per address (a flood's share of the line), in all, and how long. */
export const MAX_WAITING_PER_ADDRESS = 32
export const MAX_WAITING = 256
const MAX_WAIT_MS = 10_000

/** The line of attempts waiting for one in flight to end: each end wakes them all to look again. */
function createTurns() {
  const perLine = new Map<string, number>()
  const wakers = new Set<() => void>()
  return {
    /** Resolves true at the next end of an attempt, false at once when the line is full or after `leftMs`. */
    wait(line: string, leftMs: number): Promise<boolean> {
      const n = perLine.get(line) ?? 0
      if (n >= MAX_WAITING_PER_ADDRESS || wakers.size >= MAX_WAITING || leftMs <= 0) return Promise.resolve(false)
      perLine.set(line, n + 1)
      return new Promise((resolve) => {
        const done = (woken: boolean) => {
          clearTimeout(timer)
          wakers.delete(wake)
          const left = (perLine.get(line) ?? 1) - 1
          if (left === 0) perLine.delete(line)
          else perLine.set(line, left)
          resolve(woken)
        }
        const wake = () => done(true)
        const timer = setTimeout(() => done(false), leftMs)
        timer.unref()
        wakers.add(wake)
      })
    },
    wake(): void {
      for (const wake of [...wakers]) wake()
    },
  }
}

/**
 * IPv6 clients are counted per /64 (what one host or one customer usually gets, and what an
 * attacker gets for free); IPv4-mapped addresses as the IPv4 address.
 */
export function addressKey(ip: string | null): string {
  if (ip === null) return ''
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (v4) return v4[1] as string
  if (!ip.includes(':')) return ip
  const [head = '', tail = ''] = ip.toLowerCase().split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === '' ? [] : tail.split(':')
  const groups = ip.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`
}

export function createLoginThrottle(clock: Clock) {
  const pair = createAttemptLimiter(clock, THROTTLE_POLICIES.pair)
  const device = createAttemptLimiter(clock, THROTTLE_POLICIES.device)
  const account = createAttemptLimiter(clock, THROTTLE_POLICIES.account)
  const address = createAttemptLimiter(clock, THROTTLE_POLICIES.address)
  const turns = createTurns()
  const pairKey = (acct: string, ip: string | null) => `${acct}\u0000${addressKey(ip)}`
  const deviceKey = (acct: string, id: string) => `${acct}\u0000${id}`

  // The latest lock of each account from any address, so that the admin's user list reads it in
  // O(1) rather than scanning every entry. Expired values are harmless: readers compare with now.
  const accountLocks = new Map<string, number>()
  function lockAccount(acct: string, until: number): void {
    const previous = accountLocks.get(acct) ?? 0
    accountLocks.delete(acct) // re-insert: oldest first, for the bound below
    accountLocks.set(acct, Math.max(until, previous))
    if (accountLocks.size > MAX_ACCOUNT_LOCKS) accountLocks.delete(accountLocks.keys().next().value as string)
  }

  /** Ends the reservation once, whichever way; the limiters' keys are reserved in `held`. */
  function attempt(acct: string, held: readonly (readonly [AttemptLimiter, string])[], onSuccess: () => void): Attempt {
    let done = false
    const once = (fn: () => void) => {
      if (done) return
      done = true
      fn()
      turns.wake()
    }
    return {
      fail() {
        let lockMs = 0
        once(() => {
          const now = clock.now()
          for (const [limiter, key] of held) {
            const ms = limiter.fail(key)
            // A lock of the pair or the account is the account's (shown in the console); a
            // device's own lock is only that device's.
            if (ms > 0 && limiter !== device) lockAccount(acct, now + ms)
            lockMs = Math.max(lockMs, ms)
          }
        })
        return lockMs
      },
      succeed: () => once(onSuccess),
      release: () => once(() => { for (const [limiter, key] of held) limiter.release(key) }),
    }
  }

  return {
    /**
     * Reserves one attempt now, or throws LOGIN_THROTTLED (429 with Retry-After): a ThrottleBusy
     * while only attempts in flight stand in the way. `deviceId` is the id of a valid device token
     * of this account (see device-cookies.ts), or null.
     */
    tryReserve(acct: string, ip: string | null, deviceId: string | null): Attempt {
      const a = addressKey(ip)
      if (deviceId !== null) {
        const key = deviceKey(acct, deviceId)
        // Only the device's own wait: neither the account lock nor a shared address's stops it.
        const wait = device.waitMs(key)
        if (wait > 0) throw device.lockedUntil(key) > clock.now() ? throttled(wait) : busy(wait)
        // But its failures count for the account and the address as well, so that copied device
        // tokens give no guessing budget beyond the account's, and its attempts in flight count
        // in the address's share of the hashing queue.
        device.reserve(key)
        account.reserve(acct)
        address.reserve(a)
        return attempt(acct, [[device, key], [account, acct], [address, a]], () => {
          device.forget(key)
          account.release(acct)
          address.release(a)
        })
      }
      const p = pairKey(acct, ip)
      const locked = Math.max(pair.lockedUntil(p), account.lockedUntil(acct)) - clock.now()
      if (locked > 0) throw throttled(locked)
      // Not locked, but the attempts in flight would earn a lock if they failed: wait for them.
      const wait = Math.max(pair.waitMs(p), account.waitMs(acct))
      if (wait > 0) throw busy(wait)
      const addressCap = address.failures(a) >= THROTTLE_POLICIES.address.free ? ADDRESS_SLOW_CONCURRENCY : ADDRESS_CONCURRENCY
      // Only attempts in flight: an address waits for its own earlier attempts, never a lock.
      if (account.pending(acct) >= ACCOUNT_CONCURRENCY || address.pending(a) >= addressCap) throw busy(1000, 'Too many login attempts at once')
      pair.reserve(p)
      account.reserve(acct)
      address.reserve(a)
      return attempt(acct, [[pair, p], [account, acct], [address, a]], () => {
        pair.forget(p) // the pair's guessing ends with its success; the account's and address's counts stay
        account.release(acct)
        address.release(a)
      })
    },

    /**
     * Reserves one attempt, waiting (in a bounded line, for at most 10 s) while only attempts in
     * flight stand in the way; a lock, a full line or a wait that runs out is a 429.
     */
    async reserve(acct: string, ip: string | null, deviceId: string | null): Promise<Attempt> {
      const line = addressKey(ip)
      const deadline = Date.now() + MAX_WAIT_MS
      for (;;) {
        try {
          return this.tryReserve(acct, ip, deviceId)
        } catch (err) {
          if (!(err instanceof ThrottleBusy) || !(await turns.wait(line, deadline - Date.now()))) throw err
        }
      }
    },

    /** When the account is locked until (epoch ms; 0 if it is not), from any address. */
    lockedUntil(acct: string): number {
      const until = accountLocks.get(acct) ?? 0
      if (until > clock.now()) return until
      accountLocks.delete(acct)
      return 0
    },

    /**
     * An admin's unlock: forgets the account's failures from every address, its account-wide
     * count and its devices' counts. Addresses hold no lock of their own (they only slow down),
     * so there is nothing per address to lift. Returns whether any failure was held.
     */
    unlock(acct: string): boolean {
      accountLocks.delete(acct)
      const mine = (key: string) => key.startsWith(`${acct}\u0000`)
      const pairs = pair.clear(mine)
      const devices = device.clear(mine)
      const whole = account.clear((key) => key === acct)
      return pairs || devices || whole
    },
  }
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>
