// `authdock backup FILE` and `authdock restore FILE`: the database and the key files of a config
// dir in one file (a JSON envelope, each file base64 with its SHA-256), taken while a server runs;
// with a passphrase, that envelope sealed by backup-crypto.ts.

import { createHash, randomBytes } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { acquireConfigLock } from './config-lock.ts'
import { checkPassphrase, decryptBackup, encryptBackup, isEncryptedBackup } from './backup-crypto.ts'
import { ensureConfigDir } from './config-dir.ts'
import { DATABASE_FILE } from './core.ts'
import { ConfigError } from './errors.ts'
import { writeFileAtomic } from './files.ts'
import { readMaterial } from './keys/key-files.ts'
import { loadKey } from './keys/key-material.ts'
import type { Algorithm } from './config.ts'

export const BACKUP_FORMAT = 'authdock-backup'
const BACKUP_VERSION = 1
/** A key retired (its files removed) between the snapshot and reading its files: take another. */
const SNAPSHOT_ATTEMPTS = 5

interface Entry {
  readonly path: string
  readonly mode: number
  readonly sha256: string
  readonly data: string
}

export interface BackupSummary {
  readonly files: readonly string[]
  readonly bytes: number
  readonly encrypted: boolean
}

export interface BackupOptions {
  /** Encrypt the backup with this passphrase (scrypt + AES-256-GCM). */
  readonly passphrase?: string
}

// Only names a config dir holds: a backup cannot write outside the dir it is restored into.
const TOP_LEVEL = /^(?!\.\.?$)(?!.*\.tmp$)[A-Za-z0-9_.-]+$/
const RING_FILE = /^keys\/[A-Za-z0-9_-]+\.(secret|private\.pem|public\.pem)$/
/** SQLite's companions of the database, our lock, and whatever a crash left half-written. */
const NOT_CONFIG = /^(authdock\.db-(wal|shm|journal)|authdock\.lock.*|\..*\.tmp)$/

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex')

/**
 * Writes a backup of `configDir` to `target` (0600). The database is copied with SQLite's online
 * backup API in one step, so it is one consistent snapshot even while a server writes to it; the
 * key files are those the snapshot names, plus every other plain file of the dir (Langflow's key
 * files, .env). Needs no lock: a running server keeps running.
 */
export async function backupConfigDir(configDir: string, target: string, options: BackupOptions = {}): Promise<BackupSummary> {
  if (options.passphrase !== undefined) checkPassphrase(options.passphrase)
  const dbFile = join(configDir, DATABASE_FILE)
  if (!existsSync(dbFile)) throw new ConfigError(`there is no database at ${dbFile}: nothing to back up`)
  for (let attempt = 1; ; attempt++) {
    const snapshot = `${target}.${randomBytes(6).toString('hex')}.tmp`
    let entries: Entry[] | null
    try {
      await snapshotDatabase(dbFile, snapshot)
      entries = collect(configDir, readFileSync(snapshot), ringFilesOf(snapshot))
    } finally {
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(snapshot + suffix, { force: true })
    }
    if (entries !== null) {
      const plain = JSON.stringify({ format: BACKUP_FORMAT, version: BACKUP_VERSION, created_at: new Date().toISOString(), files: entries })
      const body = options.passphrase === undefined ? plain : encryptBackup(Buffer.from(plain), options.passphrase)
      try {
        writeFileAtomic(target, body, 0o600)
      } catch (err) {
        throw new ConfigError(`cannot write the backup ${target}: ${(err as Error).message}`, { cause: err })
      }
      return { files: entries.map((e) => e.path), bytes: Buffer.byteLength(body), encrypted: options.passphrase !== undefined }
    }
    if (attempt === SNAPSHOT_ATTEMPTS) throw new ConfigError(`the key files of ${configDir} kept changing during the backup; try again`)
  }
}

async function snapshotDatabase(dbFile: string, snapshot: string): Promise<void> {
  let db: Database.Database
  try {
    db = new Database(dbFile, { fileMustExist: true })
    db.pragma('busy_timeout = 5000')
  } catch (err) {
    throw new ConfigError(`the database ${dbFile} cannot be opened: ${(err as Error).message}`, { cause: err })
  }
  try {
    // Created here so that the copy of the password hashes is never readable by others.
    closeSync(openSync(snapshot, 'wx', 0o600))
    // The first step sizes the copy; then all remaining pages in one step, under one read
    // transaction: a write by the server between steps would restart a page-by-page copy.
    await db.backup(snapshot, { progress: () => 0x7fffffff })
    const check = new Database(snapshot)
    try {
      // One self-contained file: the restored server turns WAL back on when it opens it.
      check.pragma('journal_mode = DELETE')
      const result = check.pragma('integrity_check', { simple: true })
      if (result !== 'ok') throw new ConfigError(`the database ${dbFile} fails SQLite's integrity check (${String(result)}); not backed up`)
    } finally {
      check.close()
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err
    throw new ConfigError(`cannot back up the database ${dbFile}: ${(err as Error).message}`, { cause: err })
  } finally {
    db.close()
  }
}

interface KeyRow {
  kid: string
  alg: Algorithm
  private_file: string | null
  public_file: string | null
}

function ringFilesOf(snapshot: string): KeyRow[] {
  const db = new Database(snapshot, { readonly: true })
  try {
    return db.prepare("SELECT kid, alg, private_file, public_file FROM signing_keys WHERE state != 'retired'").all() as KeyRow[]
  } finally {
    db.close()
  }
}

/** The envelope's entries; null when a key file the snapshot names is gone (retired meanwhile). */
function collect(configDir: string, database: Buffer, keys: readonly KeyRow[]): Entry[] | null {
  const entries = new Map<string, Entry>()
  const add = (path: string, data: Buffer, mode: number) => entries.set(path, { path, mode, sha256: sha256(data), data: data.toString('base64') })
  add(DATABASE_FILE, database, 0o600)
  for (const key of keys) {
    if (key.private_file === null) continue // from env: not in the dir, not in the backup
    const files = { privateFile: key.private_file, publicFile: key.public_file }
    if (!existsSync(join(configDir, files.privateFile))) return null
    // The backup must start a server: a key file that no longer holds its key is refused now.
    const loaded = loadKey(key.alg, readMaterial(configDir, key.alg === 'HS256' ? 'secret' : 'rsa', files))
    if (loaded.kid !== key.kid) throw new ConfigError(`key file ${join(configDir, files.privateFile)} does not hold key ${key.kid}; not backed up`)
    for (const file of [files.privateFile, files.publicFile]) {
      if (file !== null && existsSync(join(configDir, file))) add(file, readFileSync(join(configDir, file)), modeOf(join(configDir, file)))
    }
  }
  for (const name of readdirSync(configDir)) {
    const path = join(configDir, name)
    if (entries.has(name) || NOT_CONFIG.test(name) || !TOP_LEVEL.test(name) || !statSync(path).isFile()) continue
    add(name, readFileSync(path), modeOf(path))
  }
  return [...entries.values()]
}

const modeOf = (path: string): number => (statSync(path).mode & 0o644) | 0o600

export interface RestoreOptions {
  /** Replace the database and keys a config dir already holds. */
  readonly force?: boolean
  /** The passphrase of an encrypted backup (ignored for a plain one). */
  readonly passphrase?: string
}

/**
 * Restores a backup into `configDir`. Refused while a server uses the dir (its lock), and over an
 * existing database or keys unless `force`. Every file is checked against its SHA-256 before
 * anything is written; the key files go first and the database last, each atomically.
 */
export function restoreConfigDir(source: string, configDir: string, options: RestoreOptions = {}): BackupSummary {
  const { entries, encrypted } = readBackup(source, options.passphrase)
  ensureConfigDir(configDir)
  const lock = acquireConfigLock(configDir, 'restore')
  try {
    const existing = readdirSync(configDir).filter((name) => name === DATABASE_FILE || name === 'keys' || entries.some((e) => e.path === name))
    if (existing.length > 0 && options.force !== true) {
      throw new ConfigError(`${configDir} already holds ${existing.join(', ')}: restore into an empty config dir, or pass --force to replace them`)
    }
    // What is replaced moves aside first, and comes back if any write fails (a full disk, say):
    // a half-restored dir would name keys it no longer holds. A -wal left beside the old database
    // would be replayed into the restored one, so it moves aside too.
    const replaced = new Set([DATABASE_FILE, 'authdock.db-wal', 'authdock.db-shm', 'authdock.db-journal', 'keys', 'secret_key', 'private_key.pem', 'public_key.pem', ...entries.map((e) => e.path.split('/')[0] ?? e.path)])
    const aside = join(configDir, `.before-restore-${randomBytes(4).toString('hex')}`)
    mkdirSync(aside, { mode: 0o700 })
    const moved = [...replaced].filter((name) => existsSync(join(configDir, name)))
    for (const name of moved) renameSync(join(configDir, name), join(aside, name))
    const ordered = [...entries.filter((e) => e.path !== DATABASE_FILE), ...entries.filter((e) => e.path === DATABASE_FILE)]
    try {
      for (const entry of ordered) {
        const path = join(configDir, entry.path)
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
        writeFileAtomic(path, Buffer.from(entry.data, 'base64'), entry.mode)
      }
    } catch (err) {
      for (const name of replaced) rmSync(join(configDir, name), { recursive: true, force: true })
      for (const name of moved) renameSync(join(aside, name), join(configDir, name))
      rmSync(aside, { recursive: true, force: true })
      throw err
    }
    rmSync(aside, { recursive: true, force: true })
    return { files: entries.map((e) => e.path), bytes: statSync(source).size, encrypted }
  } finally {
    lock.release()
  }
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new ConfigError(`${source} is not an authdock backup (not JSON; truncated?)`, { cause: err })
  }
}

function readText(source: string): string {
  try {
    return readFileSync(source, 'utf8')
  } catch (err) {
    throw new ConfigError(`${source} cannot be read: ${(err as Error).message}`, { cause: err })
  }
}

/** Whether `source` is an encrypted backup (so restore needs a passphrase); false for anything else. */
export function isEncryptedBackupFile(source: string): boolean {
  try {
    return isEncryptedBackup(JSON.parse(readFileSync(source, 'utf8')))
  } catch {
    return false // restore itself says what is wrong with it
  }
}

function readBackup(source: string, passphrase: string | undefined): { entries: Entry[]; encrypted: boolean } {
  let parsed = parseJson(readText(source), source)
  const encrypted = isEncryptedBackup(parsed)
  if (encrypted) {
    if (passphrase === undefined) throw new ConfigError(`${source} is an encrypted backup: give its passphrase (AUTHDOCK_BACKUP_PASSPHRASE, --passphrase-file FILE, or at the prompt)`)
    parsed = parseJson(decryptBackup(parsed as Record<string, unknown>, passphrase, source).toString('utf8'), source)
  }
  return { entries: entriesOf(parsed, source), encrypted }
}

function entriesOf(parsed: unknown, source: string): Entry[] {
  const bad = (why: string) => new ConfigError(`${source} is not a usable authdock backup: ${why}`)
  if (typeof parsed !== 'object' || parsed === null) throw bad('not an object')
  const { format, version, files } = parsed as Record<string, unknown>
  if (format !== BACKUP_FORMAT) throw bad('no authdock-backup format marker')
  if (version !== BACKUP_VERSION) throw bad(`version ${String(version)}, this authdock reads version ${BACKUP_VERSION}`)
  if (!Array.isArray(files)) throw bad('no file list')
  const entries = files.map((raw: unknown): Entry => {
    const e = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
    const { path, mode, sha256: sum, data } = e
    if (typeof path !== 'string' || !(TOP_LEVEL.test(path) || RING_FILE.test(path)) || NOT_CONFIG.test(path)) throw bad(`unexpected file name ${JSON.stringify(path)}`)
    if (typeof data !== 'string' || typeof sum !== 'string') throw bad(`${path} has no data`)
    if (sha256(Buffer.from(data, 'base64')) !== sum) throw bad(`${path} does not match its checksum (damaged)`)
    return { path, mode: mode === 0o644 ? 0o644 : 0o600, sha256: sum, data }
  })
  if (!entries.some((e) => e.path === DATABASE_FILE)) throw bad(`no ${DATABASE_FILE}`)
  return entries
}
