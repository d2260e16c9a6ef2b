// The event-stream slots (core/stream-slots.ts): a cap in all, a cap per user however many
// credentials they hold, and a share only superusers may take; checked by scenario and as a
// property against a plain model.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { AuthError } from '../../../src/server/core/errors.ts'
import { createStreamSlots } from '../../../src/server/core/stream-slots.ts'
import { authError } from '../../helpers.ts'

const refusal = (fn: () => unknown, limit: RegExp) =>
  assert.throws(fn, (err: unknown) => authError('TOO_MANY_STREAMS', limit)(err) && (err as AuthError).retryAfterSeconds !== undefined)

test('a normal user with many keys holds at most the per-user cap; a superuser still gets in when the unreserved slots are full', () => {
  const slots = createStreamSlots({ maxStreams: 8, maxPerUser: 3, reservedForSuperusers: 2 })
  const olga = { userId: 'olga', superuser: false }
  // Every stream of olga's counts against olga, whichever of her API keys opened it.
  for (let i = 0; i < 3; i++) slots.acquire('revocations', olga)
  refusal(() => slots.acquire('revocations', olga), /3 per user/)
  // Other ordinary users fill the unreserved slots: 8 - 2 = 6 in all.
  slots.acquire('revocations', { userId: 'pia', superuser: false })
  slots.acquire('revocations', { userId: 'pia', superuser: false })
  const last = slots.acquire('revocations', { userId: 'quin', superuser: false })
  refusal(() => slots.acquire('revocations', { userId: 'rey', superuser: false }), /6 for users who are not superusers/)
  // The reserve is the superusers'.
  const admin = { userId: 'admin', superuser: true }
  const releases = [slots.acquire('revocations', admin), slots.acquire('revocations', admin)]
  refusal(() => slots.acquire('revocations', { userId: 'bea', superuser: true }), /8 in all/)
  assert.equal(slots.open('revocations'), 8)
  // Another kind has slots of its own.
  slots.acquire('admin-events', { userId: 'rey', superuser: false })
  // A release frees the slot once, however often it is called.
  last()
  last()
  assert.equal(slots.open('revocations'), 7)
  slots.acquire('revocations', { userId: 'rey', superuser: false })
  for (const r of releases) r()
  refusal(() => slots.acquire('revocations', { userId: 'sam', superuser: false }), /not superusers/)
  slots.acquire('revocations', { userId: 'bea', superuser: true })
  assert.throws(() => createStreamSlots({ maxStreams: 2, maxPerUser: 1, reservedForSuperusers: 3 }), RangeError)
})

test('property: the slots admit exactly what the caps allow, and releases give slots back', () => {
  const holder = fc.record({ userId: fc.constantFrom('a', 'b', 'c', 'd'), superuser: fc.boolean() })
  const step = fc.oneof(fc.record({ op: fc.constant('open' as const), holder }), fc.record({ op: fc.constant('close' as const), index: fc.nat(20) }))
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.nat(6), fc.array(step, { maxLength: 60 }), (max, perUser, reserve, steps) => {
      const reserved = Math.min(reserve, max)
      const slots = createStreamSlots({ maxStreams: max, maxPerUser: perUser, reservedForSuperusers: reserved })
      const held: { userId: string; superuser: boolean; release: () => void }[] = []
      for (const s of steps) {
        if (s.op === 'close') {
          const [gone] = held.splice(s.index % Math.max(1, held.length), 1)
          gone?.release()
          continue
        }
        const ordinary = held.filter((h) => !h.superuser).length
        const mine = held.filter((h) => h.userId === s.holder.userId).length
        const allowed = held.length < max && mine < perUser && (s.holder.superuser || ordinary < max - reserved)
        let release: (() => void) | null = null
        try {
          release = slots.acquire('k', s.holder)
        } catch (err) {
          if (!(err instanceof AuthError) || err.code !== 'TOO_MANY_STREAMS') throw err
        }
        assert.equal(release !== null, allowed)
        if (release !== null) held.push({ ...s.holder, release })
        assert.equal(slots.open('k'), held.length)
      }
    }),
    { numRuns: 300, seed: 20260601 },
  )
})
