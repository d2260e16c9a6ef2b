// Admin: live sessions with filters and counts, one session with its refresh-token chain, and
// revocation of one session, of a user's sessions, or of all (with a typed confirmation; all
// API keys go with them).
// Every revocation answers only after it is committed to disk.

import { z } from 'zod'
import { AuthError } from '../../core/errors.ts'
import { refreshLinkRead, sessionRead } from '../dto.ts'
import { actorOf, requireConfirmation } from '../request.ts'
import type { Route } from '../route.ts'
import { route } from '../route.ts'
import type { RouteDeps } from '../route-table.ts'
import * as S from '../schemas.ts'

export function adminSessionRoutes({ core }: RouteDeps): Route[] {
  const existing = (id: string) => {
    const session = core.sessions.byId(id)
    if (session === null) throw new AuthError('SESSION_NOT_FOUND', 'Session not found')
    return session
  }
  return [
    route({
      method: 'GET', path: '/api/v1/admin/sessions', caller: 'superuser', tag: 'admin: sessions',
      summary: 'Sessions, newest first, with counts by state',
      query: z.object({
        ...S.pageQuery(50),
        user_id: S.queryText('user_id'),
        client_id: S.queryText('client_id'),
        state: S.queryChoice('state', ['active', 'revoked', 'expired']),
        since: S.queryTime('since'),
      }),
      response: S.sessionPage,
      handler({ query }) {
        const page = core.sessions.list({ userId: query.user_id, clientId: query.client_id, state: query.state, createdSince: query.since }, query)
        const now = core.clock.now()
        return { body: { total_count: page.total, counts: core.sessions.counts(), sessions: page.sessions.map((s) => sessionRead(s, now)) } }
      },
    }),

    route({
      method: 'GET', path: '/api/v1/admin/sessions/:id', caller: 'superuser', tag: 'admin: sessions',
      summary: 'One session with its refresh-token chain', params: S.idParam, response: S.sessionDetail, errors: ['SESSION_NOT_FOUND'],
      handler({ params }) {
        const session = existing(params.id)
        const user = core.users.byId(session.userId)
        return { body: { session: sessionRead({ ...session, username: user?.username }, core.clock.now()), chain: core.sessions.chain(session.id).map(refreshLinkRead) } }
      },
    }),

    route({
      method: 'DELETE', path: '/api/v1/admin/sessions/:id', caller: 'superuser', tag: 'admin: sessions',
      summary: 'Revoke one session', params: S.idParam, response: S.revokedSessions, errors: ['SESSION_NOT_FOUND'],
      handler(call) {
        const id = existing(call.params.id).id
        const revoked = core.sessions.revoke(id, 'admin', call.context, call.caller.user.id)
        return { body: { revoked_sessions: revoked ? [id] : [] } }
      },
    }),

    route({
      method: 'POST', path: '/api/v1/admin/sessions/revoke-all', caller: 'superuser', tag: 'admin: sessions',
      summary: 'Sign everyone out: every session and every API key ends',
      // No body has not confirmed either: it gets the 400 that says how to.
      body: z.object({ confirm: z.unknown().optional().describe(`"${S.REVOKE_ALL_CONFIRMATION}"`) }), bodyOptional: true,
      response: S.revokedCounts, errors: ['CONFIRMATION_REQUIRED'],
      handler(call) {
        requireConfirmation(call.body.confirm)
        const out = core.signOut.everyone(actorOf(call))
        return { body: { revoked_count: out.revokedSessions, revoked_api_keys: out.revokedApiKeys } }
      },
    }),
  ]
}
