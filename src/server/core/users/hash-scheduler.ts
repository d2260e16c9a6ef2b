// Login password checks in front of the bcrypt pool: a bounded queue that answers 429 when full,
// served fairly across sources (an address, or a device token), so that a flood from one source
// delays another source's login by about one bcrypt time rather than by the whole flood; when full,
// the source holding the most places gives one up to a newcomer with fewer.

import { performance } from 'node:perf_hooks'
import { throttled } from '../login-throttle.ts'
import type { PasswordHasher } from './password-hasher.ts'

interface Job {
  readonly password: string
  readonly hash: string
  readonly resolve: (ok: boolean) => void
  readonly reject: (err: unknown) => void
}

interface Source {
  readonly waiting: Job[]
  running: number
  /** When this source last had a job started (a counter); a source new to the queue goes first. */
  lastServed: number
}

/** Checks waiting per hashing thread before the queue answers 429. */
export const WAITING_PER_WORKER = 16
/** What a check is assumed to take before one has been measured (bcrypt cost 12 is about this). */
const FIRST_GUESS_MS = 250

export function createHashScheduler(deps: { hasher: PasswordHasher; workers: number }) {
  const { hasher, workers } = deps
  const maxWaiting = WAITING_PER_WORKER * Math.max(1, workers)
  const sources = new Map<string, Source>()
  let running = 0
  let waiting = 0
  let served = 0
  let checked = 0
  let averageMs = FIRST_GUESS_MS

  const full = () => throttled((waiting / Math.max(1, workers) + 1) * averageMs, 'Too many login attempts at once')

  /** Starts checks while a thread is free, each from the source served longest ago. */
  function pump(): void {
    while (running < workers && waiting > 0) {
      let next: [string, Source] | undefined
      for (const entry of sources) if (entry[1].waiting.length > 0 && (next === undefined || entry[1].lastServed < next[1].lastServed)) next = entry
      if (next === undefined) return
      const [name, source] = next
      const job = source.waiting.shift() as Job
      waiting -= 1
      running += 1
      source.running += 1
      source.lastServed = ++served
      const started = performance.now() // a duration for the Retry-After estimate, not a core time
      hasher.verify(job.password, job.hash).then(job.resolve, job.reject).finally(() => {
        running -= 1
        checked += 1
        source.running -= 1
        averageMs = averageMs * 0.8 + Math.max(1, performance.now() - started) * 0.2
        if (source.running === 0 && source.waiting.length === 0) sources.delete(name)
        pump()
      })
    }
  }

  return {
    /** Compares a password with a hash, in `source`'s turn; LOGIN_THROTTLED at once when the queue is full and no source holds more places than `source` would. */
    verify(source: string, password: string, hash: string): Promise<boolean> {
      if (running >= workers && waiting >= maxWaiting) {
        // Full. Refusing whoever comes last would let a few sources that keep it full (one
        // address takes 4 places; any local process can bind 127.0.0.2 to 127.0.0.254) refuse
        // everyone else: the source with the most checks waiting gives up its newest one instead,
        // if it has more than the newcomer's source would.
        const mine = (sources.get(source)?.waiting.length ?? 0) + 1
        let greediest: Source | undefined
        for (const s of sources.values()) if (s.waiting.length > (greediest?.waiting.length ?? 0)) greediest = s
        if (greediest === undefined || greediest.waiting.length <= mine) return Promise.reject(full())
        ;(greediest.waiting.pop() as Job).reject(full())
        waiting -= 1
      }
      return new Promise<boolean>((resolve, reject) => {
        let s = sources.get(source)
        if (s === undefined) {
          s = { waiting: [], running: 0, lastServed: -1 }
          sources.set(source, s)
        }
        s.waiting.push({ password, hash, resolve, reject })
        waiting += 1
        pump()
      })
    },

    /** Checks running and waiting now, and checks done since start. */
    load: () => ({ running, waiting, checked }),
  }
}

export type HashScheduler = ReturnType<typeof createHashScheduler>
