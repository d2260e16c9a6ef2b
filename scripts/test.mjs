// `npm test`: type-check, build (as `npm run build`), run every test file under test/ with node's
// test runner, then the console's browser tests (test/console/*.spec.ts) with Playwright.
// `npm test -- FILE...` runs just those files (no type-check or build); .spec.ts files go to
// Playwright. Debian packages the tests drive (nginx and caddy for test/forward-auth, chromium
// for the browser tests) are installed here first when missing and we may (root with apt).

import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve, sep } from 'node:path'

function run(command, args, env) {
  const result = spawnSync(command, args, { stdio: 'inherit', shell: process.platform === 'win32', env: { ...process.env, ...env } })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

function testFiles(dir, suffix) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) return testFiles(path, suffix)
      return name.endsWith(suffix) ? [path] : []
    })
}

/** Whether `files` (none: every test) include `target`, or a directory holding it. */
function includes(files, target) {
  const path = resolve(target)
  return files.length === 0 || files.some((f) => resolve(f) === path || path.startsWith(resolve(f) + sep))
}

const PACKAGES = [
  { binary: '/usr/sbin/nginx', pkg: 'nginx', neededBy: [join('test', 'forward-auth', 'nginx.test.ts')] },
  { binary: '/usr/bin/caddy', pkg: 'caddy', neededBy: [join('test', 'forward-auth', 'caddy.test.ts')] },
  // The forward-auth tests drive Chromium too (a form posted from another port).
  { binary: '/usr/bin/chromium', pkg: 'chromium', neededBy: [join('test', 'console'), join('test', 'forward-auth')] },
]

function ensurePackage({ binary, pkg, neededBy }) {
  if (existsSync(binary)) return
  const root = process.getuid?.() === 0
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0
  if (root && apt) {
    console.log(`${binary} is missing: installing Debian's ${pkg} with apt-get for ${neededBy.join(', ')}`)
    aptInstall(pkg)
  }
  if (!existsSync(binary)) {
    console.error(`${binary} is missing and could not be installed here: run \`sudo apt-get install ${pkg}\`; ${neededBy.join(', ')} fail until then.`)
  }
}

function aptInstall(pkg) {
  // Installing nginx or caddy would otherwise start a system server on port 80 where an init system runs:
  // policy-rc.d answering 101 ("forbidden") is Debian's way to install without starting it.
  const policy = '/usr/sbin/policy-rc.d'
  const ownPolicy = !existsSync(policy)
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 })
  try {
    const options = { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }
    for (const args of [['update', '-qq'], ['install', '-y', '-qq', pkg]]) {
      const r = spawnSync('apt-get', args, options)
      if (r.status !== 0) return void process.stderr.write(`apt-get ${args.join(' ')} failed:\n${r.stdout ?? ''}${r.stderr ?? ''}`)
    }
    // Nor enabled for the next boot; systemctl edits the links even where systemd is not running.
    if (pkg !== 'chromium') spawnSync('sh', ['-c', `command -v systemctl >/dev/null && systemctl disable --quiet ${pkg}.service`], { stdio: 'ignore' })
  } finally {
    if (ownPolicy) rmSync(policy, { force: true })
  }
}

const only = process.argv.slice(2)
if (only.length === 0) {
  run('npx', ['tsc', '--noEmit'])
  // npm run build: the Electron bundles and the console, and the server as plain JavaScript.
  run('npx', ['electron-vite', 'build'])
  run('npx', ['vite', 'build', '--config', 'vite.server.config.ts', '--logLevel', 'warn'])
}
for (const p of PACKAGES) if (p.neededBy.some((f) => includes(only, f))) ensurePackage(p)

// Node 20's test runner takes files, not directories: a directory given here is expanded.
const expand = (f) => (statSync(f).isDirectory() ? testFiles(f, '.test.ts') : [f])
const nodeTests = (only.length > 0 ? only.filter((f) => !f.endsWith('.spec.ts')) : ['test']).flatMap(expand)
const browserTests = only.length > 0 ? only.filter((f) => f.endsWith('.spec.ts') || includes([f], join('test', 'console'))) : ['test/console']
if (nodeTests.length > 0) run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...nodeTests])
// Playwright's own browsers are never downloaded: the config points at Debian's chromium.
if (browserTests.length > 0) run('npx', ['playwright', 'test', ...browserTests], { PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' })
