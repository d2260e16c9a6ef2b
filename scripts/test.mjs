// `npm test`: type-check, build the Electron bundles, then run every test file under test/ with
// node's test runner. `npm test -- FILE...` runs just those files (no type-check or build).
// test/forward-auth/nginx.test.ts runs Debian's nginx: installed here first when missing.

import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve, sep } from 'node:path'

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit', shell: process.platform === 'win32' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

function testFiles(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) return testFiles(path)
      return name.endsWith('.test.ts') ? [path] : []
    })
}

const NGINX = '/usr/sbin/nginx'
const NGINX_TEST = resolve('test/forward-auth/nginx.test.ts')

/** Whether the run includes the nginx test: every test, that file, or a directory holding it. */
function needsNginx(files) {
  return files.length === 0 || files.some((f) => resolve(f) === NGINX_TEST || NGINX_TEST.startsWith(resolve(f) + sep))
}

function ensureNginx() {
  if (existsSync(NGINX)) return
  const root = process.getuid?.() === 0
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0
  if (root && apt) {
    console.log(`${NGINX} is missing: installing Debian's nginx with apt-get for ${join('test', 'forward-auth', 'nginx.test.ts')}`)
    installNginx()
  }
  if (!existsSync(NGINX)) {
    console.error(`${NGINX} is missing and could not be installed here: run \`sudo apt-get install nginx\` (nginx-light works too); test/forward-auth/nginx.test.ts fails until then.`)
  }
}

function installNginx() {
  // Installing would otherwise start a system nginx on port 80 where an init system runs:
  // policy-rc.d answering 101 ("forbidden") is Debian's way to install without starting it.
  const policy = '/usr/sbin/policy-rc.d'
  const ownPolicy = !existsSync(policy)
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 })
  try {
    const options = { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }
    for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'nginx']]) {
      const r = spawnSync('apt-get', args, options)
      if (r.status !== 0) return void process.stderr.write(`apt-get ${args.join(' ')} failed:\n${r.stdout ?? ''}${r.stderr ?? ''}`)
    }
    // Nor enabled for the next boot; systemctl edits the links even where systemd is not running.
    spawnSync('sh', ['-c', 'command -v systemctl >/dev/null && systemctl disable --quiet nginx.service'], { stdio: 'ignore' })
  } finally {
    if (ownPolicy) rmSync(policy, { force: true })
  }
}

const only = process.argv.slice(2)
if (only.length === 0) {
  run('npx', ['tsc', '--noEmit'])
  run('npx', ['electron-vite', 'build'])
}
if (needsNginx(only)) ensureNginx()
run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...(only.length > 0 ? only : testFiles('test'))])
