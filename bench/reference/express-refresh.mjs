// Reference for scenario 4: a straightforward login + refresh with rotation on Express 5 + jose +
// better-sqlite3 + bcryptjs. Same durability as authdock (WAL, synchronous=FULL): refresh tokens
// are stored hashed (SHA-256), one row per token; a refresh marks the presented token used and
// inserts its child in one transaction; a reused token revokes its session.
// Env: BENCH_DB_DIR (where authdock-ref.db goes), BENCH_SECRET, BENCH_USERNAME, BENCH_PASSWORD,
// BENCH_BCRYPT_COST (default 10).

import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { join } from 'node:path'
import bcrypt from 'bcryptjs'
import Database from 'better-sqlite3'
import express from 'express'
import { SignJWT } from 'jose'
import { issuer, listen, secret, username } from './common.mjs'

const ACCESS_TTL_S = 3600
const REFRESH_TTL_MS = 7 * 86_400_000
const key = new TextEncoder().encode(secret)

const db = new Database(join(process.env.BENCH_DB_DIR ?? '.', 'reference.db'))
db.pragma('journal_mode = WAL')
db.pragma('synchronous = FULL')
db.pragma('foreign_keys = ON')
db.exec(`
  CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
    is_active INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER);
  CREATE TABLE IF NOT EXISTS refresh_tokens (id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id),
    token_hash TEXT NOT NULL UNIQUE, issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER);
`)
if (db.prepare('SELECT 1 FROM users WHERE username = ?').get(username) === undefined) {
  const hash = bcrypt.hashSync(process.env.BENCH_PASSWORD ?? '', Number(process.env.BENCH_BCRYPT_COST ?? 10))
  db.prepare('INSERT INTO users VALUES (?, ?, ?, 1)').run(randomUUID(), username, hash)
}

const userByName = db.prepare('SELECT * FROM users WHERE username = ?')
const userById = db.prepare('SELECT * FROM users WHERE id = ?')
const insertSession = db.prepare('INSERT INTO sessions VALUES (?, ?, ?, ?, ?, NULL)')
const sessionById = db.prepare('SELECT * FROM sessions WHERE id = ?')
const touchSession = db.prepare('UPDATE sessions SET last_used_at = ?, expires_at = ? WHERE id = ?')
const revokeSession = db.prepare('UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
const insertToken = db.prepare('INSERT INTO refresh_tokens VALUES (?, ?, ?, ?, ?, NULL)')
const tokenByHash = db.prepare('SELECT * FROM refresh_tokens WHERE token_hash = ?')
const markUsed = db.prepare('UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL')

const sha256 = (token) => createHash('sha256').update(token).digest('base64url')

const accessToken = (userId, sid) =>
  new SignJWT({ sid, type: 'access' }).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuer(issuer)
    .setIssuedAt().setExpirationTime(`${ACCESS_TTL_S}s`).setJti(randomUUID()).sign(key)

const unauthorized = (res, detail) => res.status(401).set('WWW-Authenticate', 'Bearer').json({ detail })

const app = express()
app.use(express.urlencoded({ extended: false }))
app.use(express.json())

app.post('/api/v1/login', async (req, res) => {
  const { username: name, password } = req.body ?? {}
  const user = typeof name === 'string' ? userByName.get(name) : undefined
  if (user === undefined || typeof password !== 'string' || !(await bcrypt.compare(password, user.password_hash)) || !user.is_active) {
    return unauthorized(res, 'Incorrect username or password')
  }
  const now = Date.now()
  const sid = randomUUID()
  const refresh = randomBytes(32).toString('base64url')
  db.transaction(() => {
    insertSession.run(sid, user.id, now, now, now + REFRESH_TTL_MS)
    insertToken.run(randomUUID(), sid, sha256(refresh), now, now + REFRESH_TTL_MS)
  }).immediate()
  res.json({ access_token: await accessToken(user.id, sid), refresh_token: refresh, token_type: 'bearer' })
})

app.post('/api/v1/refresh', async (req, res) => {
  const presented = req.body?.refresh_token
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 256) return unauthorized(res, 'Invalid refresh token')
  const now = Date.now()
  const next = randomBytes(32).toString('base64url')
  const outcome = db.transaction(() => {
    const row = tokenByHash.get(sha256(presented))
    if (row === undefined) return null
    const session = sessionById.get(row.session_id)
    if (session === undefined || session.revoked_at !== null || session.expires_at <= now || row.expires_at <= now) return null
    if (row.used_at !== null || markUsed.run(now, row.id).changes === 0) {
      revokeSession.run(now, session.id) // a replayed token: the whole session goes
      return null
    }
    const user = userById.get(session.user_id)
    if (user === undefined || !user.is_active) return null
    insertToken.run(randomUUID(), session.id, sha256(next), now, now + REFRESH_TTL_MS)
    touchSession.run(now, now + REFRESH_TTL_MS, session.id)
    return { userId: user.id, sid: session.id }
  }).immediate()
  if (outcome === null) return unauthorized(res, 'Invalid refresh token')
  res.json({ access_token: await accessToken(outcome.userId, outcome.sid), refresh_token: next, token_type: 'bearer' })
})

listen(createServer(app))
process.once('exit', () => db.close())
