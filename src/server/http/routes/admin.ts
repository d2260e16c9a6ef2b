// /api/v1/admin: the superuser API the console is built on. Every route of the admin files
// requires a superuser (401 without a credential, 403 for anyone else).

import { z } from 'zod'
import { toIso } from '../../core/clock.ts'
import { inspectionRead, settingChangesRead, settingsPatchOf, settingsRead } from '../dto.ts'
import { actorOf } from '../request.ts'
import type { Route } from '../route.ts'
import { route } from '../route.ts'
import type { RouteDeps } from '../route-table.ts'
import * as S from '../schemas.ts'

/** Longer than any token this server issues; the inspector has nothing to say about larger input. */
const MAX_INSPECT_LENGTH = 16_384

export function adminRoutes({ core, listenAddress }: RouteDeps): Route[] {
  return [
    route({
      method: 'GET', path: '/api/v1/admin/overview', caller: 'superuser', tag: 'admin',
      summary: 'Counts of users, sessions and keys, and logins per hour', response: S.overview,
      handler() {
        const o = core.overview()
        return {
          body: {
            generated_at: toIso(o.generatedAt),
            users: o.users,
            sessions: o.sessions,
            hourly: o.hourly.map((h) => ({ hour: toIso(h.hour), logins: h.logins, failures: h.failures, reuse_detections: h.reuse })),
            reuse_detections: { last_24h: o.reuseDetections.last24h, total: o.reuseDetections.total },
            keys: o.keys.map((k) => ({ kid: k.kid, alg: k.alg, state: k.state, age_seconds: k.ageSeconds, live_sessions: k.liveSessions })),
          },
        }
      },
    }),

    route({
      method: 'GET', path: '/api/v1/admin/checklist', caller: 'superuser', tag: 'admin',
      summary: 'The security checklist of this installation', response: S.checklist,
      async handler() {
        const items = await core.checklist(listenAddress()?.host ?? null)
        return { body: { passed: items.filter((i) => i.status === 'pass').length, warnings: items.filter((i) => i.status === 'warn').length, items } }
      },
    }),

    // Token lifetimes, grace window, audit retention: what env sets is refused with ENV_PINNED.
    route({
      method: 'GET', path: '/api/v1/admin/settings', caller: 'superuser', tag: 'admin',
      summary: 'The tunable settings, with where each value comes from', response: S.settings,
      handler: () => ({ body: settingsRead(core.settings.describe()) }),
    }),

    route({
      method: 'PATCH', path: '/api/v1/admin/settings', caller: 'superuser', tag: 'admin',
      summary: 'Change settings; a setting the environment pins is refused',
      // The core words what is wrong with a value (its unit, its range): the schema only shapes the body.
      body: z.record(z.string(), z.unknown()).describe('setting name (a key of GET /api/v1/admin/settings) → a whole number'),
      response: z.object({ changed: z.record(z.string(), z.object({ from: z.number(), to: z.number() })), settings: S.settings }),
      errors: ['ENV_PINNED'],
      handler(call) {
        const changed = core.settings.update(settingsPatchOf(call.body), actorOf(call))
        return { body: { changed: settingChangesRead(changed), settings: settingsRead(core.settings.describe()) } }
      },
    }),

    // The console's token inspector: a superuser may learn why a token fails, which a 401 never says.
    route({
      method: 'POST', path: '/api/v1/admin/inspect', caller: 'superuser', tag: 'admin',
      summary: 'Why a token is accepted or refused, and its session',
      body: z.object({
        token: z
          .string({ error: 'token must be a non-empty string' })
          .trim()
          .min(1, { error: 'token must be a non-empty string' })
          .max(MAX_INSPECT_LENGTH, { error: `token must be at most ${MAX_INSPECT_LENGTH} characters` }),
      }),
      response: S.inspection,
      handler({ body }) {
        return { body: inspectionRead(core.inspectToken(body.token), core.clock.now()) }
      },
    }),
  ]
}
