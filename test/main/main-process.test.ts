// src/main/index.ts run for real in a child process, with Electron replaced by test/main's fake at
// module resolution: the embedded server, the guarded window, the tray, IPC, closing into the tray,
// a second launch, and quit-on-close (or the launcher's pipe closing) ending the process cleanly.

import assert from 'node:assert/strict'
import { fork } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { TRAY_LABELS } from '../../src/main/lifecycle.ts'
import { tempDir } from '../helpers.ts'
import type { ChildReport, ParentCommand } from './fake-electron.ts'

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main', 'index.ts')
const HOOKS = new URL('./electron-hooks.mjs', import.meta.url).href
const REGISTER = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(HOOKS)})`)}`

type Report<T extends ChildReport['type']> = Extract<ChildReport, { type: T }>

// The timeout only ends a run that waits for a report that never comes; nothing is timed.
test('the desktop main process: window, tray, IPC, close into the tray, relaunch, quit on close', { timeout: 60_000 }, async (t) => {
  const configDir = tempDir(t)
  const child = fork(MAIN, [], {
    // cwd: the config dir, so that no ./.env of the checkout leaks in.
    cwd: configDir,
    execArgv: ['--import', import.meta.resolve('tsx'), '--import', REGISTER],
    // No LANGFLOW_SUPERUSER: the first-run setup code exists and IPC hands it over.
    env: { PATH: process.env.PATH, LANGFLOW_CONFIG_DIR: configDir, AUTHDOCK_BCRYPT_COST: '10', AUTHDOCK_HASH_WORKERS: '1' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  let output = ''
  child.stdout?.on('data', (chunk) => (output += chunk))
  child.stderr?.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.after(() => void child.kill())

  const queues = new Map<string, ChildReport[]>()
  const waiting = new Map<string, (report: ChildReport) => void>()
  child.on('message', (report: ChildReport) => {
    const waiter = waiting.get(report.type)
    if (waiter) {
      waiting.delete(report.type)
      waiter(report)
    } else {
      queues.set(report.type, [...(queues.get(report.type) ?? []), report])
    }
  })
  /** The next report of `type`; fails with the child's output if it exits first. */
  function next<T extends ChildReport['type']>(type: T): Promise<Report<T>> {
    const queued = queues.get(type)?.shift()
    if (queued) return Promise.resolve(queued as Report<T>)
    return Promise.race([
      new Promise<Report<T>>((resolve) => waiting.set(type, (r) => resolve(r as Report<T>))),
      exited.then((code) => assert.fail(`main exited (${code}) while waiting for ${type}:\n${output}`)),
    ])
  }
  const command = (c: ParentCommand) => child.send(c)
  let ids = 0
  async function invoke(frameUrl: string, channel: string, ...args: unknown[]): Promise<Report<'reply'>> {
    const id = ++ids
    command({ type: 'invoke', id, frameUrl, channel, args })
    const reply = await next('reply')
    assert.equal(reply.id, id)
    return reply
  }

  const window = await next('window')
  assert.match(window.url, /^http:\/\/127\.0\.0\.1:\d+\/$/)
  assert.deepEqual(
    { ...window.webPreferences, preload: undefined },
    { preload: undefined, contextIsolation: true, nodeIntegration: false, sandbox: true, webviewTag: false },
  )
  for (const guard of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview', 'window-open', 'before-request', 'headers-received', 'permission-request', 'permission-check']) {
    assert.ok(window.guards.includes(guard), `${guard} is set before the console loads`)
  }
  const menu = await next('tray-menu')
  assert.deepEqual(menu.items.map((i) => i.label ?? i.type), [TRAY_LABELS.open, TRAY_LABELS.quitOnClose, 'separator', TRAY_LABELS.quit])

  // The server behind the window is up.
  const origin = new URL(window.url).origin
  assert.equal((await fetch(`${origin}/api/v1/setup`)).ok, true)

  const code = await invoke(origin + '/', 'setup:code')
  assert.equal(code.ok, true)
  assert.equal(typeof code.value, 'string')
  const stranger = await invoke('https://evil.example/', 'setup:code')
  assert.equal(stranger.ok, false)
  assert.match(stranger.error ?? '', /refused/)

  // Closed into the tray: the server keeps answering, and a second launch brings a new window.
  command({ type: 'close-window' })
  command({ type: 'second-instance' })
  assert.equal((await next('window')).url, window.url)
  assert.equal((await fetch(`${origin}/api/v1/setup`)).ok, true)

  // Quit on close, saved to desktop.json; the next close ends the process once the server closed.
  assert.equal((await invoke(origin + '/', 'desktop:set-quit-on-close', true)).ok, true)
  assert.equal((await next('tray-menu')).items[1]?.checked, true)
  assert.deepEqual(JSON.parse(readFileSync(join(configDir, 'desktop.json'), 'utf8')), { quitOnClose: true })
  const wal = () => readdirSync(configDir).filter((name) => name.endsWith('-wal'))
  assert.notDeepEqual(wal(), [], 'the database is open in WAL mode')
  command({ type: 'close-window' })
  assert.equal(await exited, 0, output)
  await assert.rejects(fetch(`${origin}/api/v1/setup`))
  // SQLite removes the WAL file when the last connection closes: the server closed before the exit.
  assert.deepEqual(wal(), [])
})

// `npm start` runs the app with a pipe from the launcher (scripts/start.mjs); killed outright, the
// launcher relays no signal, and the pipe closing is what makes the app quit, its server closed.
test('the desktop main process quits cleanly when the launcher\'s pipe closes', { timeout: 60_000 }, async (t) => {
  const configDir = tempDir(t)
  const child = fork(MAIN, [], {
    cwd: configDir,
    execArgv: ['--import', import.meta.resolve('tsx'), '--import', REGISTER],
    env: { PATH: process.env.PATH, LANGFLOW_CONFIG_DIR: configDir, AUTHDOCK_BCRYPT_COST: '10', AUTHDOCK_HASH_WORKERS: '1', AUTHDOCK_LAUNCHER_FD: '4' },
    // fd 3 is the test's own IPC channel with the fake Electron; fd 4 stands for the launcher's pipe.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk) => (output += chunk))
  child.stderr?.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.after(() => void child.kill())
  const window = await Promise.race([
    new Promise<Report<'window'>>((resolve) => child.on('message', (r: ChildReport) => r.type === 'window' && resolve(r))),
    exited.then((code) => assert.fail(`main exited (${code}) before opening its window:\n${output}`)),
  ])
  const origin = new URL(window.url).origin
  assert.equal((await fetch(`${origin}/api/v1/setup`)).ok, true)
  const wal = () => readdirSync(configDir).filter((name) => name.endsWith('-wal'))
  assert.notDeepEqual(wal(), [], 'the database is open in WAL mode')

  child.stdio[4]?.destroy() // what the kernel does to the pipe when the launcher dies
  assert.equal(await exited, 0, output)
  await assert.rejects(fetch(`${origin}/api/v1/setup`))
  assert.deepEqual(wal(), [], 'the server closed its database before the exit')
})
