// Authorization codes in SQLite (migration 9): hashes only, used once, swept once expired.

import type { Db } from './database.ts'
import type { AuthorizationCode, AuthorizationCodeStore } from '../types.ts'

interface CodeRow {
  code_hash: string
  client_id: string
  redirect_uri: string
  code_challenge: string
  nonce: string | null
  user_id: string
  scope: string
  auth_time: number
  amr: string
  created_at: number
  expires_at: number
  used_at: number | null
  session_id: string | null
}

/** The stored methods; a row that does not read as a list of strings reads as none. */
function amrOf(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text)
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
  } catch {
    return []
  }
}

const toCode = (r: CodeRow): AuthorizationCode => ({
  codeHash: r.code_hash,
  clientId: r.client_id,
  redirectUri: r.redirect_uri,
  codeChallenge: r.code_challenge,
  nonce: r.nonce,
  userId: r.user_id,
  scope: r.scope,
  authTime: r.auth_time,
  amr: amrOf(r.amr),
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
  sessionId: r.session_id,
})

export function createAuthorizationCodeStore(db: Db): AuthorizationCodeStore {
  const insert = db.prepare(`INSERT INTO authorization_codes (code_hash, client_id, redirect_uri, code_challenge, nonce, user_id, scope, auth_time, amr, created_at, expires_at)
    VALUES (@codeHash, @clientId, @redirectUri, @codeChallenge, @nonce, @userId, @scope, @authTime, @amr, @createdAt, @expiresAt)`)
  const byHash = db.prepare('SELECT * FROM authorization_codes WHERE code_hash = ?')
  const markUsed = db.prepare('UPDATE authorization_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL')
  const attach = db.prepare('UPDATE authorization_codes SET session_id = ? WHERE code_hash = ?')
  const expired = db.prepare('DELETE FROM authorization_codes WHERE expires_at < ?')
  return {
    insert: (c) => void insert.run({ ...c, amr: JSON.stringify(c.amr) }),
    byHash: (codeHash) => {
      const row = byHash.get(codeHash) as CodeRow | undefined
      return row === undefined ? null : toCode(row)
    },
    markUsed: (codeHash, at) => markUsed.run(at, codeHash).changes === 1,
    attachSession: (codeHash, sessionId) => void attach.run(sessionId, codeHash),
    deleteExpired: (before) => expired.run(before).changes,
  }
}
