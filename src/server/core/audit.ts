// Security events, written to the audit table. Never put a secret in `detail`.

import type { Clock } from './clock.ts'
import type { AuditEvent, Store } from './store/types.ts'

export type AuditType =
  | 'login_succeeded'
  | 'login_failed'
  | 'login_throttled'
  | 'session_created'
  | 'session_refreshed'
  | 'session_revoked'
  | 'refresh_reuse_detected'
  | 'user_created'
  | 'user_updated'
  | 'user_deleted'
  | 'password_changed'
  | 'api_key_created'
  | 'api_key_deleted'
  | 'key_rotated'
  | 'algorithm_switched'
  | 'key_retired'
  | 'setup_completed'

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

export function createAudit(store: Store, clock: Clock) {
  return {
    record(input: AuditInput): AuditEvent {
      const event = {
        at: clock.now(),
        type: input.type,
        userId: input.userId ?? null,
        username: input.username ?? null,
        sessionId: input.sessionId ?? null,
        ip: input.context?.ip ?? null,
        userAgent: input.context?.userAgent ?? null,
        detail: input.detail ?? {},
      }
      return { ...event, id: store.audit.insert(event) }
    },
  }
}

export type Audit = ReturnType<typeof createAudit>
