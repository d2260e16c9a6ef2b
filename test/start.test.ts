// `npm start` without Electron's runtime: the launcher falls back to the headless server and stops cleanly.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { test } from 'node:test'
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
  const child = spawn(process.execPath, [START, '--port', '0', '--config-dir', join(dir, 'config')], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stdout = capture(child.stdout)
  const stderr = capture(child.stderr)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })

  try {
    const ready = stdout.waitFor(/^listening on (http:\/\/127\.0\.0\.1:(\d+))$/m)
    const early = exited.then(({ code, signal }) => {
      throw new Error(`start.mjs exited (${code ?? signal}) before listening\nstdout: ${stdout.text()}\nstderr: ${stderr.text()}`)
    })
    const [, url, port] = await withTimeout(Promise.race([ready, early]), READY_TIMEOUT_MS, 'the listening line')
    assert.ok(url !== undefined && Number(port) > 0, `a bound port in ${url}`)

    const noticeLines = stderr.text().split('\n').filter((line) => line === NOTICE)
    assert.equal(noticeLines.length, 1, `the Electron notice once on stderr, got:\n${stderr.text()}`)

    const health = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(5_000) })
    assert.equal(health.status, 200)
    assert.deepEqual(await health.json(), { status: 'ok' })

    child.kill('SIGTERM')
    const { code, signal } = await withTimeout(exited, EXIT_TIMEOUT_MS, 'exit after SIGTERM')
    assert.equal(signal, null, `exited by signal ${signal}\nstderr: ${stderr.text()}`)
    assert.equal(code, 0, `exit code\nstderr: ${stderr.text()}`)
  } finally {
    await stop(child, exited)
  }
})

/** Collects a stream's text and lets a test wait for a pattern in it. */
function capture(stream: Readable) {
  let text = ''
  const waiters = new Set<() => void>()
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    text += chunk
    for (const check of waiters) check()
  })
  return {
    text: () => text,
    waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
      return new Promise((resolve) => {
        const check = () => {
          const match = pattern.exec(text)
          if (match === null) return
          waiters.delete(check)
          resolve(match)
        }
        waiters.add(check)
        check()
      })
    },
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Leaves nothing running: SIGTERM (which start.mjs relays to the server), then SIGKILL. */
async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  const running = () => child.exitCode === null && child.signalCode === null
  if (running()) {
    child.kill('SIGTERM')
    await withTimeout(exited, EXIT_TIMEOUT_MS, 'exit').catch(() => undefined)
  }
  if (running()) child.kill('SIGKILL')
  // The server runs in its own process group; should it outlive start.mjs, it must not keep
  // this test process alive through the pipes it shares.
  child.stdout?.destroy()
  child.stderr?.destroy()
}
