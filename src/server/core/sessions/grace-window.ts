// The refresh grace window: when a refresh token already used may be presented again and answered
// with the child it was rotated into (parallel tabs racing one refresh), and when that is a reuse.

import type { RefreshTokenRow } from '../store/types.ts'

/**
 * `answer`: the same client (address and user agent) as the one that rotated it, inside the window,
 * while the child is unused. `other_client`: all of that but from another client, who holds a
 * copy of the token: a reuse. `replay`: outside the window or after the child was used: a reuse.
 */
export type GraceVerdict = 'answer' | 'other_client' | 'replay'

export function graceVerdict(input: {
  /** The token presented, already used. */
  readonly used: RefreshTokenRow
  /** The token of the next generation, if any. */
  readonly successor: RefreshTokenRow | null
  /** The hash of the child the presented token yields: the successor's, unless the chain was forked. */
  readonly childHash: string
  readonly fingerprint: string
  readonly graceMs: number
  readonly now: number
}): GraceVerdict {
  const { used, successor, graceMs, now } = input
  const inGrace = graceMs > 0 && used.usedAt !== null && now - used.usedAt <= graceMs
  if (!inGrace || successor === null || successor.usedAt !== null || successor.tokenHash !== input.childHash) return 'replay'
  // No fingerprint: rotated by a version that recorded none; nobody can show it was this client.
  return used.usedFingerprint !== null && used.usedFingerprint === input.fingerprint ? 'answer' : 'other_client'
}
