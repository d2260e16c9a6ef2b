// Fault-test plumbing: the headless server as a real child process (started, SIGKILLed, restarted
// on one config dir), the CLI's other subcommands, and the checks run on a config dir after a crash.

import assert from 'node:assert/strict'
import { chownSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { readMaterial } from '../../src/server/core/keys/key-files.ts'
import { loadKey } from '../../src/server/core/keys/key-material.ts'
import type { Algorithm } from '../../src/server/core/config.ts'
import { exitCode, ready, runCli as runCliProcess } from '../cli-process.ts'
import type { Proc } from '../cli-process.ts'
import { testEnv } from '../helpers.ts'

export { exitCode, ready }
export type { Proc }

export const DATABASE = 'authdock.db'

/** Root reads files whatever their mode: permission faults are tried as an unprivileged user. */
export const UNPRIVILEGED = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : null

export interface SpawnOptions {
  readonly env?: Record<string, string | undefined>
  /** Run as an unprivileged user (when the tests run as root), for permission faults. */
  readonly unprivileged?: boolean
  /** Modules loaded before the CLI (fault injection). */
  readonly imports?: readonly string[]
}

export function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  // A child gets only this environment: the test server's, plus what finds node and a home.
  return testEnv({ PATH: process.env.PATH, HOME: process.env.HOME, ...extra })
}

/** Runs `cli.ts ARGS` with the fault tests' environment (or `options.env`), maybe unprivileged. */
export function runCli(t: { after: (fn: () => void) => void }, args: readonly string[], options: SpawnOptions = {}): Proc {
  const ids = options.unprivileged && UNPRIVILEGED !== null ? UNPRIVILEGED : {}
  return runCliProcess(t, args, { env: options.env ?? baseEnv(), imports: options.imports, ...ids })
}

export function serve(t: { after: (fn: () => void) => void }, configDir: string, options: SpawnOptions = {}): Proc {
  return runCli(t, ['--port', '0', '--config-dir', configDir], options)
}

/** SIGKILL, and wait until the process is reaped (a zombie would still look alive to the lock). */
export async function crash(p: Proc): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
  await p.exited
}

/** Hands a dir tree to the unprivileged user, when the tests run as root. */
export function giveAway(path: string): void {
  if (UNPRIVILEGED === null) return
  chownSync(path, UNPRIVILEGED.uid, UNPRIVILEGED.gid)
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) giveAway(join(path, name))
}

export interface KeyRow {
  readonly kid: string
  readonly alg: Algorithm
  readonly state: string
  readonly fingerprint: string
  readonly private_file: string | null
  readonly public_file: string | null
}

/**
 * The checks after a crash, on the files alone (server dead): the database passes
 * integrity_check; every refresh family is one chain (each generation but the last used, the
 * session's generation is the last); one active key; every key in use has files that parse and
 * carry the fingerprint the database records.
 */
export function checkConfigDir(configDir: string): { keys: KeyRow[] } {
  const db = new Database(join(configDir, DATABASE), { readonly: true, fileMustExist: true })
  try {
    assert.deepEqual(db.pragma('integrity_check', { simple: false }), [{ integrity_check: 'ok' }])
    assert.deepEqual(db.pragma('foreign_key_check'), [])
    const families = db
      .prepare(`SELECT s.id, s.generation, s.revoked_at, s.revoke_reason,
          count(t.id) AS tokens, max(t.generation) AS last, min(t.generation) AS first,
          sum(t.used_at IS NULL) AS unused, sum(t.used_at IS NULL AND t.generation < s.generation) AS unused_before_last
        FROM sessions s LEFT JOIN refresh_tokens t ON t.session_id = s.id GROUP BY s.id`)
      .all() as { id: string; generation: number; revoked_at: number | null; tokens: number; last: number; first: number; unused: number; unused_before_last: number }[]
    for (const f of families) {
      const where = `session ${f.id}: ${JSON.stringify(f)}`
      assert.equal(f.first, 0, `family starts at generation 0, ${where}`)
      assert.equal(f.tokens, f.last + 1, `no gap in the family, ${where}`)
      assert.equal(f.generation, f.last, `the session is at its newest token, ${where}`)
      assert.equal(f.unused_before_last, 0, `every rotated-out token is marked used, ${where}`)
      // The newest token is unused, unless the session ended by a reuse of it.
      assert.ok(f.unused === 1 || (f.unused === 0 && f.revoked_at !== null), `exactly one live token per live family, ${where}`)
    }
    const keys = db.prepare('SELECT kid, alg, state, fingerprint, private_file, public_file FROM signing_keys').all() as KeyRow[]
    assert.equal(keys.filter((k) => k.state === 'active').length, 1, 'exactly one active key')
    for (const k of keys) {
      if (k.state === 'retired' || k.private_file === null) continue
      const material = readMaterial(configDir, k.alg === 'HS256' ? 'secret' : 'rsa', { privateFile: k.private_file, publicFile: k.public_file })
      const loaded = loadKey(k.alg, material)
      assert.equal(loaded.kid, k.kid, `${k.private_file} holds key ${k.kid}`)
      assert.equal(loaded.fingerprint, k.fingerprint)
    }
    return { keys }
  } finally {
    db.close()
  }
}
