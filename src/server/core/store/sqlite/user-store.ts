// UserStore over SQLite: rows (snake_case, 0/1 booleans, JSON optins) become User records here.

import type { Db } from './database.ts'
import { isJsonObject, readStoredJson } from '../../stored-json.ts'
import type { UnreadableValue, User, UserChanges, UserStore } from '../types.ts'

interface UserRow {
  id: string
  username: string
  password_hash: string
  profile_image: string | null
  store_api_key: string | null
  is_active: number
  is_superuser: number
  created_at: number
  updated_at: number
  last_login_at: number | null
  optins: string
}

/** A row's optins; one that cannot be rendered (see stored-json.ts) is answered as null, not a 500. */
function optinsOf(r: UserRow, unreadable: UnreadableValue): User['optins'] {
  const read = readStoredJson(r.optins)
  if (read.ok && (read.value === null || isJsonObject(read.value))) return read.value
  unreadable({ table: 'users', column: 'optins', id: r.id, reason: read.ok ? 'is not an object' : read.reason })
  return null
}

const rowToUser = (r: UserRow, unreadable: UnreadableValue): User => ({
  id: r.id,
  username: r.username,
  passwordHash: r.password_hash,
  profileImage: r.profile_image,
  storeApiKey: r.store_api_key,
  isActive: r.is_active === 1,
  isSuperuser: r.is_superuser === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  lastLoginAt: r.last_login_at,
  optins: optinsOf(r, unreadable),
})

const columns: Record<keyof UserChanges, string> = {
  username: 'username',
  passwordHash: 'password_hash',
  profileImage: 'profile_image',
  isActive: 'is_active',
  isSuperuser: 'is_superuser',
  lastLoginAt: 'last_login_at',
  optins: 'optins',
}

const toColumnValue = (value: unknown): unknown =>
  typeof value === 'boolean' ? (value ? 1 : 0) : value !== null && typeof value === 'object' ? JSON.stringify(value) : value

/** Users kept in memory for the per-request "still active?" check; cleared whole when full. */
const CACHE_LIMIT = 10_000

export function createUserStore(db: Db, unreadable: UnreadableValue): UserStore {
  const toUser = (r: UserRow): User => rowToUser(r, unreadable)
  // Every write in this process goes through this store, so a write simply forgets the entry.
  // Reads inside a transaction are not cached: a rollback would leave an uncommitted row behind.
  const cache = new Map<string, User>()
  const forget = (id: string) => void cache.delete(id)
  const insert = db.prepare(`INSERT INTO users (id, username, username_key, password_hash, profile_image, store_api_key,
    is_active, is_superuser, created_at, updated_at, last_login_at, optins)
    VALUES (@id, @username, @usernameKey, @passwordHash, @profileImage, @storeApiKey, @isActive, @isSuperuser,
    @createdAt, @updatedAt, @lastLoginAt, @optins)`)
  const byId = db.prepare('SELECT * FROM users WHERE id = ?')
  const byKey = db.prepare('SELECT * FROM users WHERE username_key = ?')
  const count = db.prepare('SELECT count(*) FROM users').pluck()
  const superusers = db.prepare('SELECT count(*) FROM users WHERE is_superuser = 1 AND is_active = 1').pluck()
  const remove = db.prepare('DELETE FROM users WHERE id = ?')
  const counts = db.prepare(`SELECT count(*) AS total, coalesce(sum(is_active), 0) AS active,
    coalesce(sum(is_superuser AND is_active), 0) AS superusers FROM users`)
  // instr() on lower-cased text: a plain substring match, so % and _ in a search mean themselves.
  const page = db.prepare(`SELECT * FROM users WHERE (@search IS NULL OR instr(lower(username), lower(@search)) > 0)
    ORDER BY created_at, id LIMIT @limit OFFSET @skip`)
  const total = db.prepare(`SELECT count(*) FROM users WHERE (@search IS NULL OR instr(lower(username), lower(@search)) > 0)`).pluck()
  const keys = db.prepare('SELECT id, username, username_key AS key FROM users')
  const setKey = db.prepare('UPDATE users SET username_key = ? WHERE id = ?')

  return {
    insert(user, usernameKey) {
      forget(user.id)
      insert.run({
        ...user,
        usernameKey,
        isActive: user.isActive ? 1 : 0,
        isSuperuser: user.isSuperuser ? 1 : 0,
        optins: JSON.stringify(user.optins),
      })
    },
    byId: (id) => {
      const cached = cache.get(id)
      if (cached !== undefined) return cached
      const row = byId.get(id) as UserRow | undefined
      if (row === undefined) return null
      const user = toUser(row)
      if (!db.inTransaction) {
        if (cache.size >= CACHE_LIMIT) cache.clear()
        cache.set(id, user)
      }
      return user
    },
    usernameKeys: () => keys.all() as { id: string; username: string; key: string }[],
    setUsernameKey: (id, key) => void setKey.run(key, id),
    byUsernameKey: (key) => {
      const row = byKey.get(key) as UserRow | undefined
      return row ? toUser(row) : null
    },
    list({ skip, limit, search }) {
      const params = { skip, limit, search: search ?? null }
      return { total: total.get(params) as number, users: (page.all(params) as UserRow[]).map(toUser) }
    },
    update(id, changes, usernameKey, now) {
      forget(id)
      const sets: string[] = ['updated_at = @updatedAt']
      const params: Record<string, unknown> = { id, updatedAt: now }
      for (const [field, value] of Object.entries(changes) as [keyof UserChanges, unknown][]) {
        if (value === undefined) continue
        sets.push(`${columns[field]} = @${field}`)
        params[field] = toColumnValue(value)
      }
      if (usernameKey !== undefined) {
        sets.push('username_key = @usernameKey')
        params.usernameKey = usernameKey
      }
      db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = @id`).run(params)
    },
    remove: (id) => {
      forget(id)
      return remove.run(id).changes > 0
    },
    count: () => count.get() as number,
    countActiveSuperusers: () => superusers.get() as number,
    counts: () => counts.get() as { total: number; active: number; superusers: number },
  }
}
