// Who could have written what authdock reads at start-up, checked like ssh's StrictModes: a file
// another user owns or may write (.env, keys, the database) could make them a superuser, so the
// start is refused, naming the file and the fix. What is ours and only too open is tightened,
// and said in one log line: a config dir open to others becomes 0700, a secret readable by
// others 0600. The group bits count only when the file's group is not our own primary group: as
// with Debian's OpenSSH (user private groups), and so a Kubernetes volume whose fsGroup is the
// pod's own group (kubelet makes its files group-rw) is not refused. POSIX only: Windows has no
// such modes (its ACLs keep a profile's AppData private).

import { chmodSync, lstatSync, readdirSync, statSync } from 'node:fs'
import type { Stats } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from './errors.ts'

export interface PermissionOptions {
  readonly platform?: NodeJS.Platform
  /** The user authdock runs as; root (0) may own files too, as it can write anything anyway. */
  readonly uid?: number
  /** The primary group authdock runs as. */
  readonly gid?: number
}

/** Who authdock runs as. */
interface Self {
  readonly uid: number
  readonly gid: number
}

/** Files of the config dir that hold secrets: readable by their owner only. */
const SECRET_FILES = ['.env', 'authdock.db', 'authdock.db-wal', 'authdock.db-shm', 'secret_key', 'private_key.pem']
/** Files of the config dir that are read but not secret: public keys, the desktop app's and the lock's. */
const PUBLIC_FILES = ['public_key.pem', 'desktop.json', 'authdock.lock']
const KEYS_DIR = 'keys'
const isSecretRingFile = (name: string): boolean => name.endsWith('.secret') || name.endsWith('.private.pem')

const octal = (mode: number): string => (mode & 0o7777).toString(8)
/** The mode's bits for others, and for the group unless it is ours: `access` is 0o2 (write) or 0o4 (read). */
const openTo = (st: Stats, self: Self, access: number): boolean =>
  (st.mode & access) !== 0 || ((st.mode & (access << 3)) !== 0 && st.gid !== self.gid)
const writableByOthers = (st: Stats, self: Self): boolean => openTo(st, self, 0o2)
const readableByOthers = (st: Stats, self: Self): boolean => openTo(st, self, 0o4)

function statOrNull(path: string, follow: boolean): Stats | null {
  try {
    return follow ? statSync(path) : lstatSync(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw new ConfigError(`cannot check ${path}: ${(err as Error).message}`, { cause: err })
  }
}

function currentSelf(options: PermissionOptions): Self | null {
  if ((options.platform ?? process.platform) === 'win32') return null
  const uid = options.uid ?? process.getuid?.()
  const gid = options.gid ?? process.getgid?.()
  return uid === undefined || gid === undefined ? null : { uid, gid }
}

/** Why `st` (of `path`) cannot be trusted: owned by another user, or writable by others. */
function untrusted(path: string, st: Stats, self: Self, fixMode: number): string | null {
  const { uid } = self
  if (st.uid !== uid && st.uid !== 0) {
    return `${path} belongs to uid ${st.uid}, not to you (uid ${uid}): another user could have written it. Check it, then run: chown ${uid} ${path}`
  }
  if (!st.isSymbolicLink() && writableByOthers(st, self)) {
    return `${path} is writable by other users (mode ${octal(st.mode)}): anyone on this machine could have changed it. Check it, then run: chmod ${octal(fixMode)} ${path}`
  }
  return null
}

/** The entry itself (a planted symlink belongs to whoever planted it) and what it points to. */
function refuseUntrustedFile(path: string, self: Self, fixMode: number): Stats | null {
  const link = statOrNull(path, false)
  if (link === null) return null
  const own = untrusted(path, link, self, fixMode)
  if (own !== null) throw new ConfigError(own)
  const st = link.isSymbolicLink() ? statOrNull(path, true) : link
  if (st === null) return null
  const target = untrusted(path, st, self, fixMode)
  if (target !== null) throw new ConfigError(target)
  return st
}

/** Refuses a file (a .env) that another user owns or may write; nothing to do when it is absent. */
export function refuseUntrustedRead(path: string, options: PermissionOptions = {}): void {
  const self = currentSelf(options)
  if (self !== null) refuseUntrustedFile(path, self, 0o600)
}

/** A dir of ours open to others is made 0700; one another user owns, or may write, is refused. */
function secureDir(dir: string, self: Self, tightened: string[]): void {
  const { uid } = self
  const st = statOrNull(dir, true)
  if (st === null) return
  if (st.uid !== uid && st.uid !== 0) {
    throw new ConfigError(`the config dir ${dir} belongs to uid ${st.uid}, not to you (uid ${uid}): another user controls what authdock reads from it. Use a dir of your own (LANGFLOW_CONFIG_DIR), or run: chown ${uid} ${dir}`)
  }
  if (st.uid !== uid) {
    // root's: not ours to change, and harmless unless others may write to it
    if (writableByOthers(st, self)) {
      throw new ConfigError(`the config dir ${dir} is writable by other users (mode ${octal(st.mode)}) and is not yours to change: as its owner, run: chmod 700 ${dir}`)
    }
    return
  }
  if (!writableByOthers(st, self) && !readableByOthers(st, self)) return
  chmodSync(dir, 0o700)
  const was = writableByOthers(st, self) ? 'writable' : 'readable'
  tightened.push(`the config dir ${dir} was ${was} by other users (mode ${octal(st.mode)}); it is now 700`)
}

/** A secret of ours readable by others is made 0600 (had it leaked, rotating the key is what helps). */
function secureFile(path: string, self: Self, secret: boolean, tightened: string[]): void {
  const st = refuseUntrustedFile(path, self, secret ? 0o600 : 0o644)
  if (st === null || !secret || !readableByOthers(st, self) || st.uid !== self.uid) return
  chmodSync(path, 0o600)
  tightened.push(`${path} was readable by other users (mode ${octal(st.mode)}); it is now 600`)
}

/**
 * Checks the config dir and every file authdock reads from it, before any is read: throws a
 * ConfigError for what another user owns or may write, tightens what is ours, and returns one
 * line per change made, for the log.
 */
export function secureConfigDir(dir: string, options: PermissionOptions = {}): string[] {
  const self = currentSelf(options)
  if (self === null) return []
  const tightened: string[] = []
  secureDir(dir, self, tightened)
  for (const name of SECRET_FILES) secureFile(join(dir, name), self, true, tightened)
  for (const name of PUBLIC_FILES) secureFile(join(dir, name), self, false, tightened)
  const keys = join(dir, KEYS_DIR)
  if (statOrNull(keys, true)?.isDirectory() === true) {
    secureDir(keys, self, tightened)
    for (const name of readdirSync(keys)) secureFile(join(keys, name), self, isSecretRingFile(name), tightened)
  }
  return tightened
}

/**
 * What is wrong with the config dir's modes now, without changing anything (for the checklist:
 * a chmod after start-up shows there). Empty when the dir is private and nothing is untrusted.
 */
export function configDirProblems(dir: string, options: PermissionOptions = {}): string[] {
  const self = currentSelf(options)
  if (self === null) return []
  const problems: string[] = []
  const open = (st: Stats): boolean => writableByOthers(st, self) || readableByOthers(st, self)
  const st = statOrNull(dir, true)
  if (st !== null && open(st)) problems.push(`the config dir ${dir} has mode ${octal(st.mode)}; run: chmod 700 ${dir}`)
  const check = (path: string, secret: boolean) => {
    try {
      const file = refuseUntrustedFile(path, self, secret ? 0o600 : 0o644)
      if (file !== null && secret && readableByOthers(file, self)) problems.push(`${path} is readable by other users (mode ${octal(file.mode)}); run: chmod 600 ${path}`)
    } catch (err) {
      problems.push((err as Error).message)
    }
  }
  for (const name of SECRET_FILES) check(join(dir, name), true)
  for (const name of PUBLIC_FILES) check(join(dir, name), false)
  const keys = join(dir, KEYS_DIR)
  const keysDir = statOrNull(keys, true)
  if (keysDir?.isDirectory() === true) {
    if (open(keysDir)) problems.push(`${keys} has mode ${octal(keysDir.mode)}; run: chmod 700 ${keys}`)
    for (const name of readdirSync(keys)) check(join(keys, name), isSecretRingFile(name))
  }
  return problems
}
