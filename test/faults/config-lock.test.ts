// One server per config dir: a second is refused (it would not see the first's revocations), and
// a lock left by a server that died (SIGKILL), by a reused pid or by a torn write does not block.

import assert from 'node:assert/strict'
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { createAuthServer } from '../../src/server/index.ts'
import { ConfigError } from '../../src/server/core/errors.ts'
import { createLogger } from '../../src/server/log.ts'
import { call, login, startServer, tempDir, testEnv } from '../helpers.ts'
import { crash, exitCode, ready, serve } from './harness.ts'

test('a second server on the same config dir is refused with the first one\'s pid; the first keeps serving', async (t) => {
  const dir = tempDir(t)
  const first = serve(t, dir)
  const url = await ready(first)
  const lock = JSON.parse(readFileSync(join(dir, 'authdock.lock'), 'utf8'))
  assert.equal(lock.pid, first.child.pid)

  const second = serve(t, dir)
  assert.equal(await exitCode(second), 1)
  assert.match(second.stderr(), new RegExp(`authdock: the config dir is in use by another authdock server \\(pid ${first.child.pid}\\): stop it first`))
  assert.match(second.stderr(), /remove the lock file .*authdock\.lock/)
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: (await login(url)).access })).status, 200)

  // Within one process too (the desktop app opening the same dir twice).
  await assert.rejects(
    createAuthServer({ configDir: dir, env: testEnv(), log: createLogger(() => {}) }),
    (err: unknown) => err instanceof ConfigError && /in use by another authdock server/.test(err.message),
  )
  first.child.kill('SIGTERM')
  assert.equal(await exitCode(first), 0)
  assert.ok(!existsSync(join(dir, 'authdock.lock')), 'a clean close removes the lock')
})

test('a lock left by a SIGKILLed server does not block the next start', async (t) => {
  const dir = tempDir(t)
  for (let i = 0; i < 3; i++) {
    const p = serve(t, dir)
    const url = await ready(p)
    await login(url)
    await crash(p)
    assert.equal(JSON.parse(readFileSync(join(dir, 'authdock.lock'), 'utf8')).pid, p.child.pid, 'the dead server\'s lock is still there')
  }
  const last = serve(t, dir)
  await ready(last)
  last.child.kill('SIGTERM')
  assert.equal(await exitCode(last), 0)
})

test('a stale lock (a reused pid, an old torn write) is taken over; a fresh torn one is not', async (t) => {
  const dir = tempDir(t)
  const lockFile = join(dir, 'authdock.lock')
  // This very process holds the pid, but started at another time: a pid reused after a crash.
  writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, started: '1', purpose: 'server' }))
  const { close } = await startServer(t, { configDir: dir })
  await close()
  assert.ok(!existsSync(lockFile))

  // Empty, as a process killed between creating and writing it leaves it: stale once old.
  writeFileSync(lockFile, '')
  await assert.rejects(createAuthServer({ configDir: dir, env: testEnv(), log: createLogger(() => {}) }), /in use by another authdock process/)
  utimesSync(lockFile, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000))
  const again = await startServer(t, { configDir: dir })
  await again.close()
})
