// `npm run serve` as a real process: the ready line, flags and env, the setup code, .env in the
// working dir, start-up errors, and a clean close on SIGTERM that lets in-flight requests finish.

import assert from 'node:assert/strict'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { exitCode, ready, runCli } from '../cli-process.ts'
import type { Proc } from '../cli-process.ts'
import { ADMIN, call, tempDir } from '../helpers.ts'

/** The CLI with a bare environment (PATH and HOME, a cheap bcrypt) plus `options.env`. */
function run(t: TestContext, args: string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}): Proc {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, AUTHDOCK_BCRYPT_COST: '10', AUTHDOCK_HASH_WORKERS: '1', ...options.env }
  return runCli(t, args, { env, cwd: options.cwd })
}

test('serve prints the ready line, a setup code on first run, and closes cleanly on SIGTERM', async (t) => {
  const dir = tempDir(t)
  const p = run(t, ['--port', '0', '--config-dir', dir])
  const url = await ready(p)
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
  const code = /setup code ([A-Z0-9-]+)/.exec(p.stdout())?.[1]
  assert.ok(code, 'a setup code is printed for the operator')
  assert.ok(!p.stderr().includes(code), 'the setup code is not in the log')
  const created = await call(url, 'POST', '/api/v1/setup', { json: { code, username: 'owner', password: 'owner-password' } })
  assert.equal(created.status, 201)

  // A login in flight when SIGTERM arrives still gets its answer; then the process exits 0.
  const inFlight = call(url, 'POST', '/api/v1/login', { form: { username: 'owner', password: 'owner-password' } })
  await new Promise((r) => setTimeout(r, 20))
  p.child.kill('SIGTERM')
  assert.equal((await inFlight).status, 200)
  assert.equal(await exitCode(p), 0)
  // The database was closed: SQLite checkpoints and removes its WAL file on a clean close.
  assert.ok(!existsSync(join(dir, 'authdock.db-wal')))
})

test('host, port and config dir come from AUTHDOCK_HOST, AUTHDOCK_PORT and LANGFLOW_CONFIG_DIR; SIGINT closes', async (t) => {
  const dir = tempDir(t)
  const p = run(t, [], { env: { AUTHDOCK_HOST: '127.0.0.1', AUTHDOCK_PORT: '0', LANGFLOW_CONFIG_DIR: dir, LANGFLOW_SUPERUSER: ADMIN.username, LANGFLOW_SUPERUSER_PASSWORD: ADMIN.password } })
  const url = await ready(p)
  assert.ok(existsSync(join(dir, 'authdock.db')))
  assert.doesNotMatch(p.stdout(), /setup code/, 'no setup code once a superuser exists')
  assert.equal((await call(url, 'POST', '/api/v1/login', { form: ADMIN })).status, 200)
  p.child.kill('SIGINT')
  assert.equal(await exitCode(p), 0)
})

test('a .env in the working directory is read, and set variables win over it', async (t) => {
  const cwd = tempDir(t)
  const dir = join(cwd, 'conf')
  writeFileSync(join(cwd, '.env'), `LANGFLOW_CONFIG_DIR=${dir}\nAUTHDOCK_PORT=0\nLANGFLOW_ALGORITHM=RS256\n`)
  const p = run(t, [], { cwd, env: { LANGFLOW_ALGORITHM: 'RS512' } })
  const url = await ready(p)
  // The JWKS answers once the first key is generated (the server listens before that).
  const jwks = await call(url, 'GET', '/.well-known/jwks.json')
  assert.equal(jwks.body.keys[0].alg, 'RS512')
  assert.ok(existsSync(join(dir, 'private_key.pem')))
  p.child.kill('SIGTERM')
  assert.equal(await exitCode(p), 0)
})

test('a bad variable stops start-up with exit 1 and a message naming it', async (t) => {
  const p = run(t, ['--port', '0', '--config-dir', tempDir(t)], { env: { LANGFLOW_ALGORITHM: 'HS512' } })
  assert.equal(await exitCode(p), 1)
  assert.match(p.stderr(), /LANGFLOW_ALGORITHM must be one of HS256, RS256, RS512/)
  assert.doesNotMatch(p.stdout(), /listening/)
})

test('an unknown flag is refused with the usage; --help prints it', async (t) => {
  const bad = run(t, ['--bogus'])
  assert.equal(await exitCode(bad), 1)
  assert.match(bad.stderr(), /usage: npm run serve/)
  const help = run(t, ['--help'], { env: { XDG_CONFIG_HOME: '/srv/conf' } })
  assert.equal(await exitCode(help), 0)
  assert.match(help.stdout(), /--config-dir/)
  assert.match(help.stdout(), /backup FILE[\s\S]*restore FILE/, 'the backup and restore commands')
  assert.match(help.stdout(), /here: \/srv\/conf\/authdock/, 'the config dir it would really use')
})

test('a port already in use is a clear error, not a crash', async (t) => {
  const dir = tempDir(t)
  const first = run(t, ['--port', '0', '--config-dir', dir])
  const port = new URL(await ready(first)).port
  const second = run(t, ['--port', port, '--config-dir', tempDir(t)])
  assert.equal(await exitCode(second), 1)
  assert.match(second.stderr(), /cannot listen: .*EADDRINUSE/)
  first.child.kill('SIGTERM')
  await exitCode(first)
})
