// The dashboard's numbers: users, live sessions, logins and failures per hour over the last 24 h,
// refresh-token reuse detections, and the age of each key in the ring.

import type { Audit } from '../audit.ts'
import type { Clock } from '../clock.ts'
import type { KeyRing } from '../keys/key-ring.ts'
import type { Sessions } from '../sessions/sessions.ts'
import type { Store } from '../store/types.ts'

const HOUR_MS = 3_600_000

export function createOverview(deps: { store: Store; clock: Clock; audit: Audit; sessions: Sessions; keys: KeyRing }) {
  const { store, clock, audit, sessions, keys } = deps
  return function overview() {
    const now = clock.now()
    const firstHour = Math.floor(now / HOUR_MS) * HOUR_MS - 23 * HOUR_MS
    const buckets = Array.from({ length: 24 }, (_, i) => ({ hour: firstHour + i * HOUR_MS, logins: 0, failures: 0, reuse: 0 }))
    const field = { login_succeeded: 'logins', login_failed: 'failures', refresh_reuse_detected: 'reuse' } as const
    for (const row of store.audit.hourly(Object.keys(field), firstHour)) {
      const bucket = buckets[(row.hour - firstHour) / HOUR_MS]
      if (bucket !== undefined) bucket[field[row.type as keyof typeof field]] += row.count
    }
    const dependents = sessions.liveCountByKid()
    return {
      generatedAt: now,
      users: store.users.counts(),
      sessions: sessions.counts(),
      hourly: buckets,
      reuseDetections: {
        last24h: buckets.reduce((n, b) => n + b.reuse, 0),
        total: audit.count({ types: ['refresh_reuse_detected'] }),
      },
      keys: keys
        .list()
        .filter((k) => k.state !== 'retired')
        .map((k) => ({ kid: k.kid, alg: k.alg, state: k.state, ageSeconds: Math.floor((now - k.createdAt) / 1000), liveSessions: dependents[k.kid] ?? 0 })),
    }
  }
}
