// The small stores: audit events, saved settings and server metadata.

import type { Db } from './database.ts'
import type { AuditEvent, AuditStore, MetaStore, SettingsStore } from '../types.ts'

interface AuditRow {
  id: number
  at: number
  type: string
  user_id: string | null
  username: string | null
  session_id: string | null
  ip: string | null
  user_agent: string | null
  detail: string
}

const toEvent = (r: AuditRow): AuditEvent => ({
  id: r.id,
  at: r.at,
  type: r.type,
  userId: r.user_id,
  username: r.username,
  sessionId: r.session_id,
  ip: r.ip,
  userAgent: r.user_agent,
  detail: JSON.parse(r.detail) as Record<string, unknown>,
})

export function createAuditStore(db: Db): AuditStore {
  const insert = db.prepare(`INSERT INTO audit_events (at, type, user_id, username, session_id, ip, user_agent, detail)
    VALUES (@at, @type, @userId, @username, @sessionId, @ip, @userAgent, @detail)`)
  const recent = db.prepare('SELECT * FROM audit_events WHERE (@type IS NULL OR type = @type) ORDER BY id DESC LIMIT @limit')
  return {
    insert: (e) => Number(insert.run({ ...e, detail: JSON.stringify(e.detail) }).lastInsertRowid),
    recent: (limit, type) => (recent.all({ limit, type: type ?? null }) as AuditRow[]).map(toEvent),
  }
}

export function createSettingsStore(db: Db): SettingsStore {
  const all = db.prepare('SELECT name, value FROM settings')
  const set = db.prepare(`INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)
    ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`)
  return {
    all: () => Object.fromEntries((all.all() as { name: string; value: string }[]).map((r) => [r.name, r.value])),
    set: (name, value, now) => void set.run(name, value, now),
  }
}

export function createMetaStore(db: Db): MetaStore {
  const get = db.prepare('SELECT value FROM meta WHERE name = ?').pluck()
  const set = db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value')
  return {
    get: (name) => (get.get(name) as string | undefined) ?? null,
    set: (name, value) => void set.run(name, value),
  }
}
