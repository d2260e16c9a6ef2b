// The server as plain JavaScript (vite.server.config.ts → out/server): it builds, starts without
// tsx, hashes passwords in its bcrypt worker, and `npm run serve` (start.mjs --serve) rebuilds it
// when a source is newer than the build. Each build here goes to its own dir under out/ (where
// node_modules resolves, as it does for out/server), removed afterwards.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { ADMIN, call, login, tempDir } from '../helpers.ts'

const ROOT = join(import.meta.dirname, '..', '..')
const START = join(ROOT, 'scripts', 'start.mjs')

// start.mjs is plain JS without types: imported by URL so tsc leaves it alone, typed here.
const launcher = (await import(new URL('../../scripts/start.mjs', import.meta.url).href)) as {
  buildServer: (stdio: 'pipe', outDir: string) => { status: number | null; stdout: string; stderr: string } | null
  serverIsStale: (outDir: string) => boolean
}

function buildDir(t: TestContext): string {
  mkdirSync(join(ROOT, 'out'), { recursive: true })
  const dir = mkdtempSync(join(ROOT, 'out', 'server-test-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function started(child: ChildProcess): Promise<{ url: string; stderr: () => string }> {
  let out = ''
  let err = ''
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d))
  return new Promise((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) resolve({ url: m[1] as string, stderr: () => err })
    })
    child.once('exit', (code) => reject(new Error(`exited ${code} before listening: ${out}${err}`)))
  })
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

function serverEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(LANGFLOW_|AUTHDOCK_)/.test(k)))
  return { ...env, AUTHDOCK_BCRYPT_COST: '10', AUTHDOCK_HASH_WORKERS: '1', LANGFLOW_SUPERUSER: ADMIN.username, LANGFLOW_SUPERUSER_PASSWORD: ADMIN.password }
}

test('the build runs without tsx: login (bcrypt worker), refresh, whoami; SIGTERM exits 0', { timeout: 120_000 }, async (t) => {
  const outDir = buildDir(t)
  const build = launcher.buildServer('pipe', outDir)
  assert.ok(build !== null, 'vite is installed (a dev dependency)')
  assert.equal(build.status, 0, `${build.stdout}${build.stderr}`)
  assert.ok(existsSync(join(outDir, 'bcrypt-worker.js')), 'the worker sits beside cli.js, where the hasher looks for it')
  const code = readFileSync(join(outDir, 'cli.js'), 'utf8')
  assert.doesNotMatch(code, /from ["']tsx/)
  assert.doesNotMatch(code, /\.ts["']/, 'no import of a TypeScript file is left')
  assert.equal(launcher.serverIsStale(outDir), false)

  const child = spawn(process.execPath, [join(outDir, 'cli.js'), '--port', '0', '--config-dir', tempDir(t)], {
    cwd: tempDir(t), // no ./.env of the checkout
    env: serverEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.after(() => child.kill('SIGKILL'))
  const { url } = await started(child)
  const tokens = await login(url)
  const refreshed = await call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: tokens.refresh } })
  assert.equal(refreshed.status, 200)
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: refreshed.body.access_token })).status, 200)
  child.kill('SIGTERM')
  assert.equal(await exited(child), 0)
})

test('a build older than any source is stale; a missing one too', { timeout: 120_000 }, async (t) => {
  const outDir = buildDir(t)
  assert.equal(launcher.serverIsStale(outDir), true, 'nothing built yet')
  const build = launcher.buildServer('pipe', outDir)
  assert.equal(build?.status, 0)
  assert.equal(launcher.serverIsStale(outDir), false)
  utimesSync(join(outDir, 'cli.js'), new Date(0), new Date(0))
  assert.equal(launcher.serverIsStale(outDir), true, 'src/server is newer than the build')
})

test('npm run serve (start.mjs --serve) starts the built server and stops on SIGTERM', { timeout: 120_000 }, async (t) => {
  const child = spawn(process.execPath, [START, '--serve', '--port', '0', '--config-dir', tempDir(t)], {
    cwd: tempDir(t),
    env: serverEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.after(() => child.kill('SIGKILL'))
  const { url, stderr } = await started(child)
  assert.equal((await call(url, 'GET', '/api/v1/health')).status, 200)
  assert.doesNotMatch(stderr(), /could not build the server/)
  assert.equal(launcher.serverIsStale(join(ROOT, 'out', 'server')), false, 'the launcher built what it ran')
  child.kill('SIGTERM')
  assert.equal(await exited(child), 0)
})
