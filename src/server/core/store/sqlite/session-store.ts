// SessionStore over SQLite: sessions and their refresh-token families.

import type { Db } from './database.ts'
import type { RefreshTokenRow, Session, SessionFilter, SessionStore, SessionWithUser } from '../types.ts'

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
  access_kid: string | null
  access_expires_at: number | null
  client_id: string | null
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
  used_fingerprint: string | null
}

interface GraceAnswerRow {
  token_id: string
  at: number
  ip: string | null
  user_agent: string | null
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
  accessKid: r.access_kid,
  accessExpiresAt: r.access_expires_at,
  clientId: r.client_id,
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
  usedFingerprint: r.used_fingerprint,
})

export function createSessionStore(db: Db): SessionStore {
  const insert = db.prepare(`INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, ip, user_agent, generation, access_kid,
    access_expires_at, client_id) VALUES (@id, @userId, @createdAt, @lastUsedAt, @expiresAt, @ip, @userAgent, @generation, @accessKid, @accessExpiresAt, @clientId)`)
  const byId = db.prepare('SELECT * FROM sessions WHERE id = ?')
  // Streamed in raw rows: materialising 100,000 full sessions at start-up grew the heap by ~100 MB for good.
  const live = db.prepare('SELECT id, user_id, expires_at FROM sessions WHERE revoked_at IS NULL AND expires_at > ?').raw()
  const liveIdsOfUser = db.prepare('SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?').pluck()
  const liveIdsOfClient = db.prepare('SELECT id FROM sessions WHERE client_id = ? AND revoked_at IS NULL AND expires_at > ?').pluck()
  const revoke = db.prepare('UPDATE sessions SET revoked_at = @now, revoke_reason = @reason WHERE id = @id AND revoked_at IS NULL')
  const touch = db.prepare(`UPDATE sessions SET generation = @generation, last_used_at = @lastUsedAt, expires_at = @expiresAt,
    access_kid = @accessKid, access_expires_at = @accessExpiresAt WHERE id = @id`)
  // One WHERE clause for the list and its total; a null parameter means "any".
  const filtered = `FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE (@userId IS NULL OR s.user_id = @userId)
      AND (@clientId IS NULL OR s.client_id = @clientId)
      AND (@since IS NULL OR s.created_at >= @since)
      AND (@state IS NULL
        OR (@state = 'active' AND s.revoked_at IS NULL AND s.expires_at > @now)
        OR (@state = 'revoked' AND s.revoked_at IS NOT NULL)
        OR (@state = 'expired' AND s.revoked_at IS NULL AND s.expires_at <= @now))`
  const page = db.prepare(`SELECT s.*, u.username ${filtered} ORDER BY s.created_at DESC, s.rowid DESC LIMIT @limit OFFSET @skip`)
  const total = db.prepare(`SELECT count(*) ${filtered}`).pluck()
  const counts = db.prepare(`SELECT
      coalesce(sum(revoked_at IS NULL AND expires_at > @now), 0) AS active,
      coalesce(sum(revoked_at IS NOT NULL), 0) AS revoked,
      coalesce(sum(revoked_at IS NULL AND expires_at <= @now), 0) AS expired
    FROM sessions`)
  const liveIds = db.prepare('SELECT id FROM sessions WHERE revoked_at IS NULL AND expires_at > ?').pluck()
  const byKid = db.prepare(`SELECT access_kid AS kid, count(*) AS n FROM sessions
    WHERE revoked_at IS NULL AND expires_at > ? AND access_kid IS NOT NULL GROUP BY access_kid`)
  const remember = db.prepare(`INSERT OR IGNORE INTO revocations (session_id, revoked_at, access_expires_at)
    SELECT id, revoked_at, access_expires_at FROM sessions WHERE id = ? AND access_expires_at IS NOT NULL`)
  const revokedWithLiveTokens = db.prepare('SELECT session_id FROM revocations WHERE access_expires_at > ?').pluck()
  const forgetRevocations = db.prepare('DELETE FROM revocations WHERE access_expires_at <= ?')
  const tokensOf = db.prepare('SELECT * FROM refresh_tokens WHERE session_id = ? ORDER BY generation')
  const insertToken = db.prepare(`INSERT INTO refresh_tokens (id, session_id, token_hash, generation, issued_at, expires_at, issued_ip, issued_user_agent)
    VALUES (@id, @sessionId, @tokenHash, @generation, @issuedAt, @expiresAt, @issuedIp, @issuedUserAgent)`)
  const tokenByHash = db.prepare('SELECT * FROM refresh_tokens WHERE token_hash = ?')
  const tokenByGeneration = db.prepare('SELECT * FROM refresh_tokens WHERE session_id = ? AND generation = ?')
  // The `used_at IS NULL` guard makes marking a token used a compare-and-set.
  const markUsed = db.prepare('UPDATE refresh_tokens SET used_at = ?, used_fingerprint = ? WHERE id = ? AND used_at IS NULL')
  const markReuse = db.prepare('UPDATE refresh_tokens SET reuse_detected_at = coalesce(reuse_detected_at, ?) WHERE id = ?')
  const insertGraceAnswer = db.prepare('INSERT INTO refresh_grace_answers (token_id, at, ip, user_agent) VALUES (@tokenId, @at, @ip, @userAgent)')
  const graceAnswersOf = db.prepare(`SELECT g.token_id, g.at, g.ip, g.user_agent FROM refresh_grace_answers g
    JOIN refresh_tokens t ON t.id = g.token_id WHERE t.session_id = ? ORDER BY g.id`)
  // Set once: a binding is never replaced, so checking it before a refresh needs no transaction.
  const setBinding = db.prepare('UPDATE sessions SET binding_hash = ? WHERE id = ? AND binding_hash IS NULL')
  const bindingOf = db.prepare('SELECT binding_hash FROM sessions WHERE id = ?').pluck()

  return {
    insert: (s) => void insert.run(s),
    byId: (id) => {
      const row = byId.get(id) as SessionRow | undefined
      return row ? toSession(row) : null
    },
    *live(now) {
      for (const [id, userId, expiresAt] of live.iterate(now) as IterableIterator<[string, string, number]>) yield { id, userId, expiresAt }
    },
    revoke(ids, reason, now) {
      return ids.filter((id) => {
        if (revoke.run({ id, reason, now }).changes === 0) return false
        remember.run(id)
        return true
      })
    },
    liveIdsOfUser: (userId, now) => liveIdsOfUser.all(userId, now) as string[],
    liveIdsOfClient: (clientId, now) => liveIdsOfClient.all(clientId, now) as string[],
    touch: (id, change) => void touch.run({ id, ...change }),
    list(filter: SessionFilter, { skip, limit }, now) {
      const params = { userId: filter.userId ?? null, clientId: filter.clientId ?? null, since: filter.createdSince ?? null, state: filter.state ?? null, now }
      const rows = page.all({ ...params, skip, limit }) as (SessionRow & { username: string })[]
      return {
        total: total.get(params) as number,
        sessions: rows.map((r): SessionWithUser => ({ ...toSession(r), username: r.username })),
      }
    },
    counts: (now) => counts.get({ now }) as { active: number; revoked: number; expired: number },
    liveIds: (now) => liveIds.all(now) as string[],
    liveCountByKid: (now) => Object.fromEntries((byKid.all(now) as { kid: string; n: number }[]).map((r) => [r.kid, r.n])),
    revokedWithLiveTokens: (now) => revokedWithLiveTokens.all(now) as string[],
    forgetExpiredRevocations: (now) => forgetRevocations.run(now).changes,
    tokensOf: (sessionId) => (tokensOf.all(sessionId) as TokenRow[]).map(toToken),
    insertToken: (row) => void insertToken.run(row),
    tokenByHash: (hash) => {
      const row = tokenByHash.get(hash) as TokenRow | undefined
      return row ? toToken(row) : null
    },
    tokenByGeneration: (sessionId, generation) => {
      const row = tokenByGeneration.get(sessionId, generation) as TokenRow | undefined
      return row ? toToken(row) : null
    },
    markTokenUsed: (id, now, fingerprint) => markUsed.run(now, fingerprint, id).changes > 0,
    markReuse: (id, now) => void markReuse.run(now, id),
    insertGraceAnswer: (answer) => void insertGraceAnswer.run(answer),
    graceAnswersOf: (sessionId) =>
      (graceAnswersOf.all(sessionId) as GraceAnswerRow[]).map((r) => ({ tokenId: r.token_id, at: r.at, ip: r.ip, userAgent: r.user_agent })),
    setBindingHash: (sessionId, hash) => setBinding.run(hash, sessionId).changes > 0,
    bindingHashOf: (sessionId) => (bindingOf.get(sessionId) as string | null | undefined) ?? null,
  }
}
