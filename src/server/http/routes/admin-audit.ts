// Admin: the audit log (query, CSV / JSON-lines export) and the live feed of the same events as
// server-sent events, resumable with Last-Event-ID.

import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Router } from 'express'
import type { Request } from 'express'
import { AUDIT_TYPES } from '../../core/audit.ts'
import type { AuthCore } from '../../core/core.ts'
import { AuthError } from '../../core/errors.ts'
import type { AuditEvent, AuditFilter } from '../../core/store/types.ts'
import { auditRead } from '../dto.ts'
import { pageOf, principalOf, queryChoice, queryText, queryTime } from '../request.ts'
import { openAuditStream } from '../sse.ts'
import type { Stream, StreamHub } from '../sse.ts'

/** Events a reconnecting client may catch up on; past that it is told to reload instead. */
export const REPLAY_LIMIT = 1000

function auditFilterOf(req: Request): AuditFilter {
  const types = queryText(req, 'type', 1024)?.split(',').map((t) => t.trim()).filter((t) => t !== '')
  const unknown = types?.filter((t) => !(AUDIT_TYPES as readonly string[]).includes(t)) ?? []
  if (unknown.length > 0) throw new AuthError('INVALID_INPUT', `Unknown event type ${unknown.join(', ')}; known: ${AUDIT_TYPES.join(', ')}`)
  return { types, userId: queryText(req, 'user_id'), since: queryTime(req, 'since'), until: queryTime(req, 'until'), text: queryText(req, 'q') }
}

const CSV_COLUMNS = ['id', 'at', 'type', 'user_id', 'username', 'session_id', 'ip', 'user_agent', 'detail'] as const

/** RFC 4180 quoting, and a leading quote on cells a spreadsheet would run as a formula (OWASP CSV injection). */
function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** The last event id a reconnecting client saw: the Last-Event-ID header, or ?last_event_id=. */
function lastEventIdOf(req: Request): number | null {
  const raw = req.get('last-event-id') ?? queryText(req, 'last_event_id')
  if (raw === undefined || raw === '') return null
  if (!/^\d{1,15}$/.test(raw)) throw new AuthError('INVALID_INPUT', 'Last-Event-ID must be an event id')
  return Number(raw)
}

export function adminAuditRoutes(core: AuthCore, streams: StreamHub): Router {
  const router = Router()

  router.get('/audit', (req, res) => {
    const page = core.audit.query(auditFilterOf(req), pageOf(req, 100))
    res.json({ total_count: page.total, events: page.events.map(auditRead) })
  })

  router.get('/audit/export', async (req, res) => {
    const format = queryChoice(req, 'format', ['csv', 'jsonl'] as const) ?? 'csv'
    const filter = auditFilterOf(req)
    const stamp = new Date(core.clock.now()).toISOString().replaceAll(':', '-').slice(0, 19)
    res.set({
      'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'Content-Disposition': `attachment; filename="authdock-audit-${stamp}.${format}"`,
    })
    async function* lines() {
      if (format === 'csv') yield CSV_COLUMNS.join(',') + '\r\n'
      for await (const event of core.audit.export(filter)) {
        const row = auditRead(event)
        yield format === 'csv' ? CSV_COLUMNS.map((c) => csvCell(row[c])).join(',') + '\r\n' : JSON.stringify(row) + '\n'
      }
    }
    // pipeline() waits for the client to read (a large export never piles up in memory) and stops
    // the generator if the client goes away.
    try {
      await pipeline(Readable.from(lines()), res)
    } catch (err) {
      // A client that left is not our error; anything else is logged and the transfer cut.
      if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err
    }
  })

  router.get('/events', (req, res) => {
    const principal = principalOf(res)
    const since = lastEventIdOf(req)
    // Subscribing and replaying happen in one synchronous step: no event can fall between them.
    const send = (e: AuditEvent, stream: Stream) => stream.send(e.type, auditRead(e), e.id)
    const stream = openAuditStream(streams, 'admin-events', req, res, { core, principal, allowed: (p) => p.user.isSuperuser, forward: send })
    // `ready` and `reset` carry the id they stand for: an EventSource resumes from the last id line
    // it saw, so without one a drop before the next event would lose what happened meanwhile
    // (no id at all: a fresh `ready`) or reset again and again (the old id: too far back).
    if (since === null) {
      const lastId = core.audit.lastId()
      stream.send('ready', { last_event_id: lastId }, lastId)
      return
    }
    const missed = core.audit.after(since, REPLAY_LIMIT + 1)
    // An id from the future (another database, say) cannot be resumed from either.
    if (missed.length > REPLAY_LIMIT || since > core.audit.lastId()) {
      const lastId = core.audit.lastId()
      stream.send('reset', { last_event_id: lastId, reason: `more than ${REPLAY_LIMIT} events were missed; reload` }, lastId)
    } else for (const e of missed) send(e, stream)
  })

  return router
}
