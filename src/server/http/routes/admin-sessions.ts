// Admin: live sessions with filters and counts, one session with its refresh-token chain, and
// revocation of one session, of a user's sessions, or of all (with a typed confirmation; all
// API keys go with them).
// Every revocation answers only after it is committed to disk.

import { Router } from 'express'
import type { AuthCore } from '../../core/core.ts'
import { AuthError } from '../../core/errors.ts'
import { refreshLinkRead, sessionRead } from '../dto.ts'
import { actorOf, optionalJsonObject, pageOf, queryChoice, queryText, queryTime, requireConfirmation } from '../request.ts'

export function adminSessionRoutes(core: AuthCore): Router {
  const router = Router()

  router.get('/sessions', (req, res) => {
    const filter = {
      userId: queryText(req, 'user_id'),
      state: queryChoice(req, 'state', ['active', 'revoked', 'expired'] as const),
      createdSince: queryTime(req, 'since'),
    }
    const page = core.sessions.list(filter, pageOf(req, 50))
    const now = core.clock.now()
    res.json({ total_count: page.total, counts: core.sessions.counts(), sessions: page.sessions.map((s) => sessionRead(s, now)) })
  })

  router.get('/sessions/:id', (req, res) => {
    const session = core.sessions.byId(String(req.params.id))
    if (session === null) throw new AuthError('SESSION_NOT_FOUND', 'Session not found')
    const user = core.users.byId(session.userId)
    res.json({
      session: sessionRead({ ...session, username: user?.username }, core.clock.now()),
      chain: core.sessions.chain(session.id).map(refreshLinkRead),
    })
  })

  router.delete('/sessions/:id', (req, res) => {
    const { user, context } = actorOf(req, res)
    const id = String(req.params.id)
    if (core.sessions.byId(id) === null) throw new AuthError('SESSION_NOT_FOUND', 'Session not found')
    const revoked = core.sessions.revoke(id, 'admin', context, user.id)
    res.json({ revoked_sessions: revoked ? [id] : [] })
  })

  router.post('/sessions/revoke-all', (req, res) => {
    // No body has not confirmed either: it gets the 400 that says how to; a form body is a 422.
    requireConfirmation(optionalJsonObject(req))
    const out = core.signOut.everyone(actorOf(req, res))
    res.json({ revoked_count: out.revokedSessions, revoked_api_keys: out.revokedApiKeys })
  })

  return router
}
