// Start-up faults through the real CLI: corrupt, truncated, replaced and unreadable key files, a
// corrupt database, a read-only and a full config dir. Each: exit 1, a message naming the file,
// and every byte of the config dir as it was (never a key regenerated over one that exists).

import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import Database from 'better-sqlite3'
import { call, login, startServer, tempDir, testEnv } from '../helpers.ts'
import { baseEnv, exitCode, giveAway, ready, serve } from './harness.ts'

const ENOSPC = import.meta.resolve('./enospc.mjs')

/** Every file under `dir` (but SQLite's -wal/-shm, which come and go) → mode and hash of its bytes. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name)
      const st = statSync(path)
      if (st.isDirectory()) walk(path)
      else if (!/-(wal|shm)$/.test(name)) out[relative(dir, path)] = `${(st.mode & 0o777).toString(8)} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`
    }
  }
  walk(dir)
  return out
}

/** A config dir a server has run in and closed cleanly (users, keys, one session). */
async function usedConfigDir(t: TestContext, algorithm = 'HS256'): Promise<string> {
  const dir = tempDir(t)
  const first = await startServer(t, { configDir: dir, env: testEnv({ LANGFLOW_ALGORITHM: algorithm }) })
  await login(first.url)
  await first.close()
  return dir
}

/** Starts the CLI on `dir`, expects exit 1 with `message` on stderr and the dir unchanged. */
async function refusesToStart(t: TestContext, dir: string, message: RegExp, options: { env?: Record<string, string | undefined>; unprivileged?: boolean; imports?: string[] } = {}): Promise<string> {
  const before = snapshot(dir)
  const p = serve(t, dir, { env: options.env ?? baseEnv(), unprivileged: options.unprivileged, imports: options.imports })
  assert.equal(await exitCode(p), 1, `exit 1\nstdout: ${p.stdout()}\nstderr: ${p.stderr()}`)
  assert.match(p.stderr(), /^authdock: /m, 'a one-line error, not a stack trace')
  assert.doesNotMatch(p.stderr(), /\n\s+at /, 'no stack trace')
  assert.match(p.stderr(), message)
  assert.doesNotMatch(p.stdout(), /listening/)
  assert.deepEqual(snapshot(dir), before, 'nothing in the config dir was written, replaced or removed')
  return p.stderr()
}

const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

test('a garbage, truncated or replaced key file stops the CLI naming the file; the file is left as it was', async (t) => {
  const rs = await usedConfigDir(t, 'RS256')
  const env = baseEnv({ LANGFLOW_ALGORITHM: 'RS256' })
  const pem = join(rs, 'private_key.pem')
  const original = readFileSync(pem, 'utf8')
  writeFileSync(pem, 'garbage, not a PEM at all\n')
  await refusesToStart(t, rs, new RegExp(`key file ${escaped(pem)} is not a valid PEM private key`), { env })
  writeFileSync(pem, original.slice(0, Math.floor(original.length / 2)))
  await refusesToStart(t, rs, new RegExp(`key file ${escaped(pem)} is not a valid PEM private key`), { env })

  // A long-enough secret that is not the one the database names: truncated, or swapped for
  // another. Adopting it would log everyone out silently, or sign with a key nobody chose.
  const hs = await usedConfigDir(t)
  const secretFile = join(hs, 'secret_key')
  const secret = readFileSync(secretFile, 'utf8')
  writeFileSync(secretFile, secret.slice(0, 33))
  await refusesToStart(t, hs, new RegExp(`key file ${escaped(secretFile)} does not hold key \\S+ \\(fingerprint SHA256:[0-9a-f:]+\\) that the database names`))
  writeFileSync(secretFile, 'x'.repeat(43))
  await refusesToStart(t, hs, /does not hold key/)
  writeFileSync(secretFile, secret.slice(0, 10))
  await refusesToStart(t, hs, /secret_key holds a secret shorter than 32 characters/)

  // Put back, the same dir starts and the tokens of before still work: nothing was lost.
  writeFileSync(secretFile, secret)
  const p = serve(t, hs)
  const url = await ready(p)
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: (await login(url)).access })).status, 200)
  p.child.kill('SIGTERM')
  assert.equal(await exitCode(p), 0)
})

test('an unreadable key file (mode 000) stops the CLI naming it; it is not regenerated', async (t) => {
  for (const [alg, file] of [['HS256', 'secret_key'], ['RS256', 'private_key.pem']] as const) {
    const dir = await usedConfigDir(t, alg)
    giveAway(dir)
    chmodSync(join(dir, file), 0o000)
    await refusesToStart(t, dir, new RegExp(`key file ${escaped(join(dir, file))} cannot be read \\(EACCES\\); it was left untouched`), {
      env: baseEnv({ LANGFLOW_ALGORITHM: alg }),
      unprivileged: true,
    })
  }
  // Never used yet, so no database names it: still refused, not replaced by a new key.
  const fresh = tempDir(t)
  writeFileSync(join(fresh, 'secret_key'), 'a-secret-that-was-put-here-by-langflow-0123')
  giveAway(fresh)
  chmodSync(join(fresh, 'secret_key'), 0o000)
  const before = snapshot(fresh)
  const p = serve(t, fresh, { unprivileged: true })
  assert.equal(await exitCode(p), 1)
  assert.match(p.stderr(), /secret_key cannot be read \(EACCES\)/)
  assert.deepEqual(snapshot(fresh)['secret_key'], before['secret_key'])
})

test('a corrupt database stops the CLI naming it; database and keys are left as they were', async (t) => {
  const dir = await usedConfigDir(t)
  const db = join(dir, 'authdock.db')
  writeFileSync(db, Buffer.alloc(8192, 0x5a)) // garbage bytes where the SQLite header should be
  await refusesToStart(t, dir, new RegExp(`the database ${escaped(db)} cannot be used: file is not a database`))

  // A valid header over garbage pages: SQLite finds out at the first read of the schema.
  const torn = await usedConfigDir(t)
  const tornDb = join(torn, 'authdock.db')
  const bytes = readFileSync(tornDb)
  bytes.fill(0xa5, 100, bytes.length)
  writeFileSync(tornDb, bytes)
  await refusesToStart(t, torn, new RegExp(`the database ${escaped(tornDb)} cannot be used`))
})

test('a read-only config dir stops the CLI naming what it could not create', async (t) => {
  const empty = tempDir(t)
  giveAway(empty)
  chmodSync(empty, 0o500)
  await refusesToStart(t, empty, new RegExp(`cannot create the lock file ${escaped(join(empty, 'authdock.lock'))}: EACCES`), { unprivileged: true })

  const used = await usedConfigDir(t)
  giveAway(used)
  chmodSync(used, 0o500)
  await refusesToStart(t, used, /cannot create the lock file .*EACCES/, { unprivileged: true })
  chmodSync(used, 0o700)
})

test('a full config dir (ENOSPC injected at Node\'s file writes): a clear error, no half-written key, then a clean start', async (t) => {
  // Full from the start: the lock file is the first write.
  const dir = tempDir(t)
  const stderr = await refusesToStart(t, dir, new RegExp(`cannot write the lock file ${escaped(join(dir, 'authdock.lock'))}: ENOSPC`), {
    env: baseEnv({ FAULTS_ENOSPC: '.' }),
    imports: [ENOSPC],
  })
  assert.ok(!stderr.includes('in use'))

  // Full by the time the new key is written: the key write fails, and the database names no key.
  const env = baseEnv({ LANGFLOW_ALGORITHM: 'RS256', FAULTS_ENOSPC: '(private|public)_key\\.pem' })
  const p = serve(t, dir, { env, imports: [ENOSPC] })
  assert.equal(await exitCode(p), 1)
  assert.match(p.stderr(), new RegExp(`authdock: cannot write key file ${escaped(join(dir, 'private_key.pem'))} \\(ENOSPC\\); no key was changed`))
  assert.deepEqual(readdirSync(dir).filter((f) => !f.startsWith('authdock.db')), [], 'no key file, temp file or lock left behind')
  const db = new Database(join(dir, 'authdock.db'), { readonly: true })
  assert.equal(db.prepare('SELECT count(*) FROM signing_keys').pluck().get(), 0)
  db.close()

  // Space again: the same dir starts and makes its key.
  const again = serve(t, dir, { env: baseEnv({ LANGFLOW_ALGORITHM: 'RS256' }) })
  // The server listens while the key is generated; the JWKS answers once it exists.
  assert.equal((await call(await ready(again), 'GET', '/.well-known/jwks.json')).body.keys.length, 1)
  assert.ok(existsSync(join(dir, 'private_key.pem')))
  again.child.kill('SIGTERM')
  assert.equal(await exitCode(again), 0)
})

