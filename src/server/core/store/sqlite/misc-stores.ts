// The small stores: audit events, saved settings and server metadata.

import type { Db } from './database.ts'
import type { AuditStore, MetaStore, SettingsStore } from '../types.ts'

export function createAuditStore(db: Db): AuditStore {
  const insert = db.prepare(`INSERT INTO audit_events (at, type, user_id, username, session_id, ip, user_agent, detail)
    VALUES (@at, @type, @userId, @username, @sessionId, @ip, @userAgent, @detail)`)
  return {
    insert: (e) => Number(insert.run({ ...e, detail: JSON.stringify(e.detail) }).lastInsertRowid),
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
