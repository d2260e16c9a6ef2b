// Device cookies on a fake clock: valid only for the user they were issued to, only unaltered,
// only for 90 days, and signed under a secret that survives a restart (kept in the meta table).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEVICE_COOKIE_TTL_SECONDS, createDeviceCookies } from '../../../src/server/core/device-cookies.ts'
import { manualClock } from '../../helpers.ts'

function memoryMeta() {
  const values = new Map<string, string>()
  return { get: (name: string) => values.get(name) ?? null, set: (name: string, value: string) => void values.set(name, value) }
}

test('a device cookie names one device of one user, unaltered, for 90 days, across restarts', () => {
  const clock = manualClock()
  const meta = memoryMeta()
  const devices = createDeviceCookies(meta, clock)
  const cookie = devices.issue('user-a')
  const id = devices.deviceOf([cookie], 'user-a')
  assert.match(id ?? '', /^[\w-]{16}$/)
  assert.notEqual(devices.deviceOf([devices.issue('user-a')], 'user-a'), id, 'a new device id at each login')
  assert.equal(devices.deviceOf([cookie], 'user-b'), null, 'worthless for another account')
  const last = cookie.at(-1) as string
  assert.equal(devices.deviceOf([`${cookie.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`], 'user-a'), null, 'altered (even in spare bits)')
  assert.equal(devices.deviceOf([cookie.replace(/\.(\d+)\./, (_, s: string) => `.${Number(s) + 1}.`)], 'user-a'), null, 'issue time altered')
  assert.equal(devices.deviceOf(['garbage', 'd1.x.1.y', cookie], 'user-a'), id, 'the valid one among planted values')
  assert.equal(createDeviceCookies(meta, clock).deviceOf([cookie], 'user-a'), id, 'the same secret after a restart')
  assert.equal(createDeviceCookies(memoryMeta(), clock).deviceOf([cookie], 'user-a'), null, 'another server\'s secret')
  clock.advance(DEVICE_COOKIE_TTL_SECONDS * 1000 + 1000)
  assert.equal(devices.deviceOf([cookie], 'user-a'), null, 'expired')
})
