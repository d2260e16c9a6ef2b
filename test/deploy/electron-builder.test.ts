// electron-builder.yml without Electron's runtime: the config passes electron-builder's own schema,
// and its file patterns pack (and unpack) what the built bundles in out/ actually load.

import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { builtinModules, createRequire } from 'node:module'
import { join, relative } from 'node:path'
import { test } from 'node:test'
import { ROOT, parseYaml } from './deploy-files.ts'

const CONFIG = 'electron-builder.yml'
const BUILT = ['out/main/index.js', 'out/main/bcrypt-worker.js', 'out/preload/index.cjs', 'out/renderer/index.html']

// electron-builder's own validator and glob matcher, from the copies it uses itself.
const builderRequire = createRequire(createRequire(import.meta.url).resolve('electron-builder'))
const libRequire = createRequire(builderRequire.resolve('app-builder-lib/package.json'))
const { validateConfiguration } = libRequire('./out/util/config/config.js') as {
  validateConfiguration: (config: unknown, log: { isEnabled: boolean; add: () => void }) => Promise<void>
}
const { minimatch } = libRequire('minimatch') as { minimatch: (path: string, pattern: string, options?: { dot?: boolean }) => boolean }

interface BuilderConfig {
  readonly appId: string
  readonly productName: string
  readonly files: string[]
  readonly asar: boolean
  readonly asarUnpack: string[]
  readonly npmRebuild: boolean
  readonly linux: { target: string[] }
  readonly mac: { target: string[] }
  readonly win: { target: string[] }
}

const [config] = parseYaml(CONFIG) as [BuilderConfig]
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string> }

/** Whether `files` packs this path: the last matching pattern decides, as in electron-builder. */
function packed(path: string): boolean {
  const excludedBy = (pattern: string) => pattern.startsWith('!') && minimatch(path, pattern.slice(1), { dot: true })
  // Production dependencies are packed unless a pattern excludes them (only exclusions apply there).
  if (path.startsWith('node_modules/')) return !config.files.some(excludedBy)
  let included = false
  for (const pattern of config.files) {
    if (excludedBy(pattern)) included = false
    else if (!pattern.startsWith('!') && minimatch(path, pattern, { dot: true })) included = true
  }
  return included
}
const unpacked = (path: string): boolean => config.asarUnpack.some((pattern) => minimatch(path, pattern, { dot: true }))

function requireBuilt(): void {
  const missing = BUILT.filter((file) => !existsSync(join(ROOT, file)))
  assert.deepEqual(missing, [], 'the Electron bundles are missing: run `npx electron-vite build` first (`npm test` does)')
}

test('electron-builder.yml passes electron-builder\'s schema and targets Linux, macOS and Windows', async () => {
  await validateConfiguration(config, { isEnabled: false, add: () => undefined })
  assert.equal(config.productName, 'authdock')
  assert.match(config.appId, /^[a-z0-9-]+(\.[a-z0-9-]+)+$/)
  assert.deepEqual(config.linux.target, ['AppImage', 'deb'])
  assert.deepEqual(config.mac.target, ['dmg'])
  assert.deepEqual(config.win.target, ['nsis'])
  assert.equal(config.npmRebuild, true, 'better-sqlite3 is rebuilt for Electron\'s ABI')
  // The check above can fail: a misspelt option is refused.
  await assert.rejects(validateConfiguration({ ...config, linux: { targets: ['deb'] } }, { isEnabled: false, add: () => undefined }))
})

test('the package holds the built bundles, the entry point and the window icon', () => {
  requireBuilt()
  for (const file of [...BUILT, pkg.main, 'package.json', 'resources/icon.png']) {
    assert.ok(existsSync(join(ROOT, file)), `${file} exists`)
    assert.ok(packed(file), `${file} is packed by \`files\``)
  }
  for (const file of ['src/server/cli.ts', 'test/helpers.ts', 'deploy/Dockerfile']) assert.ok(!packed(file), `${file} stays out`)
})

test('every package the main bundles import is a packed production dependency', () => {
  requireBuilt()
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'electron'])
  const mainFiles = readdirSync(join(ROOT, 'out', 'main')).filter((f) => f.endsWith('.js'))
  const imported = new Set<string>()
  for (const file of mainFiles) {
    const source = readFileSync(join(ROOT, 'out', 'main', file), 'utf8')
    // Static imports are the first group, dynamic import() calls the second.
    for (const [, fromStatic, fromDynamic] of source.matchAll(/(?:^|\n)\s*import\s[^'"]*?["']([^"'./][^"']*)["']|\bimport\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
      const spec = fromStatic ?? fromDynamic ?? ''
      imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec))
    }
  }
  assert.ok(imported.has('better-sqlite3') && imported.has('bcryptjs'), `found the bundles' imports: ${[...imported].join(', ')}`)
  for (const name of imported) {
    if (builtins.has(name)) continue
    assert.ok(Object.hasOwn(pkg.dependencies, name), `${name} is a dependency (electron-builder packs only those)`)
    assert.ok(packed(`node_modules/${name}/package.json`), `${name} is not excluded by \`files\``)
  }
})

test('asarUnpack puts better-sqlite3\'s addon and the bcrypt worker with bcryptjs on disk', () => {
  requireBuilt()
  assert.equal(config.asar, true)
  const release = join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release')
  const addon = relative(ROOT, join(release, 'better_sqlite3.node'))
  assert.ok(existsSync(join(ROOT, addon)), `${addon} is built`)
  assert.ok(unpacked(addon), `${addon} is unpacked`)
  assert.ok(unpacked('out/main/bcrypt-worker.js'), 'the worker thread script is unpacked')
  // The worker imports bcryptjs, resolved from beside it: that package comes along.
  const bcryptEntry = relative(ROOT, createRequire(join(ROOT, 'out', 'main', 'bcrypt-worker.js')).resolve('bcryptjs'))
  assert.ok(unpacked(bcryptEntry), `${bcryptEntry} is unpacked`)
  assert.ok(!unpacked('out/main/index.js'), 'the rest stays in the archive')
})
