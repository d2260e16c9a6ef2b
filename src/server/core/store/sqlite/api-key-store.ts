// ApiKeyStore over SQLite. Only a hash of each key is stored.

import type { Db } from './database.ts'
import type { ApiKey, ApiKeyStore } from '../types.ts'

interface ApiKeyRow {
  id: string
  user_id: string
  name: string | null
  key_hash: string
  key_prefix: string
  created_at: number
  last_used_at: number | null
  total_uses: number
  is_active: number
}

const toApiKey = (r: ApiKeyRow): ApiKey => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  keyHash: r.key_hash,
  keyPrefix: r.key_prefix,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  totalUses: r.total_uses,
  isActive: r.is_active === 1,
})

export function createApiKeyStore(db: Db): ApiKeyStore {
  const insert = db.prepare(`INSERT INTO api_keys (id, user_id, name, key_hash, key_prefix, created_at, last_used_at, total_uses, is_active)
    VALUES (@id, @userId, @name, @keyHash, @keyPrefix, @createdAt, @lastUsedAt, @totalUses, @isActive)`)
  const byHash = db.prepare('SELECT * FROM api_keys WHERE key_hash = ?')
  const byUser = db.prepare('SELECT * FROM api_keys WHERE user_id = ? ORDER BY created_at, id')
  const remove = db.prepare('DELETE FROM api_keys WHERE id = ? AND user_id = ?')
  const recordUse = db.prepare('UPDATE api_keys SET last_used_at = ?, total_uses = total_uses + 1 WHERE id = ?')
  return {
    insert: (k) => void insert.run({ ...k, isActive: k.isActive ? 1 : 0 }),
    byHash: (hash) => {
      const row = byHash.get(hash) as ApiKeyRow | undefined
      return row ? toApiKey(row) : null
    },
    byUser: (userId) => (byUser.all(userId) as ApiKeyRow[]).map(toApiKey),
    remove: (id, userId) => remove.run(id, userId).changes > 0,
    recordUse: (id, now) => void recordUse.run(now, id),
  }
}
