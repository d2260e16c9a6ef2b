// Admin: the audit log (query, CSV / JSON-lines export) and the live feed of the same events as
// server-sent events, resumable with Last-Event-ID.

import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { z } from 'zod'
import { AUDIT_TYPES } from '../../core/audit.ts'
import { AuthError } from '../../core/errors.ts'
import type { AuditEvent, AuditFilter } from '../../core/store/types.ts'
import { auditRead } from '../dto.ts'
import { headerOf } from '../request.ts'
import type { Route } from '../route.ts'
import { route } from '../route.ts'
import type { RouteDeps } from '../route-table.ts'
import * as S from '../schemas.ts'
import { writeHead } from '../security-headers.ts'
import { openAuditStream } from '../sse.ts'
import type { Stream } from '../sse.ts'

/** Events a reconnecting client may catch up on; past that it is told to reload instead. */
export const REPLAY_LIMIT = 1000

const filterQuery = {
  type: S.queryText('type', 1024).describe(`Comma-separated event types: ${AUDIT_TYPES.join(', ')}`),
  user_id: S.queryText('user_id'),
  since: S.queryTime('since'),
  until: S.queryTime('until'),
  q: S.queryText('q').describe('Text to find in the events'),
}

function auditFilterOf(query: { type?: string; user_id?: string; since?: number; until?: number; q?: string }): AuditFilter {
  const types = query.type?.split(',').map((t) => t.trim()).filter((t) => t !== '')
  const unknown = types?.filter((t) => !(AUDIT_TYPES as readonly string[]).includes(t)) ?? []
  if (unknown.length > 0) throw new AuthError('INVALID_INPUT', `Unknown event type ${unknown.join(', ')}; known: ${AUDIT_TYPES.join(', ')}`)
  return { types, userId: query.user_id, since: query.since, until: query.until, text: query.q }
}

const CSV_COLUMNS = ['id', 'at', 'type', 'user_id', 'username', 'session_id', 'ip', 'user_agent', 'detail'] as const

/** RFC 4180 quoting, and a leading quote on cells a spreadsheet would run as a formula (OWASP CSV injection). */
function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** The last event id a reconnecting client saw: the Last-Event-ID header, or ?last_event_id=. */
function lastEventIdOf(req: IncomingMessage, fromQuery: string | undefined): number | null {
  const raw = headerOf(req, 'last-event-id') ?? fromQuery
  if (raw === undefined || raw === '') return null
  if (!/^\d{1,15}$/.test(raw)) throw new AuthError('INVALID_INPUT', 'Last-Event-ID must be an event id')
  return Number(raw)
}

export function adminAuditRoutes({ core, streams }: RouteDeps): Route[] {
  return [
    route({
      method: 'GET', path: '/api/v1/admin/audit', caller: 'superuser', tag: 'admin: audit',
      summary: 'Audit events, newest first', query: z.object({ ...S.pageQuery(100), ...filterQuery }), response: S.auditPage,
      handler({ query }) {
        const page = core.audit.query(auditFilterOf(query), query)
        return { body: { total_count: page.total, events: page.events.map(auditRead) } }
      },
    }),

    route({
      method: 'GET', path: '/api/v1/admin/audit/export', caller: 'superuser', tag: 'admin: audit',
      summary: 'Download the audit events as CSV or JSON lines',
      query: z.object({ ...filterQuery, format: S.queryChoice('format', ['csv', 'jsonl']) }), response: null,
      async handler({ query, res }) {
        const format = query.format ?? 'csv'
        const filter = auditFilterOf(query)
        const stamp = new Date(core.clock.now()).toISOString().replaceAll(':', '-').slice(0, 19)
        writeHead(res, 200, {
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
        return 'streamed' as const
      },
    }),

    route({
      method: 'GET', path: '/api/v1/admin/events', caller: 'superuser', tag: 'admin: audit',
      summary: 'Server-sent events: every audit event as it happens, resumable with Last-Event-ID',
      query: z.object({ last_event_id: S.queryText('last_event_id') }), response: null, errors: ['TOO_MANY_STREAMS'],
      handler({ req, res, caller, query }) {
        const since = lastEventIdOf(req, query.last_event_id)
        // Subscribing and replaying happen in one synchronous step: no event can fall between them.
        const send = (e: AuditEvent, stream: Stream) => stream.send(e.type, auditRead(e), e.id)
        const stream = openAuditStream(streams, 'admin-events', req, res, { core, principal: caller, allowed: (p) => p.user.isSuperuser, forward: send })
        // `ready` and `reset` carry the id they stand for: an EventSource resumes from the last id line
        // it saw, so without one a drop before the next event would lose what happened meanwhile
        // (no id at all: a fresh `ready`) or reset again and again (the old id: too far back).
        if (since === null) {
          const lastId = core.audit.lastId()
          stream.send('ready', { last_event_id: lastId }, lastId)
          return 'streamed'
        }
        const missed = core.audit.after(since, REPLAY_LIMIT + 1)
        // An id from the future (another database, say) cannot be resumed from either.
        if (missed.length > REPLAY_LIMIT || since > core.audit.lastId()) {
          const lastId = core.audit.lastId()
          stream.send('reset', { last_event_id: lastId, reason: `more than ${REPLAY_LIMIT} events were missed; reload` }, lastId)
        } else for (const e of missed) send(e, stream)
        return 'streamed'
      },
    }),
  ]
}
