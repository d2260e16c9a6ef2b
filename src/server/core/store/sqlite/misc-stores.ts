// The small stores: audit events, saved settings and server metadata.

import type { Db } from './database.ts'
import { isJsonObject, readStoredJson } from '../../stored-json.ts'
import type { AuditEvent, AuditFilter, AuditStore, MetaStore, SettingsStore, UnreadableValue } from '../types.ts'

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

/** An event's detail; one that cannot be rendered (see stored-json.ts) is dropped, not a 500. */
function detailOf(r: AuditRow, unreadable: UnreadableValue): Record<string, unknown> {
  const read = readStoredJson(r.detail)
  if (read.ok && isJsonObject(read.value)) return read.value
  unreadable({ table: 'audit_events', column: 'detail', id: String(r.id), reason: read.ok ? 'is not an object' : read.reason })
  return {}
}

const rowToEvent = (r: AuditRow, unreadable: UnreadableValue): AuditEvent => ({
  id: r.id,
  at: r.at,
  type: r.type,
  userId: r.user_id,
  username: r.username,
  sessionId: r.session_id,
  ip: r.ip,
  userAgent: r.user_agent,
  detail: detailOf(r, unreadable),
})

// The filter as named parameters; null means "any". Types travel as a JSON array for json_each.
const auditParams = (f: AuditFilter) => ({
  types: f.types === undefined || f.types.length === 0 ? null : JSON.stringify(f.types),
  userId: f.userId ?? null,
  since: f.since ?? null,
  until: f.until ?? null,
  text: f.text === undefined || f.text === '' ? null : f.text,
})

export function createAuditStore(db: Db, unreadable: UnreadableValue): AuditStore {
  const toEvent = (r: AuditRow): AuditEvent => rowToEvent(r, unreadable)
  const insert = db.prepare(`INSERT INTO audit_events (at, type, user_id, username, session_id, ip, user_agent, detail)
    VALUES (@at, @type, @userId, @username, @sessionId, @ip, @userAgent, @detail)`)
  // instr() on text lower-cased by SQLite on both sides (ASCII case only, but the same on both, so
  // "Ärger" finds "Ärger"): a plain substring match, so % and _ mean themselves.
  const filtered = `FROM audit_events
    WHERE (@types IS NULL OR type IN (SELECT value FROM json_each(@types)))
      AND (@userId IS NULL OR user_id = @userId)
      AND (@since IS NULL OR at >= @since)
      AND (@until IS NULL OR at < @until)
      AND (@text IS NULL OR instr(lower(type || ' ' || coalesce(username, '') || ' ' || coalesce(ip, '') || ' '
        || coalesce(user_agent, '') || ' ' || coalesce(session_id, '') || ' ' || detail), lower(@text)) > 0)`
  const page = db.prepare(`SELECT * ${filtered} ORDER BY id DESC LIMIT @limit OFFSET @skip`)
  const before = db.prepare(`SELECT * ${filtered} AND id < @beforeId ORDER BY id DESC LIMIT @limit`)
  const count = db.prepare(`SELECT count(*) ${filtered}`).pluck()
  const after = db.prepare('SELECT * FROM audit_events WHERE id > ? ORDER BY id LIMIT ?')
  const lastId = db.prepare('SELECT coalesce(max(id), 0) FROM audit_events').pluck()
  const hourly = db.prepare(`SELECT (at / 3600000) * 3600000 AS hour, type, count(*) AS count FROM audit_events
    WHERE at >= @since AND type IN (SELECT value FROM json_each(@types)) GROUP BY hour, type ORDER BY hour`)
  const deleteBefore = db.prepare('DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE at < ? ORDER BY id LIMIT ?)')
  return {
    insert: (e) => Number(insert.run({ ...e, detail: JSON.stringify(e.detail) }).lastInsertRowid),
    query(filter, { skip, limit }) {
      const params = auditParams(filter)
      return { total: count.get(params) as number, events: (page.all({ ...params, skip, limit }) as AuditRow[]).map(toEvent) }
    },
    before: (filter, beforeId, limit) => (before.all({ ...auditParams(filter), beforeId, limit }) as AuditRow[]).map(toEvent),
    after: (id, limit) => (after.all(id, limit) as AuditRow[]).map(toEvent),
    lastId: () => lastId.get() as number,
    count: (filter) => count.get(auditParams(filter)) as number,
    hourly: (types, since) => hourly.all({ types: JSON.stringify(types), since }) as { hour: number; type: string; count: number }[],
    deleteBefore: (before, limit) => deleteBefore.run(before, limit).changes,
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
