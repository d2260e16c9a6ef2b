// `npm start` without Electron's runtime: the launcher falls back to the headless server and stops
// cleanly; and a launcher killed outright (no signal to relay) leaves no server behind.

import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { test } from 'node:test'
import { startChild, withTimeout } from './child.ts'
import { ready, runCli } from './cli-process.ts'
import { tempDir } from './helpers.ts'

const ROOT = join(import.meta.dirname, '..')
const START = join(ROOT, 'scripts', 'start.mjs')
const NOTICE = "authdock: Electron's runtime is not installed on this machine; starting the headless server with the web console instead."
// Generous: the launcher may first rebuild the web console (a few seconds on a slow machine).
const READY_TIMEOUT_MS = 60_000
const EXIT_TIMEOUT_MS = 15_000

// start.mjs is plain JS without types: imported by URL so tsc leaves it alone, typed here.
const { electronBinary } = (await import(new URL('../scripts/start.mjs', import.meta.url).href)) as {
  electronBinary: () => string | null
}

test('npm start without Electron runs the headless server and exits 0 on SIGTERM', { timeout: 120_000 }, async (t) => {
  const electron = electronBinary()
  if (electron !== null) {
    t.skip(`Electron's runtime is installed (${electron}): npm start would open the desktop app, not the headless server`)
    return
  }
  const dir = tempDir(t)
  const env: Record<string, string | undefined> = { ...process.env, AUTHDOCK_BCRYPT_COST: '10' }
  delete env.LANGFLOW_SUPERUSER
  delete env.LANGFLOW_SUPERUSER_PASSWORD
  // A fresh working dir too, so that no ./.env of the checkout leaks settings in.
  const child = startChild(t, [process.execPath, START, '--port', '0', '--config-dir', join(dir, 'config')], { cwd: dir, env })
  const [, url, port] = await child.waitFor(/^listening on (http:\/\/127\.0\.0\.1:(\d+))$/m, READY_TIMEOUT_MS)
  assert.ok(url !== undefined && Number(port) > 0, `a bound port in ${url}`)

  const noticeLines = child.stderr().split('\n').filter((line) => line === NOTICE)
  assert.equal(noticeLines.length, 1, `the Electron notice once on stderr, got:\n${child.stderr()}`)

  const health = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(5_000) })
  assert.equal(health.status, 200)
  assert.deepEqual(await health.json(), { status: 'ok' })

  // start.mjs relays SIGTERM to the server, which closes and exits 0; so does start.mjs.
  child.process.kill('SIGTERM')
  const { code, signal } = await withTimeout(child.exited, EXIT_TIMEOUT_MS, 'exit after SIGTERM')
  assert.equal(signal, null, `exited by signal ${signal}\nstderr: ${child.stderr()}`)
  assert.equal(code, 0, `exit code\nstderr: ${child.stderr()}`)
})

/** Whether `pid` has exited: gone, or a zombie nobody reaped yet (a container's init may never reap it). */
function hasExited(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return true
  }
  try {
    // /proc/PID/stat: "PID (COMM) STATE ..."; Z is a zombie.
    return / Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)/, ')'))
  } catch {
    return false
  }
}

/** Resolves once `check()` holds, polled; rejects after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Whether something accepts connections on the port. */
const portAnswers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })

// The shutdown the issue asks for: the server closes within 3 s of its launcher's death.
const SHUTDOWN_BOUND_MS = 3_000

test('npm run serve: a launcher killed outright (SIGKILL) leaves no server: it closes, freeing the port and the config dir', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t)
  const configDir = join(dir, 'config')
  const env: Record<string, string | undefined> = { ...process.env, AUTHDOCK_BCRYPT_COST: '10' }
  delete env.LANGFLOW_SUPERUSER
  delete env.LANGFLOW_SUPERUSER_PASSWORD
  const launcher = startChild(t, [process.execPath, START, '--serve', '--port', '0', '--config-dir', configDir], { cwd: dir, env })
  const [, url, port] = await launcher.waitFor(/^listening on (http:\/\/127\.0\.0\.1:(\d+))$/m, READY_TIMEOUT_MS)
  const lockFile = join(configDir, 'authdock.lock')
  const serverPid = (JSON.parse(readFileSync(lockFile, 'utf8')) as { pid: number }).pid
  assert.notEqual(serverPid, launcher.process.pid, 'the server runs as the launcher\'s child')
  // In a process group of its own: startChild's clean-up of the launcher's group would miss it.
  t.after(() => {
    if (!hasExited(serverPid)) process.kill(serverPid, 'SIGKILL')
  })
  assert.equal((await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(5_000) })).status, 200)

  const killedAt = Date.now()
  launcher.process.kill('SIGKILL')
  assert.equal((await withTimeout(launcher.exited, EXIT_TIMEOUT_MS, 'the launcher to die')).signal, 'SIGKILL')
  // A clean close removes the lock file; the process then exits by itself.
  await until(() => !existsSync(lockFile) && hasExited(serverPid), EXIT_TIMEOUT_MS, `the server (pid ${serverPid}) to close\nstderr: ${launcher.stderr()}`)
  const shutdownMs = Date.now() - killedAt
  t.diagnostic(`the server closed ${shutdownMs} ms after its launcher was killed`)
  assert.ok(shutdownMs <= SHUTDOWN_BOUND_MS, `closed ${shutdownMs} ms after the kill`)
  assert.match(launcher.stderr(), /^launcher gone: closing$/m)
  assert.equal(await portAnswers(Number(port)), false, 'the port is free')

  // The config dir and the port are free for the next server.
  const next = runCli(t, ['--port', port as string, '--config-dir', configDir], { env: { ...env, AUTHDOCK_LAUNCHER_FD: undefined }, cwd: dir })
  await ready(next)
  next.child.kill('SIGTERM')
  assert.equal(await withTimeout(next.exited, EXIT_TIMEOUT_MS, 'the next server to stop'), 0)
})
