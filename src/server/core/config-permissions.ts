// Who could have written what authdock reads at start-up, checked like ssh's StrictModes: a file
// another user owns or may write (.env, keys, the database and its journals) could make them a
// superuser, so the start is refused, naming the file and the fix. What is ours and only too open
// is tightened, and said in one log line: a config dir open to others becomes 0700, a secret
// readable by others 0600; and a dir found open is then searched for anything another user put
// there while it was. The group bits count unless the file's group is our primary group and that
// group is private to us (named as we are, no other member listed in /etc/group), as Debian's
// OpenSSH does for user private groups: a shared primary group (macOS's `staff`, a distro's
// `users`) is other users. POSIX only: Windows has no such modes (its ACLs keep a profile's
// AppData private).

import { chmodSync, closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, readdirSync, statSync } from 'node:fs'
import type { Stats } from 'node:fs'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from './errors.ts'

export interface PermissionOptions {
  readonly platform?: NodeJS.Platform
  /** The user authdock runs as; root (0) may own files too, as it can write anything anyway. */
  readonly uid?: number
  /** The primary group authdock runs as. */
  readonly gid?: number
  /** The user name authdock runs as (from the passwd database unless given). */
  readonly userName?: string
  /** Where the groups' names and members are read (tests give their own). */
  readonly groupFile?: string
}

/** Who authdock runs as; `privateGid` is the primary group when it is ours alone, else null. */
interface Self {
  readonly uid: number
  readonly privateGid: number | null
}

/** Files of the config dir that hold secrets: readable by their owner only. */
// The journal too: SQLite replays a hot rollback journal when it opens the database, before WAL
// mode is set, so a planted one could rewrite any page (a password hash, is_superuser).
const SECRET_FILES = ['.env', 'authdock.db', 'authdock.db-wal', 'authdock.db-shm', 'authdock.db-journal', 'secret_key', 'private_key.pem']
/** Files of the config dir that are read but not secret: public keys, the desktop app's and the lock's. */
const PUBLIC_FILES = ['public_key.pem', 'desktop.json', 'authdock.lock']
const KEYS_DIR = 'keys'
const isSecretRingFile = (name: string): boolean => name.endsWith('.secret') || name.endsWith('.private.pem')

const octal = (mode: number): string => (mode & 0o7777).toString(8)
/** The mode's bits for others, and for the group unless it is private to us: `access` is 0o2 (write) or 0o4 (read). */
const openTo = (st: Stats, self: Self, access: number): boolean =>
  (st.mode & access) !== 0 || ((st.mode & (access << 3)) !== 0 && st.gid !== self.privateGid)
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

/** The name and members of group `gid` in an /etc/group-format file; null when it is not there. */
function readGroup(file: string, gid: number): { name: string; members: string[] } | null {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return null
  }
  for (const line of text.split('\n')) {
    const [name, , id, members] = line.split(':')
    if (name === undefined || id === undefined || members === undefined || !/^\d+$/.test(id) || Number(id) !== gid) continue
    return { name, members: members.trim().split(',').filter((m) => m !== '') }
  }
  return null
}

function currentUserName(): string | null {
  try {
    return userInfo().username
  } catch {
    return null // a uid without a passwd entry (a container's arbitrary uid): no private group
  }
}

/** Our primary group when it is private to us: named as we are, no other member. */
function privateGroup(gid: number, options: PermissionOptions): number | null {
  const user = options.userName ?? currentUserName()
  const group = user === null ? null : readGroup(options.groupFile ?? '/etc/group', gid)
  if (group === null || group.name !== user || group.members.some((m) => m !== user)) return null
  return gid
}

function currentSelf(options: PermissionOptions): Self | null {
  if ((options.platform ?? process.platform) === 'win32') return null
  const uid = options.uid ?? process.getuid?.()
  const gid = options.gid ?? process.getgid?.()
  return uid === undefined || gid === undefined ? null : { uid, privateGid: privateGroup(gid, options) }
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

/**
 * The text of a file (a .env) unless another user owns it or may write it; null when it is absent.
 * One descriptor from open to read, so the file checked is the file read: O_NOFOLLOW refuses a
 * symlink (whoever planted it chose the target), and the checks are made on that descriptor.
 */
export function readTrustedFile(path: string, options: PermissionOptions = {}): string | null {
  const self = currentSelf(options)
  let fd: number
  try {
    // O_NONBLOCK: a FIFO planted in its place must not hang the start (no effect on a regular file)
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return null
    if (code === 'ELOOP') throw new ConfigError(`${path} is a symbolic link: authdock reads it only as a file of its own. Check where it points, then replace the link with that file`)
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`, { cause: err })
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw new ConfigError(`${path} is not a regular file: authdock reads it only as a file of its own`)
    const why = self === null ? null : untrusted(path, st, self, 0o600)
    if (why !== null) throw new ConfigError(why)
    return readFileSync(fd, 'utf8')
  } catch (err) {
    if (err instanceof ConfigError) throw err
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`, { cause: err })
  } finally {
    closeSync(fd)
  }
}

/** What another user (root excepted) owns among the entries of `dir`: what they could have put there. */
function foreignEntries(dir: string, self: Self): { path: string; uid: number }[] {
  const found: { path: string; uid: number }[] = []
  for (const name of readdirSync(dir)) {
    const st = statOrNull(join(dir, name), false)
    if (st !== null && st.uid !== self.uid && st.uid !== 0) found.push({ path: join(dir, name), uid: st.uid })
  }
  return found
}

const foreignEntryProblem = (dir: string, entry: { path: string; uid: number }, mode: number, self: Self): string =>
  `${entry.path} belongs to uid ${entry.uid}, not to you (uid ${self.uid}): another user put it in ${dir} while it was open to others (mode ${octal(mode)}). Check it, then remove it (rm -r ${entry.path}) or run: chown -R ${self.uid} ${entry.path}`

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
  // Closed first, so nothing new arrives while it is searched: any file, not only those read
  // by name, since SQLite opens side files (a journal) of its own.
  const [foreign] = foreignEntries(dir, self)
  if (foreign !== undefined) throw new ConfigError(`${foreignEntryProblem(dir, foreign, st.mode, self)} (${dir} is now 700)`)
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
  const openDir = (path: string, st: Stats | null): void => {
    if (st === null || !open(st)) return
    problems.push(`${path === dir ? `the config dir ${dir}` : path} has mode ${octal(st.mode)}; run: chmod 700 ${path}`)
    for (const entry of foreignEntries(path, self)) problems.push(foreignEntryProblem(path, entry, st.mode, self))
  }
  openDir(dir, statOrNull(dir, true))
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
    openDir(keys, keysDir)
    for (const name of readdirSync(keys)) check(join(keys, name), isSecretRingFile(name))
  }
  return problems
}
