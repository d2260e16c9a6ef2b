// The security event types: the audit log's `type` column and the admin stream's event names.
// Shared so that the console subscribes to exactly the events the server sends.

export const AUDIT_TYPES = [
  'login_succeeded', 'login_failed', 'account_locked', 'account_unlocked', 'session_created',
  'session_refreshed', 'session_revoked', 'refresh_reuse_detected', 'refresh_grace_reused', 'user_created', 'user_updated', 'user_deleted', 'user_groups_changed',
  'password_changed', 'api_key_created', 'api_key_deleted', 'api_key_revoked', 'key_rotated', 'key_imported', 'algorithm_switched',
  'key_retired', 'settings_changed', 'setup_completed', 'client_created', 'client_updated', 'client_deleted', 'client_secret_rotated',
] as const

export type AuditType = (typeof AUDIT_TYPES)[number]
