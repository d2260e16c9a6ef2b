// Crash-safe file writes for the config dir: a reader sees the old file or the new one, never a
// torn or empty one (temp file in the same dir, fsync, rename, fsync the dir).

import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'

export function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): void {
  const dir = dirname(path)
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  // 'wx': never follow or reuse something already at the temp name.
  const fd = openSync(tmp, 'wx', mode)
  try {
    fchmodSync(fd, mode) // the umask may have narrowed or widened what open() applied
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data)
    fsyncSync(fd)
  } catch (err) {
    closeSync(fd)
    rmSync(tmp, { force: true })
    throw err
  }
  closeSync(fd)
  try {
    renameSync(tmp, path)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
  syncDir(dir)
}

/** Makes a rename or unlink in `dir` durable. Some platforms (Windows) cannot open a directory. */
export function syncDir(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    // best effort: the rename itself is atomic either way
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
