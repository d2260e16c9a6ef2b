// Time comes in as a dependency so that tests can move it; all core times are epoch milliseconds.

export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

export const toSeconds = (ms: number): number => Math.floor(ms / 1000)
export function toIso(ms: number): string
export function toIso(ms: number | null): string | null
export function toIso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}
