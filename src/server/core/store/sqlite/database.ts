// Opens the SQLite file (0600, WAL, foreign keys, synchronous FULL) and applies numbered migrations.

import Database from 'better-sqlite3'
import { chmodSync, closeSync, openSync } from 'node:fs'
import { ConfigError } from '../../errors.ts'
import { MIGRATIONS } from './migrations.ts'

export type Db = Database.Database

export function openDatabase(file: string): Db {
  if (file !== ':memory:') {
    try {
      // Create it ourselves so it never exists with wider permissions than 0600; SQLite gives
      // its -wal and -shm files the same mode as the database file.
      closeSync(openSync(file, 'a', 0o600))
      chmodSync(file, 0o600)
    } catch (err) {
      throw new ConfigError(`cannot create or open the database ${file}: ${(err as Error).message}`, { cause: err })
    }
  }
  let db: Db
  try {
    db = new Database(file)
    db.pragma('journal_mode = WAL')
    // FULL: a commit (a revocation, a rotation) survives power loss, not only a process crash.
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    migrate(db)
  } catch (err) {
    if (err instanceof ConfigError) throw err
    throw new ConfigError(`the database ${file} cannot be used: ${(err as Error).message}`, { cause: err })
  }
  return db
}

function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)')
  const applied = new Set(
    db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[],
  )
  const newest = MIGRATIONS.at(-1)?.version ?? 0
  const beyond = [...applied].filter((v) => v > newest)
  if (beyond.length > 0) {
    throw new ConfigError(`the database was written by a newer authdock (schema ${Math.max(...beyond)}, this one knows ${newest})`)
  }
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue
    db.transaction(() => {
      db.exec(m.sql)
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, Date.now())
    })()
  }
}
