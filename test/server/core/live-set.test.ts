// The compact live-session set (src/server/core/sessions/live-set.ts) against the plain Map it
// replaced: any sequence of adds, extensions, deletions and sweeps answers every lookup the same.

import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import test from 'node:test'
import fc from 'fast-check'
import { createLiveSet } from '../../../src/server/core/sessions/live-set.ts'

// A small pool, so that operations hit the same ids often; a few ids are not canonical UUIDs
// (upper case, another shape), and two differ from a canonical one only in case.
const canonical = Array.from({ length: 12 }, () => randomUUID())
const ids = [...canonical, (canonical[0] as string).toUpperCase(), 'admin', 'user-1', `${canonical[1]}x`]

type Op =
  | { kind: 'set'; sid: string; uid: string; exp: number }
  | { kind: 'extend'; sid: string; exp: number }
  | { kind: 'delete'; sid: string }
  | { kind: 'drop'; now: number }

const id = fc.constantFrom(...ids)
const time = fc.integer({ min: 0, max: 100 })
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), sid: id, uid: id, exp: time }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('extend' as const), sid: id, exp: time }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), sid: id }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), now: time }) },
)

test('answers exactly as a Map of { userId, expiresAt } does, whatever the ids', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const set = createLiveSet()
      const model = new Map<string, { userId: string; expiresAt: number }>()
      for (const o of ops) {
        if (o.kind === 'set') {
          set.set(o.sid, o.uid, o.exp)
          model.set(o.sid, { userId: o.uid, expiresAt: o.exp })
        } else if (o.kind === 'extend') {
          set.extend(o.sid, o.exp)
          const entry = model.get(o.sid)
          if (entry) entry.expiresAt = o.exp
        } else if (o.kind === 'delete') {
          set.delete(o.sid)
          model.delete(o.sid)
        } else {
          set.dropExpired(o.now)
          for (const [k, v] of model) if (v.expiresAt <= o.now) model.delete(k)
        }
        assert.equal(set.size, model.size)
      }
      for (const sid of ids) {
        for (const uid of ids) {
          const entry = model.get(sid)
          assert.equal(set.expiryOf(sid, uid), entry !== undefined && entry.userId === uid ? entry.expiresAt : null, `${sid} / ${uid}`)
        }
      }
    }),
    { numRuns: 300 },
  )
})

test('grows past many thousands of sessions, shrinks after a sweep, and finds each one', () => {
  const set = createLiveSet()
  const sessions = Array.from({ length: 50_000 }, (_, i) => ({ sid: randomUUID(), uid: randomUUID(), exp: i }))
  for (const s of sessions) set.set(s.sid, s.uid, s.exp)
  assert.equal(set.size, sessions.length)
  for (const s of sessions) assert.equal(set.expiryOf(s.sid, s.uid), s.exp)
  assert.equal(set.expiryOf((sessions[0] as { sid: string }).sid, (sessions[1] as { uid: string }).uid), null, 'another user\'s session')
  // Deleted slots sit in other sessions' probe runs: lookups must go on past them.
  for (const s of sessions.filter((_, i) => i % 3 === 0)) set.delete(s.sid)
  for (const [i, s] of sessions.entries()) assert.equal(set.expiryOf(s.sid, s.uid), i % 3 === 0 ? null : s.exp)
  for (const s of sessions.filter((_, i) => i % 3 === 0)) set.set(s.sid, s.uid, s.exp)
  set.dropExpired(49_899) // all but the last 100
  assert.equal(set.size, 100)
  for (const [i, s] of sessions.entries()) assert.equal(set.expiryOf(s.sid, s.uid), i >= 49_900 ? s.exp : null)
  for (const s of sessions.slice(0, 1000)) set.set(s.sid, s.uid, 1e6) // deleted slots reused
  assert.equal(set.size, 1100)
})
