// The image's start and health commands, run as the Dockerfile runs them (its CMD and HEALTHCHECK
// from the repository root, which the image copies to its WORKDIR, with its ENV) against the
// node_modules installed here: on 127.0.0.1 and a free port, with a temp config dir as the volume.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { tempDir } from '../helpers.ts'
import { startChild, withTimeout } from '../child.ts'
import { ROOT, dockerfile, execForm, finalEnv, last } from './deploy-files.ts'

// Generous: a machine shared with other tests.
const READY_TIMEOUT_MS = 60_000
const EXIT_TIMEOUT_MS = 15_000

const image = dockerfile()
const START = execForm(last(image, 'CMD')?.args ?? 'null')
const healthArgs = last(image, 'HEALTHCHECK')?.args ?? ''
const HEALTHCHECK = execForm(healthArgs.slice(healthArgs.indexOf('CMD ') + 4))

/** The container's environment: this machine's, minus any of our settings, plus the image's ENV. */
function containerEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) if (!/^(LANGFLOW|AUTHDOCK)_/.test(name)) env[name] = value
  return { ...env, ...finalEnv(image), ...overrides }
}

/** Runs the image's HEALTHCHECK command; its exit status is what Docker records. */
function healthcheck(port: string): number | null {
  const [command = '', ...args] = HEALTHCHECK
  // AUTHDOCK_HOST stays the image's 0.0.0.0: the check must find the server through loopback.
  const r = spawnSync(command, args, { cwd: ROOT, env: containerEnv({ AUTHDOCK_PORT: port }), timeout: 10_000 })
  return r.status
}

test('the image start command serves the API and console on the given host and port and exits 0 on SIGTERM', { timeout: 120_000 }, async (t) => {
  const dataDir = join(tempDir(t), 'data')
  const child = startChild(t, START, {
    cwd: ROOT,
    env: containerEnv({
      // What a test can choose that the image does not: loopback, any free port, a temp volume,
      // and the cheapest bcrypt settings.
      AUTHDOCK_HOST: '127.0.0.1',
      AUTHDOCK_PORT: '0',
      LANGFLOW_CONFIG_DIR: dataDir,
      AUTHDOCK_BCRYPT_COST: '10',
      AUTHDOCK_HASH_WORKERS: '1',
    }),
  })

  const [, url, port = ''] = await child.waitFor(/^listening on (http:\/\/127\.0\.0\.1:(\d+))$/m, READY_TIMEOUT_MS)
  assert.ok(Number(port) > 0, `a bound port in ${url}`)
  // deploy/README.md sends the operator to the container's log for the first-run setup code.
  assert.match(child.stdout(), /^no users yet: create the first superuser with setup code [A-Z0-9-]+$/m)

  const health = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(5_000) })
  assert.equal(health.status, 200)
  assert.deepEqual(await health.json(), { status: 'ok' })

  assert.ok(existsSync(join(ROOT, 'out', 'renderer', 'index.html')), 'out/renderer is missing: run `npx electron-vite build` (install.sh does) first')
  const page = await fetch(`${url}/`, { signal: AbortSignal.timeout(5_000) })
  assert.equal(page.status, 200)
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/, 'the web console at /')
  await page.arrayBuffer()

  assert.equal(healthcheck(port), 0, 'HEALTHCHECK passes while the server runs')
  // The volume holds the state: the database and the generated HS256 key.
  for (const file of ['authdock.db', 'secret_key']) assert.ok(existsSync(join(dataDir, file)), `${file} in LANGFLOW_CONFIG_DIR`)

  // What `docker stop` and the kubelet send to the container's main process.
  child.process.kill('SIGTERM')
  const { code, signal } = await withTimeout(child.exited, EXIT_TIMEOUT_MS, `exit after SIGTERM\nstderr: ${child.stderr()}`)
  assert.equal(signal, null, `exited by signal ${signal}: did the start script exec the server?\nstderr: ${child.stderr()}`)
  assert.equal(code, 0, `exit code\nstderr: ${child.stderr()}`)
  assert.notEqual(healthcheck(port), 0, 'HEALTHCHECK fails once the server is gone')
})
