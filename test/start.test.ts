// `npm start` without Electron's runtime: the launcher falls back to the headless server and stops cleanly.

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { startChild, withTimeout } from './child.ts'
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
