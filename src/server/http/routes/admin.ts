// /api/v1/admin: the superuser API the console is built on. Every route below requires a superuser
// (401 without a credential, 403 for anyone else); errors are the usual {detail, code}.

import { Router } from 'express'
import type { AuthCore } from '../../core/core.ts'
import { toIso } from '../../core/clock.ts'
import { AuthError } from '../../core/errors.ts'
import { sessionRead } from '../dto.ts'
import { actorOf, createGuards, jsonObject } from '../request.ts'
import type { StreamHub } from '../sse.ts'
import { adminApiKeyRoutes } from './admin-api-keys.ts'
import { adminAuditRoutes } from './admin-audit.ts'
import { adminKeyRoutes } from './admin-keys.ts'
import { adminSessionRoutes } from './admin-sessions.ts'
import { adminUserRoutes } from './admin-users.ts'

/** Longer than any token this server issues; the inspector has nothing to say about larger input. */
const MAX_INSPECT_LENGTH = 16_384

export function adminRoutes(core: AuthCore, deps: { streams: StreamHub; listenHost: () => string | null }): Router {
  const router = Router()
  router.use(createGuards(core).requireSuperuser)

  router.get('/overview', (_req, res) => {
    const o = core.overview()
    res.json({
      generated_at: toIso(o.generatedAt),
      users: o.users,
      sessions: o.sessions,
      hourly: o.hourly.map((h) => ({ hour: toIso(h.hour), logins: h.logins, failures: h.failures, reuse_detections: h.reuse })),
      reuse_detections: { last_24h: o.reuseDetections.last24h, total: o.reuseDetections.total },
      keys: o.keys.map((k) => ({ kid: k.kid, alg: k.alg, state: k.state, age_seconds: k.ageSeconds, live_sessions: k.liveSessions })),
    })
  })

  router.get('/checklist', async (_req, res) => {
    const items = await core.checklist(deps.listenHost())
    res.json({ passed: items.filter((i) => i.status === 'pass').length, warnings: items.filter((i) => i.status === 'warn').length, items })
  })

  // Token lifetimes, grace window, audit retention: what env sets is refused with ENV_PINNED.
  router.get('/settings', (_req, res) => {
    res.json(core.settings.describe())
  })

  router.patch('/settings', (req, res) => {
    const changed = core.settings.update(jsonObject(req), actorOf(req, res))
    res.json({ changed, settings: core.settings.describe() })
  })

  // The console's token inspector: a superuser may learn why a token fails, which a 401 never says.
  router.post('/inspect', (req, res) => {
    const token = jsonObject(req).token
    if (typeof token !== 'string' || token.trim() === '') throw new AuthError('INVALID_INPUT', 'token must be a non-empty string')
    if (token.length > MAX_INSPECT_LENGTH) throw new AuthError('INVALID_INPUT', `token must be at most ${MAX_INSPECT_LENGTH} characters`)
    const r = core.inspectToken(token.trim())
    const user = r.session === null ? null : core.users.byId(r.session.userId)
    const now = core.clock.now()
    res.json({ ...r, session: r.session === null ? null : sessionRead({ ...r.session, username: user?.username }, now) })
  })

  router.use(adminSessionRoutes(core))
  router.use(adminKeyRoutes(core))
  router.use(adminUserRoutes(core))
  router.use(adminApiKeyRoutes(core))
  router.use(adminAuditRoutes(core, deps.streams))
  return router
}
