// One server per config dir: a lock file holding the owner's pid. Each server keeps the live
// sessions in memory, so a second one on the same files would not see the first's revocations.
// A lock whose process is gone (SIGKILL, power loss) is stale and taken over.

import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { ConfigError } from './errors.ts'

export const LOCK_FILE = 'authdock.lock'

/** A lock file still empty or half-written after this long was left by a process that died writing it. */
const UNWRITTEN_LOCK_MS = 5_000

export interface ConfigLock {
  readonly path: string
  release(): void
}

interface Owner {
  readonly pid: number
  readonly purpose: string
  /** Linux: the process's start time in clock ticks, so a pid reused by another process is told apart. */
  readonly started: string | null
}

/** Locks held by this process, so a second server in the same process is refused too. */
const heldHere = new Set<string>()

export function acquireConfigLock(configDir: string, purpose = 'server'): ConfigLock {
  const path = join(configDir, LOCK_FILE)
  const content = JSON.stringify({ pid: process.pid, started: startTimeOf(process.pid), purpose })
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number
    try {
      fd = openSync(path, 'wx', 0o600) // O_EXCL: of two processes starting at once, one wins
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ConfigError(`cannot create the lock file ${path}: ${(err as Error).message}`, { cause: err })
      }
      breakIfStale(path)
      continue
    }
    try {
      writeSync(fd, content)
      closeSync(fd)
    } catch (err) {
      // A full disk: an empty lock left behind would block the next start for no reason.
      closeSync(fd)
      rmSync(path, { force: true })
      throw new ConfigError(`cannot write the lock file ${path}: ${(err as Error).message}`, { cause: err })
    }
    heldHere.add(path)
    let released = false
    return {
      path,
      release() {
        if (released) return
        released = true
        heldHere.delete(path)
        // Only our own lock: never one a later server took over after ours was judged stale.
        if (readText(path) === content) rmSync(path, { force: true })
      },
    }
  }
  throw new ConfigError(`cannot take the lock file ${path}: another process keeps creating it`)
}

/** Throws when the lock's owner is alive; otherwise moves the stale lock out of the way. */
function breakIfStale(path: string): void {
  const text = readText(path)
  if (text === null) return // gone meanwhile: try again
  const owner = parseOwner(text)
  if (owner === null) {
    // Empty or torn: its writer may be between open and write right now, or may have died there.
    if (Date.now() - mtimeOf(path) < UNWRITTEN_LOCK_MS) throw busy(path, null)
  } else if (heldHere.has(path) || isAlive(owner)) {
    throw busy(path, owner)
  }
  // Rename rather than delete: if two processes judge the same lock stale, only one moves the
  // stale one. The other may move the fresh lock its rival has just written: it puts that back
  // (a hard link fails rather than replace a lock written meanwhile) and gives way.
  const aside = `${path}.stale-${randomBytes(4).toString('hex')}`
  try {
    renameSync(path, aside)
  } catch {
    return
  }
  const moved = readText(aside)
  if (moved === text) {
    rmSync(aside, { force: true })
    return
  }
  try {
    linkSync(aside, path)
  } catch {
    // EEXIST: someone wrote a lock in between; theirs stands.
  }
  rmSync(aside, { force: true })
  throw busy(path, moved === null ? null : parseOwner(moved))
}

const busy = (path: string, owner: Owner | null): ConfigError =>
  new ConfigError(
    `the config dir is in use by another authdock ${owner === null ? 'process' : `${owner.purpose} (pid ${owner.pid})`}: stop it first. ` +
      `If none runs, remove the lock file ${path}`,
  )

function parseOwner(text: string): Owner | null {
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null) return null
    const { pid, started, purpose } = value as Record<string, unknown>
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return null
    return { pid, started: typeof started === 'string' ? started : null, purpose: typeof purpose === 'string' ? purpose : 'server' }
  } catch {
    return null
  }
}

function isAlive(owner: Owner): boolean {
  // Our own pid, but not held here: a previous process with the same pid (a restarted container).
  if (owner.pid === process.pid) return false
  try {
    process.kill(owner.pid, 0)
  } catch (err) {
    // EPERM: it exists, under another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const now = startTimeOf(owner.pid)
  if (now === 'zombie') return false
  return owner.started === null || now === null || now === owner.started
}

/** Field 22 of /proc/PID/stat; 'zombie' for a process that has exited; null off Linux. */
function startTimeOf(pid: number): string | null {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return null
  }
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  if (fields[0] === 'Z' || fields[0] === 'X') return 'zombie'
  return fields[19] ?? null
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}

function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs
  } catch {
    return 0
  }
}
