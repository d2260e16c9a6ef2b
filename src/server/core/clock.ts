// Time comes in as a dependency so that tests can move it; all core times are epoch milliseconds.

export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

export const toSeconds = (ms: number): number => Math.floor(ms / 1000)
/** "1 second", "5 seconds": for messages that tell a client how long to wait. */
export const secondsText = (n: number): string => (n === 1 ? '1 second' : `${n} seconds`)
export function toIso(ms: number): string
export function toIso(ms: number | null): string | null
export function toIso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/

/** An ISO 8601 date or date-time as epoch ms; null for anything else. */
export function parseIsoTime(value: string): number | null {
  // Strict: Date.parse alone takes "-1" for the year 2001 and rolls 2026-02-30 into March.
  const m = ISO_DATE.exec(value)
  const realDay = m !== null && new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDate() === Number(m[3])
  const ms = realDay ? Date.parse(value) : NaN
  return Number.isNaN(ms) ? null : ms
}
