// Security events: written to the audit table, and published as they are written to whoever
// listens (the admin event stream, the revocation stream). The row id is the event id, so a
// client that reconnects asks the table for what it missed. Never put a secret in `detail`.

import type { Clock } from './clock.ts'
import type { AuditType } from '../../shared/audit-types.ts'
import type { AuditEvent, AuditFilter, Store } from './store/types.ts'
import { AUDIT_DETAIL_LIMITS, jsonLimitViolation } from './stored-json.ts'

export { AUDIT_TYPES } from '../../shared/audit-types.ts'

/** Who did it and from where, as far as the caller knows. */
export interface RequestContext {
  readonly ip: string | null
  readonly userAgent: string | null
}

export interface AuditInput {
  readonly type: AuditType
  readonly userId?: string | null
  readonly username?: string | null
  readonly sessionId?: string | null
  readonly context?: RequestContext
  readonly detail?: Record<string, unknown>
}

export type AuditListener = (event: AuditEvent) => void

/** Rows deleted per step of the retention sweep; the event loop runs between steps. */
const PURGE_BATCH = 2_000
const EXPORT_BATCH = 500
const DAY_MS = 86_400_000

export function createAudit(store: Store, clock: Clock, onListenerError: (err: unknown) => void = () => {}) {
  const listeners = new Set<AuditListener>()

  function publish(event: AuditEvent): void {
    for (const listener of listeners) {
      try {
        listener(event)
      } catch (err) {
        onListenerError(err) // one broken listener must not fail the request that made the event
      }
    }
  }

  /** Inserts without publishing: for callers inside a transaction, who publish after the commit. */
  function write(input: AuditInput): AuditEvent {
    // The event is kept without a detail that breaks the limits, rather than failing the request.
    const violation = input.detail === undefined ? null : jsonLimitViolation(input.detail, AUDIT_DETAIL_LIMITS)
    const event = {
      at: clock.now(),
      type: input.type,
      userId: input.userId ?? null,
      username: input.username ?? null,
      sessionId: input.sessionId ?? null,
      ip: input.context?.ip ?? null,
      userAgent: input.context?.userAgent ?? null,
      detail: violation === null ? (input.detail ?? {}) : { detail_dropped: `the detail ${violation}` },
    }
    return { ...event, id: store.audit.insert(event) }
  }

  return {
    /** Writes an event and tells every listener. Outside a transaction: listeners see only committed events. */
    record(input: AuditInput): AuditEvent {
      const event = write(input)
      publish(event)
      return event
    },
    write,
    publish,

    /** Calls `listener` with every event from now on; returns the unsubscribe function. */
    subscribe(listener: AuditListener): () => void {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    listenerCount: (): number => listeners.size,

    query: (filter: AuditFilter, page: { skip: number; limit: number }) => store.audit.query(filter, page),
    after: (id: number, limit: number): AuditEvent[] => store.audit.after(id, limit),
    lastId: (): number => store.audit.lastId(),
    count: (filter: AuditFilter): number => store.audit.count(filter),

    /** Every matching event, newest first, a batch at a time so no database cursor stays open. */
    async *export(filter: AuditFilter): AsyncGenerator<AuditEvent> {
      let beforeId = Number.MAX_SAFE_INTEGER
      for (;;) {
        const batch = store.audit.before(filter, beforeId, EXPORT_BATCH)
        for (const event of batch) yield event
        if (batch.length < EXPORT_BATCH) return
        beforeId = (batch.at(-1) as AuditEvent).id
      }
    },

    /** Deletes events older than the retention in small batches, yielding to requests between them. */
    async purge(retentionDays: number): Promise<number> {
      const before = clock.now() - retentionDays * DAY_MS
      let total = 0
      for (;;) {
        const n = store.audit.deleteBefore(before, PURGE_BATCH)
        total += n
        if (n < PURGE_BATCH) return total
        await new Promise((resolve) => setImmediate(resolve))
      }
    },
  }
}

export type Audit = ReturnType<typeof createAudit>
