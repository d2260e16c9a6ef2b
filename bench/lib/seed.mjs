// Scenario 5's data: users, sessions and refresh-token rows written straight into an authdock
// database that the server has already created and migrated (so the schema is the server's own).
// Usage: node seed.mjs DB_FILE '<json>' with users, sessions, tokensPerSession, liveSessions,
// password, cost. Prints one JSON line (rows written, seconds).
//
// Shape: users user000000…; session i belongs to user i % users; the first liveSessions sessions
// are live (loaded into the server's memory at start-up), the rest alternate expired / revoked.
// Each session has tokensPerSession refresh tokens (generations 0…n-1, all but the last used).
// Every user has the same bcrypt hash (of `password`, at `cost`): realistic in size and cost.

import { randomBytes, randomUUID } from 'node:crypto'
import bcrypt from 'bcryptjs'
import Database from 'better-sqlite3'

const [file, json] = process.argv.slice(2)
const o = JSON.parse(json)
const started = performance.now()
const db = new Database(file)
// Bulk load: no fsync per commit and a big page cache; the server reopens it in WAL + FULL.
db.pragma('journal_mode = DELETE')
db.pragma('synchronous = OFF')
db.pragma('cache_size = -524288')
db.pragma('foreign_keys = OFF')

const hash = bcrypt.hashSync(o.password, o.cost)
const kid = db.prepare("SELECT kid FROM signing_keys WHERE state = 'active'").pluck().get() ?? null
const now = Date.now()
const DAY = 86_400_000

const insertUser = db.prepare(`INSERT INTO users (id, username, username_key, password_hash, is_active, is_superuser,
  created_at, updated_at, last_login_at, optins) VALUES (?, ?, ?, ?, 1, 0, ?, ?, ?, '{}')`)
const insertSession = db.prepare(`INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, ip, user_agent,
  generation, revoked_at, revoke_reason, access_kid, access_expires_at) VALUES (?, ?, ?, ?, ?, '127.0.0.1', ?, ?, ?, ?, ?, ?)`)
const insertToken = db.prepare(`INSERT INTO refresh_tokens (id, session_id, token_hash, generation, issued_at, expires_at,
  issued_ip, issued_user_agent, used_at) VALUES (?, ?, ?, ?, ?, ?, '127.0.0.1', ?, ?)`)

const AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36'
const BATCH = 50_000
let entropy = Buffer.alloc(0)
let offset = 0
/** 43 base64url characters, the shape of the SHA-256 the server stores for a refresh token. */
function tokenHash() {
  if (offset + 32 > entropy.length) {
    entropy = randomBytes(32 * 65_536)
    offset = 0
  }
  offset += 32
  return entropy.subarray(offset - 32, offset).toString('base64url')
}

const userIds = new Array(o.users)
for (let start = 0; start < o.users; start += BATCH) {
  db.transaction(() => {
    for (let i = start; i < Math.min(o.users, start + BATCH); i++) {
      const id = randomUUID()
      userIds[i] = id
      const name = `user${String(i).padStart(6, '0')}`
      const created = now - 90 * DAY + i
      insertUser.run(id, name, name, hash, created, created, created)
    }
  })()
}

let tokens = 0
for (let start = 0; start < o.sessions; start += BATCH / o.tokensPerSession) {
  db.transaction(() => {
    for (let i = start; i < Math.min(o.sessions, start + BATCH / o.tokensPerSession); i++) {
      const sid = randomUUID()
      const live = i < o.liveSessions
      const revoked = !live && i % 2 === 1
      const created = now - (live ? 3 : 30) * DAY + i
      const expires = live ? now + 6 * DAY : revoked ? now + DAY : now - DAY
      const last = o.tokensPerSession - 1
      insertSession.run(sid, userIds[i % o.users], created, created + DAY, expires, AGENT, last,
        revoked ? now - DAY : null, revoked ? 'logout' : null, kid, live ? now + 3600_000 : created)
      for (let g = 0; g <= last; g++) {
        insertToken.run(randomUUID(), sid, tokenHash(), g, created + g * 3600_000, expires, AGENT, g < last ? created + (g + 1) * 3600_000 : null)
        tokens += 1
      }
    }
  })()
}

db.pragma('journal_mode = WAL')
db.close()
process.stdout.write(JSON.stringify({ users: o.users, sessions: o.sessions, tokens, liveSessions: o.liveSessions, seconds: (performance.now() - started) / 1000 }) + '\n')
