// `npm test`: type-check, build the Electron bundles, then run every test file under test/ with
// node's test runner. `npm test -- FILE...` runs just those files (no type-check or build).

import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

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

const only = process.argv.slice(2)
if (only.length === 0) {
  run('npx', ['tsc', '--noEmit'])
  run('npx', ['electron-vite', 'build'])
}
run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...(only.length > 0 ? only : testFiles('test'))])
