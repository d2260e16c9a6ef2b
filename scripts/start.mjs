// `npm start`: the desktop app when Electron's runtime is installed, else the headless auth server
// with the web console. Arguments after `--` go to the app (e.g. `npm start -- --port 0`).
// `npm run serve` (`start.mjs --serve`): the headless server only. The server runs as JavaScript
// from out/server (vite.server.config.ts), rebuilt first when src/ is newer: through tsx it
// started about twice as slowly (bench/README.md). `npm run serve:dev` runs the source with tsx.

import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { constants } from 'node:os'
import { dirname, join, resolve } from 'node:path'

const root = join(import.meta.dirname, '..')
const require = createRequire(import.meta.url)
const BUILD_TIMEOUT_MS = 180_000
const SERVER_OUT = join(root, 'out', 'server')

const HEADLESS_NOTICE =
  "authdock: Electron's runtime is not installed on this machine; starting the headless server with the web console instead."

/**
 * The Electron executable if it is on disk, else null. Mirrors how node_modules/electron/index.js
 * finds it (path.txt names the executable inside dist/, ELECTRON_OVERRIDE_DIST_PATH replaces
 * dist/) without ever loading that file: since Electron 45 there is no postinstall, and
 * `require('electron')` downloads the binary on first use, which fails or stalls offline.
 */
export function electronBinary() {
  let dir
  try {
    dir = dirname(require.resolve('electron/package.json'))
  } catch {
    return null // not installed at all, e.g. `npm install --omit=dev`
  }
  const pathFile = join(dir, 'path.txt')
  const executable = existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : undefined
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH
  let binary = null
  if (override) binary = join(override, executable || 'electron')
  else if (executable) binary = join(dir, 'dist', executable)
  return binary !== null && existsSync(binary) ? binary : null
}

/** `electron-vite build` (main, preload, renderer into out/); needs no Electron binary. */
function build(stdio) {
  const pkg = require.resolve('electron-vite/package.json')
  const bin = join(dirname(pkg), JSON.parse(readFileSync(pkg, 'utf8')).bin['electron-vite'])
  // electron-vite finds its config and src/ from the working dir.
  return spawnSync(process.execPath, [bin, 'build'], { cwd: root, stdio, timeout: BUILD_TIMEOUT_MS, encoding: 'utf8' })
}

/** `vite build` of the headless server into `outDir` (about 1 s); null when vite (a dev dependency) is not installed. */
export function buildServer(stdio, outDir = SERVER_OUT) {
  let bin
  try {
    const pkg = require.resolve('vite/package.json')
    bin = join(dirname(pkg), JSON.parse(readFileSync(pkg, 'utf8')).bin.vite)
  } catch {
    return null
  }
  const args = [bin, 'build', '--config', join(root, 'vite.server.config.ts'), '--outDir', outDir, '--logLevel', 'warn']
  return spawnSync(process.execPath, args, { cwd: root, stdio, timeout: BUILD_TIMEOUT_MS, encoding: 'utf8' })
}

/** Whether the server build in `outDir` is missing or older than anything it is built from. */
export function serverIsStale(outDir = SERVER_OUT) {
  const built = join(outDir, 'cli.js')
  if (!existsSync(built)) return true
  const builtAt = statSync(built).mtimeMs
  const sources = ['src/server', 'src/shared', 'vite.server.config.ts', 'package-lock.json']
  return sources.some((source) => newestChange(join(root, source)) > builtAt)
}

/**
 * Node's arguments that run the headless server: out/server/cli.js, built first if stale. When it
 * cannot be built (no vite with `npm install --omit=dev`, or a build error), the source through tsx.
 */
export function serverCommand() {
  if (serverIsStale()) {
    const result = buildServer('pipe')
    if (result === null || result.status !== 0) {
      if (result !== null) process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`)
      const why = result === null ? 'vite is not installed' : (result.error?.message ?? `exit ${result.status}`)
      process.stderr.write(`authdock: could not build the server (${why}); running it from source with tsx, which starts more slowly.\n`)
      return ['--import', import.meta.resolve('tsx'), join(root, 'src', 'server', 'cli.ts')]
    }
  }
  return [join(SERVER_OUT, 'cli.js')]
}

/** Whether out/renderer is missing or older than anything it is built from. */
function consoleIsStale() {
  const built = join(root, 'out', 'renderer', 'index.html')
  if (!existsSync(built)) return true
  const builtAt = statSync(built).mtimeMs
  const sources = ['src/renderer', 'src/shared', 'electron.vite.config.ts', 'package-lock.json']
  return sources.some((source) => newestChange(join(root, source)) > builtAt)
}

function newestChange(path) {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))))
}

// The child's fd 3: a pipe it watches (src/server/launcher-pipe.ts, which names the variable).
const LAUNCHER_FD = 3

/**
 * Runs the app as a child, relays termination signals to it, and exits with its exit code. Should
 * this script be killed outright (SIGKILL, the OOM killer), no signal can be relayed: the child
 * then sees the pipe on its fd 3 close and stops by itself.
 */
function runAndForward(command, commandArgs, env = process.env) {
  // On POSIX the child gets its own process group, so that a terminal's Ctrl-C reaches it once,
  // relayed by us, rather than straight from the terminal and then again from us: the server
  // takes a second SIGINT as "stop now" and would skip closing its database.
  const child = spawn(command, commandArgs, {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    env: { ...env, AUTHDOCK_LAUNCHER_FD: String(LAUNCHER_FD) },
    detached: process.platform !== 'win32',
  })
  const relayedAt = new Map()
  for (const [signal, relayed] of [['SIGINT', 'SIGINT'], ['SIGTERM', 'SIGTERM'], ['SIGHUP', 'SIGTERM']]) {
    process.on(signal, () => {
      // Under `npm start` one Ctrl-C arrives twice (from the terminal and relayed by npm): pass
      // on one per second, so a second press later still forces the child to stop.
      const now = Date.now()
      if (now - (relayedAt.get(relayed) ?? -Infinity) < 1000) return
      relayedAt.set(relayed, now)
      if (child.exitCode === null && child.signalCode === null) child.kill(relayed)
    })
  }
  // Should this script die of an error, it does not leave the app running in its own group.
  process.on('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  })
  child.on('error', (err) => {
    process.stderr.write(`authdock: cannot start ${command}: ${err.message}\n`)
    process.exit(1)
  })
  child.on('exit', (code, signal) => {
    process.exit(code ?? 128 + (constants.signals[signal] ?? 0))
  })
}

function main() {
  const args = process.argv.slice(2)
  // Absolute paths (serverCommand), so that `node scripts/start.mjs` works from any dir while
  // ./.env and a relative --config-dir still mean the caller's working dir.
  if (args[0] === '--serve') return runAndForward(process.execPath, [...serverCommand(), ...args.slice(1)])
  const electron = electronBinary()
  if (electron !== null) {
    const result = build('inherit')
    if (result.status !== 0) process.exit(result.status ?? 1)
    // Inherited from a parent tool, this would make Electron behave as plain Node.js.
    const env = { ...process.env }
    delete env.ELECTRON_RUN_AS_NODE
    // The project dir: Electron runs package.json's "main" (out/main/index.js).
    runAndForward(electron, [root, ...args], env)
    return
  }
  process.stderr.write(`${HEADLESS_NOTICE}\n`)
  // The server serves out/renderer at `/` when it exists; build it only when out of date (about
  // 2 s). Quiet unless it fails, and a failure only costs the web page: the API still starts.
  if (consoleIsStale()) {
    const result = build('pipe')
    if (result.status !== 0) {
      process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`)
      process.stderr.write(`authdock: could not build the web console (${result.error?.message ?? `exit ${result.status}`}); the API starts without it.\n`)
    }
  }
  runAndForward(process.execPath, [...serverCommand(), ...args])
}

// Run, unless imported (test/start.test.ts asks electronBinary() whether it can run at all).
if (process.argv[1] !== undefined && resolve(process.argv[1]) === import.meta.filename) main()
