// Failed attempts per key: a count that decays, progressive locks, and attempts in flight reserved
// before they are judged, so that a burst of concurrent attempts is counted like a sequence.

import type { Clock } from './clock.ts'

export interface LimitPolicy {
  /** Failures allowed before any wait. */
  readonly free: number
  /** The first lock; each further failure doubles it. 0: counted, never locked. */
  readonly baseMs: number
  readonly capMs: number
  /** One failure is forgotten per this many ms, so a slow trickle of failures never keeps a lock. */
  readonly decayMs: number
}

interface Entry {
  failures: number
  /** When `failures` was last decayed (ms); decay runs in whole steps from here. */
  decayedAt: number
  lockedUntil: number
  /** Attempts reserved and not judged yet. */
  pending: number
}

const MAX_ENTRIES = 100_000
/** What eviction brings the map down to: room for many new keys before the next pass. */
const LOW_WATER = MAX_ENTRIES - MAX_ENTRIES / 10

/** `baseMs` after the free failures, doubling each further failure, up to the cap. */
export const lockMsFor = (failures: number, p: LimitPolicy): number =>
  failures < p.free ? 0 : Math.min(p.capMs, p.baseMs * 2 ** Math.min(30, failures - p.free))

export function createAttemptLimiter(clock: Clock, policy: LimitPolicy) {
  const entries = new Map<string, Entry>()

  /** The entry with its decay applied; an entry with nothing left to say is dropped. */
  function live(key: string, now: number): Entry | undefined {
    const e = entries.get(key)
    if (e === undefined) return undefined
    const steps = Math.floor((now - e.decayedAt) / policy.decayMs)
    if (steps > 0) {
      e.failures = Math.max(0, e.failures - steps)
      e.decayedAt += steps * policy.decayMs
    }
    if (e.failures === 0 && e.pending === 0 && e.lockedUntil <= now) {
      entries.delete(key)
      return undefined
    }
    return e
  }

  function entry(key: string, now: number): Entry {
    let e = live(key, now)
    if (e === undefined) {
      // Before the new entry is in the map: it holds nothing yet, and would be the first to go.
      if (entries.size >= MAX_ENTRIES) evict(now)
      e = { failures: 0, decayedAt: now, lockedUntil: 0, pending: 0 }
      entries.set(key, e)
    }
    return e
  }

  /**
   * Brings the map back under its bound, down to LOW_WATER so that the O(n) pass runs once per
   * tens of thousands of new keys. What says nothing any more (decayed) goes first; then the
   * oldest entries with failures but no lock, then locked ones, soonest-ending first: a flood of
   * new keys (random usernames) cannot wash out the lock of an account someone is guessing at
   * while anything less worth keeping is there. Attempts in flight are never dropped: their
   * reservations will come back to them.
   */
  function evict(now: number): void {
    const counted: string[] = []
    const locked: [string, number][] = []
    for (const [key, e] of [...entries]) {
      if (live(key, now) === undefined || e.pending > 0) continue
      if (e.lockedUntil > now) locked.push([key, e.lockedUntil])
      else counted.push(key)
    }
    locked.sort((a, b) => a[1] - b[1])
    for (const key of [...counted, ...locked.map(([k]) => k)]) {
      if (entries.size <= LOW_WATER) return
      entries.delete(key)
    }
  }

  return {
    policy,

    /**
     * How long `key` must wait before another attempt (0: it may try now). Attempts in flight
     * count as failures already made: with 3 free failures, at most 3 attempts are ever judged at
     * once, and after that one at a time, each after the lock the previous one earned.
     */
    waitMs(key: string): number {
      const now = clock.now()
      const e = live(key, now)
      if (e === undefined) return 0
      if (e.lockedUntil > now) return e.lockedUntil - now
      return e.pending === 0 ? 0 : lockMsFor(e.failures + e.pending, policy)
    },
    failures: (key: string): number => live(key, clock.now())?.failures ?? 0,
    pending: (key: string): number => live(key, clock.now())?.pending ?? 0,
    lockedUntil: (key: string): number => live(key, clock.now())?.lockedUntil ?? 0,

    reserve(key: string): void {
      entry(key, clock.now()).pending += 1
    },

    /** The reserved attempt was never judged (the hashing queue refused it): nothing counted. */
    release(key: string): void {
      const now = clock.now()
      const e = live(key, now)
      if (e === undefined) return
      e.pending = Math.max(0, e.pending - 1)
      // Dropped at once when it holds nothing else: reservations released at HTTP speed (a full
      // hashing queue) must not pile up entries, nor push out ones that hold a lock.
      live(key, now)
    },

    /** The reserved attempt failed (or one judged in the tick it was checked); returns the lock it earned (ms, 0 if none). */
    fail(key: string): number {
      const now = clock.now()
      const e = entry(key, now)
      e.pending = Math.max(0, e.pending - 1)
      if (e.failures === 0) e.decayedAt = now
      e.failures += 1
      const ms = lockMsFor(e.failures, policy)
      if (ms > 0) e.lockedUntil = Math.max(e.lockedUntil, now + ms)
      return ms
    },

    /** The reserved attempt succeeded: forget the key's failures. */
    forget(key: string): void {
      const e = live(key, clock.now())
      if (e === undefined) return
      e.pending = Math.max(0, e.pending - 1)
      e.failures = 0
      e.lockedUntil = 0
      if (e.pending === 0) entries.delete(key)
    },

    /** An admin's unlock: forgets the failures and locks of every key `match` accepts. */
    clear(match: (key: string) => boolean): boolean {
      const now = clock.now()
      let any = false
      for (const [key] of [...entries]) {
        if (!match(key)) continue
        const e = live(key, now)
        if (e === undefined) continue
        any = any || e.failures > 0 || e.lockedUntil > now
        e.failures = 0
        e.lockedUntil = 0
        if (e.pending === 0) entries.delete(key)
      }
      return any
    },
  }
}

export type AttemptLimiter = ReturnType<typeof createAttemptLimiter>
