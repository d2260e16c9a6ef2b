// SessionStore over SQLite: sessions and their refresh-token families.

import type { Db } from './database.ts'
import type { RefreshTokenRow, Session, SessionStore } from '../types.ts'

interface SessionRow {
  id: string
  user_id: string
  created_at: number
  last_used_at: number
  expires_at: number
  ip: string | null
  user_agent: string | null
  generation: number
  revoked_at: number | null
  revoke_reason: string | null
}

interface TokenRow {
  id: string
  session_id: string
  token_hash: string
  generation: number
  issued_at: number
  expires_at: number
  issued_ip: string | null
  issued_user_agent: string | null
  used_at: number | null
  reuse_detected_at: number | null
}

const toSession = (r: SessionRow): Session => ({
  id: r.id,
  userId: r.user_id,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  expiresAt: r.expires_at,
  ip: r.ip,
  userAgent: r.user_agent,
  generation: r.generation,
  revokedAt: r.revoked_at,
  revokeReason: r.revoke_reason,
})

const toToken = (r: TokenRow): RefreshTokenRow => ({
  id: r.id,
  sessionId: r.session_id,
  tokenHash: r.token_hash,
  generation: r.generation,
  issuedAt: r.issued_at,
  expiresAt: r.expires_at,
  issuedIp: r.issued_ip,
  issuedUserAgent: r.issued_user_agent,
  usedAt: r.used_at,
  reuseDetectedAt: r.reuse_detected_at,
})

export function createSessionStore(db: Db): SessionStore {
  const insert = db.prepare(`INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, ip, user_agent, generation)
    VALUES (@id, @userId, @createdAt, @lastUsedAt, @expiresAt, @ip, @userAgent, @generation)`)
  const byId = db.prepare('SELECT * FROM sessions WHERE id = ?')
  const live = db.prepare('SELECT * FROM sessions WHERE revoked_at IS NULL AND expires_at > ?')
  const liveIdsOfUser = db.prepare('SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?').pluck()
  const revoke = db.prepare('UPDATE sessions SET revoked_at = @now, revoke_reason = @reason WHERE id = @id AND revoked_at IS NULL')
  const touch = db.prepare('UPDATE sessions SET generation = @generation, last_used_at = @lastUsedAt, expires_at = @expiresAt WHERE id = @id')
  const insertToken = db.prepare(`INSERT INTO refresh_tokens (id, session_id, token_hash, generation, issued_at, expires_at, issued_ip, issued_user_agent)
    VALUES (@id, @sessionId, @tokenHash, @generation, @issuedAt, @expiresAt, @issuedIp, @issuedUserAgent)`)
  const tokenByHash = db.prepare('SELECT * FROM refresh_tokens WHERE token_hash = ?')
  const tokenByGeneration = db.prepare('SELECT * FROM refresh_tokens WHERE session_id = ? AND generation = ?')
  // The `used_at IS NULL` guard makes marking a token used a compare-and-set.
  const markUsed = db.prepare('UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL')
  const markReuse = db.prepare('UPDATE refresh_tokens SET reuse_detected_at = coalesce(reuse_detected_at, ?) WHERE id = ?')

  return {
    insert: (s) => void insert.run(s),
    byId: (id) => {
      const row = byId.get(id) as SessionRow | undefined
      return row ? toSession(row) : null
    },
    live: (now) => (live.all(now) as SessionRow[]).map(toSession),
    revoke(ids, reason, now) {
      return ids.filter((id) => revoke.run({ id, reason, now }).changes > 0)
    },
    liveIdsOfUser: (userId, now) => liveIdsOfUser.all(userId, now) as string[],
    touch: (id, generation, lastUsedAt, expiresAt) => void touch.run({ id, generation, lastUsedAt, expiresAt }),
    insertToken: (row) => void insertToken.run(row),
    tokenByHash: (hash) => {
      const row = tokenByHash.get(hash) as TokenRow | undefined
      return row ? toToken(row) : null
    },
    tokenByGeneration: (sessionId, generation) => {
      const row = tokenByGeneration.get(sessionId, generation) as TokenRow | undefined
      return row ? toToken(row) : null
    },
    markTokenUsed: (id, now) => markUsed.run(now, id).changes > 0,
    markReuse: (id, now) => void markReuse.run(now, id),
  }
}
