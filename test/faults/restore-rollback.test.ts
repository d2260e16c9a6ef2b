// restore --force over a config dir that holds a database and keys: if a write fails halfway (a
// full disk), what was there comes back untouched, so the dir never names keys it does not hold.

import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { backupConfigDir, restoreConfigDir } from '../../src/server/core/backup.ts'
import { login, startServer, tempDir } from '../helpers.ts'

/** Every file under `dir` (the lock aside) with its SHA-256. */
function snapshot(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) Object.assign(out, snapshot(path, `${prefix}${name}/`))
    else if (name !== 'authdock.lock') out[prefix + name] = createHash('sha256').update(readFileSync(path)).digest('hex')
  }
  return out
}

test('a restore that fails halfway puts the old database and keys back', async (t) => {
  const from = tempDir(t)
  const source = await startServer(t, { configDir: from })
  await login(source.url)
  await source.close()
  const backupFile = join(tempDir(t), 'backup.json')
  await backupConfigDir(from, backupFile)

  // Another config dir, with its own database and keys, rotated once so it holds two key files.
  const into = tempDir(t)
  const target = await startServer(t, { configDir: into })
  await target.server.core.keys.rotate()
  await target.close()
  const before = snapshot(into)
  assert.ok(Object.keys(before).some((p) => p.startsWith('keys/')), JSON.stringify(before))

  // The full disk: writing the database (the last file restored) fails, as ENOSPC would.
  // The patch reads the pattern once and stays for this process; it matches only this dir.
  process.env.FAULTS_ENOSPC = `${into.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\.authdock\\.db\\.`
  await import('./enospc.mjs')
  assert.throws(() => restoreConfigDir(backupFile, into, { force: true }), /ENOSPC/)
  assert.deepEqual(snapshot(into), before)
  assert.deepEqual(readdirSync(into).filter((n) => n.startsWith('.before-restore')), [])
})
