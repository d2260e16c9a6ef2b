// ApiKeyStore over SQLite. Only a hash of each key is stored.

import type { Db } from './database.ts'
import type { ApiKey, ApiKeyStore, ApiKeyWithUser } from '../types.ts'

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
  expires_at: number | null
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
  expiresAt: r.expires_at,
})

const withUser = (r: ApiKeyRow & { username: string }): ApiKeyWithUser => ({ ...toApiKey(r), username: r.username })

const SELECT_WITH_USER = 'SELECT k.*, u.username FROM api_keys k JOIN users u ON u.id = k.user_id'

export function createApiKeyStore(db: Db): ApiKeyStore {
  const insert = db.prepare(`INSERT INTO api_keys (id, user_id, name, key_hash, key_prefix, created_at, last_used_at, total_uses, is_active, expires_at)
    VALUES (@id, @userId, @name, @keyHash, @keyPrefix, @createdAt, @lastUsedAt, @totalUses, @isActive, @expiresAt)`)
  const byHash = db.prepare('SELECT * FROM api_keys WHERE key_hash = ?')
  const byUser = db.prepare('SELECT * FROM api_keys WHERE user_id = ? ORDER BY created_at, id')
  const countOfUser = db.prepare('SELECT COUNT(*) FROM api_keys WHERE user_id = ?').pluck()
  const remove = db.prepare('DELETE FROM api_keys WHERE id = ? AND user_id = ?')
  const recordUse = db.prepare('UPDATE api_keys SET last_used_at = ?, total_uses = total_uses + 1 WHERE id = ?')
  const page = {
    all: db.prepare(`${SELECT_WITH_USER} ORDER BY k.created_at, k.id LIMIT ? OFFSET ?`),
    allCount: db.prepare('SELECT COUNT(*) FROM api_keys').pluck(),
    ofUser: db.prepare(`${SELECT_WITH_USER} WHERE k.user_id = ? ORDER BY k.created_at, k.id LIMIT ? OFFSET ?`),
  }
  const doomed = {
    id: db.prepare(`${SELECT_WITH_USER} WHERE k.id = ?`),
    userId: db.prepare(`${SELECT_WITH_USER} WHERE k.user_id = ? ORDER BY k.created_at, k.id`),
    all: db.prepare(`${SELECT_WITH_USER} ORDER BY k.created_at, k.id`),
  }
  const deleteOne = db.prepare('DELETE FROM api_keys WHERE id = ?')
  const deleteOfUser = db.prepare('DELETE FROM api_keys WHERE user_id = ?')
  const deleteAll = db.prepare('DELETE FROM api_keys')
  type Joined = ApiKeyRow & { username: string }
  return {
    insert: (k) => void insert.run({ ...k, isActive: k.isActive ? 1 : 0 }),
    byHash: (hash) => {
      const row = byHash.get(hash) as ApiKeyRow | undefined
      return row ? toApiKey(row) : null
    },
    byUser: (userId) => (byUser.all(userId) as ApiKeyRow[]).map(toApiKey),
    countOfUser: (userId) => countOfUser.get(userId) as number,
    list: (filter, { skip, limit }) => {
      if (filter.userId === undefined) {
        return { total: page.allCount.get() as number, keys: (page.all.all(limit, skip) as Joined[]).map(withUser) }
      }
      return { total: countOfUser.get(filter.userId) as number, keys: (page.ofUser.all(filter.userId, limit, skip) as Joined[]).map(withUser) }
    },
    remove: (id, userId) => remove.run(id, userId).changes > 0,
    removeWhere: (which) =>
      db.transaction(() => {
        if (which === 'all') {
          const rows = (doomed.all.all() as Joined[]).map(withUser)
          deleteAll.run()
          return rows
        }
        if ('id' in which) {
          const rows = (doomed.id.all(which.id) as Joined[]).map(withUser)
          deleteOne.run(which.id)
          return rows
        }
        const rows = (doomed.userId.all(which.userId) as Joined[]).map(withUser)
        deleteOfUser.run(which.userId)
        return rows
      })(),
    recordUse: (id, now) => void recordUse.run(now, id),
  }
}
