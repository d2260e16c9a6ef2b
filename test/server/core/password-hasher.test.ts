// The bcrypt worker pool: hashes verify, and on Linux its threads run at a low priority (nice 10) so
// that logins take a small share of a core the event loop needs (the figures are in bench/README.md).

import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { createPasswordHasher } from '../../../src/server/core/users/password-hasher.ts'

/** The nice value of every thread of this process (field 19 of /proc/self/task/TID/stat). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return Number(fields[16])
  })
}

test('the hash workers hash and verify, at nice 10 on Linux', async (t) => {
  const linux = process.platform === 'linux'
  const before = linux ? threadNiceValues().filter((n) => n === 10).length : 0
  const hasher = createPasswordHasher({ cost: 10, workers: 2 })
  t.after(() => hasher.close())
  const hash = await hasher.hash('a long passphrase')
  assert.equal(await hasher.verify('a long passphrase', hash), true)
  assert.equal(await hasher.verify('another passphrase', hash), false)
  if (linux) assert.ok(threadNiceValues().filter((n) => n === 10).length >= before + 1, 'a worker thread runs at nice 10')
})
