// Who may hold how many long-lived event streams: a cap per kind of stream in all, a cap per user
// (every API key and token of theirs together, so making keys buys no more), and a share of the
// slots that only superusers may take, so that ordinary users' streams can never lock admins out.

import { AuthError } from './errors.ts'

export interface StreamLimits {
  /** Streams of one kind open at once. */
  readonly maxStreams: number
  /** Streams of one kind one user may hold, whatever credentials they open them with. */
  readonly maxPerUser: number
  /** Of `maxStreams`, how many only superusers may take. */
  readonly reservedForSuperusers: number
}

export interface StreamHolder {
  readonly userId: string
  readonly superuser: boolean
}

interface KindCount {
  total: number
  ordinary: number
  readonly perUser: Map<string, number>
}

const RETRY_AFTER_SECONDS = 5

export function createStreamSlots(limits: StreamLimits) {
  if (limits.reservedForSuperusers > limits.maxStreams) throw new RangeError('reservedForSuperusers must not exceed maxStreams')
  const kinds = new Map<string, KindCount>()
  const ordinaryMax = limits.maxStreams - limits.reservedForSuperusers

  const refuse = (limit: string): never => {
    throw new AuthError('TOO_MANY_STREAMS', `Too many open event streams (at most ${limit}); close one and retry`, { retryAfterSeconds: RETRY_AFTER_SECONDS })
  }

  return {
    /** Takes a slot for `holder`, or throws TOO_MANY_STREAMS; returns the release (safe to call twice). */
    acquire(kind: string, holder: StreamHolder): () => void {
      const count = kinds.get(kind) ?? { total: 0, ordinary: 0, perUser: new Map<string, number>() }
      kinds.set(kind, count)
      const mine = count.perUser.get(holder.userId) ?? 0
      if (mine >= limits.maxPerUser) refuse(`${limits.maxPerUser} per user`)
      if (count.total >= limits.maxStreams) refuse(`${limits.maxStreams} in all`)
      if (!holder.superuser && count.ordinary >= ordinaryMax) refuse(`${ordinaryMax} for users who are not superusers`)
      count.total += 1
      if (!holder.superuser) count.ordinary += 1
      count.perUser.set(holder.userId, mine + 1)
      let released = false
      return () => {
        if (released) return
        released = true
        count.total -= 1
        if (!holder.superuser) count.ordinary -= 1
        const left = (count.perUser.get(holder.userId) ?? 1) - 1
        if (left > 0) count.perUser.set(holder.userId, left)
        else count.perUser.delete(holder.userId)
      }
    },
    /** Streams of `kind` open now. */
    open: (kind: string): number => kinds.get(kind)?.total ?? 0,
  }
}

export type StreamSlots = ReturnType<typeof createStreamSlots>
