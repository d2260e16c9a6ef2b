// A token bucket per key (a user id, say): a burst of `capacity`, then `refillPerMinute`. In
// memory, like the login throttle: a restart forgets it, which only ever favours the caller.

import type { Clock } from './clock.ts'

export interface BucketPolicy {
  readonly capacity: number
  readonly refillPerMinute: number
}

interface Bucket {
  tokens: number
  at: number
}

/** Past this many buckets, the full ones are dropped (a full bucket is the same as none). */
const SWEEP_ABOVE = 10_000

export function createRateLimit(clock: Clock, policy: BucketPolicy) {
  const buckets = new Map<string, Bucket>()
  const msPerToken = 60_000 / policy.refillPerMinute

  function current(key: string, now: number): Bucket {
    const b = buckets.get(key) ?? { tokens: policy.capacity, at: now }
    // Math.max: a clock that steps back must not mint tokens from a negative interval.
    const tokens = Math.min(policy.capacity, b.tokens + Math.max(0, now - b.at) / msPerToken)
    return { tokens, at: now }
  }

  function sweep(now: number): void {
    if (buckets.size <= SWEEP_ABOVE) return
    for (const [key, b] of buckets) if (b.tokens + (now - b.at) / msPerToken >= policy.capacity) buckets.delete(key)
  }

  return {
    /** Takes one token: 0 when granted, else the whole seconds until one is there (nothing taken). */
    take(key: string): number {
      const now = clock.now()
      const b = current(key, now)
      if (b.tokens < 1) {
        buckets.set(key, b)
        return Math.max(1, Math.ceil(((1 - b.tokens) * msPerToken) / 1000))
      }
      b.tokens -= 1
      buckets.set(key, b)
      sweep(now)
      return 0
    },
  }
}

export type RateLimit = ReturnType<typeof createRateLimit>
