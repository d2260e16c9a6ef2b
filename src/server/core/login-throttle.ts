// Failed logins slow down, then lock for a while, per account+address, per address and per
// account. Every lock expires (at most 15 minutes), so a stranger can delay a user, never lock
// them out for good; and a lock on one address does not touch the account from another address.

import type { Clock } from './clock.ts'
import { AuthError } from './errors.ts'

interface Policy {
  /** Failures allowed before any wait. */
  readonly free: number
  readonly baseMs: number
  readonly capMs: number
}

interface Entry {
  failures: number
  lockedUntil: number
  lastFailureAt: number
}

export const THROTTLE_POLICIES = {
  pair: { free: 3, baseMs: 1_000, capMs: 15 * 60_000 },
  address: { free: 20, baseMs: 1_000, capMs: 15 * 60_000 },
  account: { free: 50, baseMs: 1_000, capMs: 15 * 60_000 },
} as const satisfies Record<string, Policy>

const FORGET_AFTER_MS = 60 * 60_000
const MAX_ENTRIES = 100_000

/** 1 s after the free failures, doubling each further failure, up to the cap. */
export const lockMsFor = (failures: number, p: Policy): number =>
  failures < p.free ? 0 : Math.min(p.capMs, p.baseMs * 2 ** Math.min(30, failures - p.free))

export function createLoginThrottle(clock: Clock) {
  const entries = new Map<string, Entry>()
  const keysFor = (account: string, address: string | null) =>
    [
      [`pair:${account}\u0000${address ?? ''}`, THROTTLE_POLICIES.pair],
      [`address:${address ?? ''}`, THROTTLE_POLICIES.address],
      [`account:${account}`, THROTTLE_POLICIES.account],
    ] as const

  // The latest lock of each account from any address, so that the admin's user list reads it in
  // O(1) rather than scanning every entry. Expired values are harmless: readers compare with now.
  const accountLocks = new Map<string, number>()
  function lockAccount(account: string, until: number): void {
    const previous = accountLocks.get(account) ?? 0
    accountLocks.delete(account) // re-insert: oldest first, for the bound below
    accountLocks.set(account, Math.max(until, previous))
    if (accountLocks.size > MAX_ENTRIES) accountLocks.delete(accountLocks.keys().next().value as string)
  }

  function live(key: string, now: number): Entry | undefined {
    const e = entries.get(key)
    if (e && e.lockedUntil <= now && now - e.lastFailureAt > FORGET_AFTER_MS) {
      entries.delete(key)
      return undefined
    }
    return e
  }

  return {
    /** Throws LOGIN_THROTTLED (429 with Retry-After) while any of the three keys is locked. */
    check(account: string, address: string | null): void {
      const now = clock.now()
      let until = 0
      for (const [key] of keysFor(account, address)) until = Math.max(until, live(key, now)?.lockedUntil ?? 0)
      if (until > now) {
        const retryAfterSeconds = Math.ceil((until - now) / 1000)
        throw new AuthError('LOGIN_THROTTLED', `Too many failed login attempts; try again in ${retryAfterSeconds} seconds`, { retryAfterSeconds })
      }
    },

    /** Counts a failure; returns how long the caller is now locked out for (0 if not). */
    fail(account: string, address: string | null): number {
      const now = clock.now()
      let lockMs = 0
      for (const [key, policy] of keysFor(account, address)) {
        const e = live(key, now) ?? { failures: 0, lockedUntil: 0, lastFailureAt: now }
        e.failures += 1
        e.lastFailureAt = now
        const ms = lockMsFor(e.failures, policy)
        if (ms > 0) {
          e.lockedUntil = now + ms
          // A lock of the pair or the account is the account's; one of an address alone is not.
          if (policy !== THROTTLE_POLICIES.address) lockAccount(account, e.lockedUntil)
        }
        lockMs = Math.max(lockMs, ms)
        entries.delete(key) // re-insert: Map order then doubles as least-recently-failed first
        entries.set(key, e)
      }
      while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value as string)
      return lockMs
    },

    /** When the account is locked until (epoch ms; 0 if it is not), from any address. */
    lockedUntil(account: string): number {
      const until = accountLocks.get(account) ?? 0
      if (until > clock.now()) return until
      accountLocks.delete(account)
      return 0
    },

    /** An admin's unlock: forgets the account's failures from every address. Returns whether any were held. */
    unlock(account: string): boolean {
      accountLocks.delete(account)
      let any = false
      for (const key of [...entries.keys()]) {
        if (key === `account:${account}` || key.startsWith(`pair:${account}\u0000`)) any = entries.delete(key) || any
      }
      return any
    },

    succeed(account: string, address: string | null): void {
      const [pair] = keysFor(account, address)
      entries.delete(pair[0])
    },
  }
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>
