// store.batched(): work queued in one turn of the event loop commits together, each piece in its
// own savepoint, and every promise settles only after the commit (real SQLite file).

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { createSqliteStore } from '../../../src/server/core/store/sqlite/index.ts'
import { tempDir } from '../../helpers.ts'

test('batched work commits together; a piece that throws rolls back alone; promises settle after the commit', async (t) => {
  const file = join(tempDir(t), 'batch.db')
  const store = createSqliteStore(file)
  t.after(() => store.close())
  const reader = new Database(file, { readonly: true }) // a second connection sees only committed rows
  t.after(() => reader.close())
  const committed = (name: string) => reader.prepare('SELECT value FROM meta WHERE name = ?').pluck().get(name) ?? null

  const order: string[] = []
  const results = Promise.allSettled([
    store.batched(() => {
      store.meta.set('a', '1')
      order.push('a ran')
      return 'A'
    }),
    store.batched(() => {
      store.meta.set('b', '2')
      throw new Error('b fails')
    }),
    store.batched(() => {
      store.meta.set('c', '3')
      order.push('c ran')
      return 'C'
    }),
  ])
  assert.deepEqual(order, [], 'nothing runs before the current turn ends')
  assert.equal(committed('a'), null)
  const [a, b, c] = await results
  assert.deepEqual(a, { status: 'fulfilled', value: 'A' })
  assert.equal(b?.status, 'rejected')
  assert.match(String((b as PromiseRejectedResult).reason), /b fails/)
  assert.deepEqual(c, { status: 'fulfilled', value: 'C' })
  assert.deepEqual([committed('a'), committed('b'), committed('c')], ['1', null, '3'])

  // A later turn is a new batch, and sees the earlier one's rows.
  assert.equal(await store.batched(() => store.meta.get('c')), '3')
})
