// desktop.json: defaults when missing or damaged (never a crash), a round trip, and atomic writes.

import assert from 'node:assert/strict'
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import {
  DEFAULT_DESKTOP_SETTINGS,
  DESKTOP_SETTINGS_FILE,
  readDesktopSettings,
  writeDesktopSettings,
} from '../../src/main/desktop-settings.ts'
import { tempDir } from '../helpers.ts'

function read(dir: string): { settings: unknown; warnings: string[] } {
  const warnings: string[] = []
  const settings = readDesktopSettings(dir, (message) => warnings.push(message))
  return { settings, warnings }
}

test('a missing file gives the default, keep running in the tray, without a warning', (t) => {
  const { settings, warnings } = read(tempDir(t))
  assert.deepEqual(settings, { quitOnClose: false })
  assert.equal(DEFAULT_DESKTOP_SETTINGS.quitOnClose, false)
  assert.deepEqual(warnings, [])
})

test('a damaged or unreadable file gives the default and a warning naming the file', (t) => {
  const cases: Array<[string, string]> = [
    ['not JSON', '{"quitOnClose": tru'],
    ['empty', ''],
    ['an array', '[true]'],
    ['null', 'null'],
    ['a string', '"quitOnClose"'],
    ['a wrong type', '{"quitOnClose": "yes"}'],
  ]
  for (const [name, content] of cases) {
    const dir = tempDir(t)
    writeFileSync(join(dir, DESKTOP_SETTINGS_FILE), content)
    const { settings, warnings } = read(dir)
    assert.deepEqual(settings, { quitOnClose: false }, name)
    assert.equal(warnings.length, 1, name)
    assert.match(warnings[0] ?? '', /desktop\.json/, name)
  }
  const dir = tempDir(t)
  mkdirSync(join(dir, DESKTOP_SETTINGS_FILE)) // reading it fails with EISDIR, not ENOENT
  const { settings, warnings } = read(dir)
  assert.deepEqual(settings, { quitOnClose: false })
  assert.equal(warnings.length, 1)
})

test('an object without the key gives the default silently; unknown keys are ignored', (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, DESKTOP_SETTINGS_FILE), '{"somethingLater": 1}')
  assert.deepEqual(read(dir), { settings: { quitOnClose: false }, warnings: [] })
  writeFileSync(join(dir, DESKTOP_SETTINGS_FILE), '{"quitOnClose": true, "somethingLater": 1}')
  assert.deepEqual(read(dir), { settings: { quitOnClose: true }, warnings: [] })
})

test('what is written is read back', (t) => {
  const dir = tempDir(t)
  writeDesktopSettings(dir, { quitOnClose: true })
  assert.deepEqual(read(dir).settings, { quitOnClose: true })
  assert.deepEqual(JSON.parse(readFileSync(join(dir, DESKTOP_SETTINGS_FILE), 'utf8')), { quitOnClose: true })
  writeDesktopSettings(dir, { quitOnClose: false })
  assert.deepEqual(read(dir).settings, { quitOnClose: false })
})

test('a write replaces the file by renaming a new one over it, leaving no temp file', (t) => {
  const dir = tempDir(t)
  const path = join(dir, DESKTOP_SETTINGS_FILE)
  writeFileSync(path, '{"quitOnClose": false}')
  const before = statSync(path).ino
  writeDesktopSettings(dir, { quitOnClose: true })
  // Writing in place would keep the inode; a rename swaps in the temp file's.
  assert.notEqual(statSync(path).ino, before)
  assert.deepEqual(readdirSync(dir), [DESKTOP_SETTINGS_FILE])
  if (process.platform !== 'win32') assert.equal(statSync(path).mode & 0o777, 0o600)
})

test('a write into a config dir that is gone throws, for the caller to keep the old value', (t) => {
  assert.throws(() => writeDesktopSettings(join(tempDir(t), 'missing'), { quitOnClose: true }), /ENOENT/)
})
