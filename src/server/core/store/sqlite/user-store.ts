// UserStore over SQLite: rows (snake_case, 0/1 booleans, JSON optins) become User records here.

import type { Db } from './database.ts'
import { emailKey } from '../../users/profile.ts'
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
  email: string | null
  email_verified: number
  full_name: string | null
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
  email: r.email,
  emailVerified: r.email_verified === 1,
  fullName: r.full_name,
})

const columns: Record<keyof UserChanges, string> = {
  username: 'username',
  passwordHash: 'password_hash',
  profileImage: 'profile_image',
  isActive: 'is_active',
  isSuperuser: 'is_superuser',
  lastLoginAt: 'last_login_at',
  optins: 'optins',
  email: 'email',
  emailVerified: 'email_verified',
  fullName: 'full_name',
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
    is_active, is_superuser, created_at, updated_at, last_login_at, optins, email, email_key, email_verified, full_name)
    VALUES (@id, @username, @usernameKey, @passwordHash, @profileImage, @storeApiKey, @isActive, @isSuperuser,
    @createdAt, @updatedAt, @lastLoginAt, @optins, @email, @emailKey, @emailVerified, @fullName)`)
  const byEmail = db.prepare('SELECT * FROM users WHERE email_key = ?')
  const groupsOf = db.prepare('SELECT group_name FROM user_groups WHERE user_id = ? ORDER BY group_name').pluck()
  const clearGroups = db.prepare('DELETE FROM user_groups WHERE user_id = ?')
  const addGroup = db.prepare('INSERT INTO user_groups (user_id, group_name) VALUES (?, ?)')
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
        emailKey: user.email === null ? null : emailKey(user.email),
        emailVerified: user.emailVerified ? 1 : 0,
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
    byEmailKey: (key) => {
      const row = byEmail.get(key) as UserRow | undefined
      return row ? toUser(row) : null
    },
    groupsOf: (userId) => groupsOf.all(userId) as string[],
    setGroups(userId, groups) {
      clearGroups.run(userId)
      for (const g of groups) addGroup.run(userId, g)
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
      if (changes.email !== undefined) {
        sets.push('email_key = @emailKey')
        params.emailKey = changes.email === null ? null : emailKey(changes.email)
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
