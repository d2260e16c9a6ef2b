// Wires the SQLite implementations of every store over one database connection, held by one
// process at a time (config-lock.ts).

import { dirname } from 'node:path'
import { acquireConfigLock } from '../../config-lock.ts'
import type { ConfigLock } from '../../config-lock.ts'
import { openDatabase } from './database.ts'
import { createApiKeyStore } from './api-key-store.ts'
import { createAuthorizationCodeStore } from './code-store.ts'
import { createClientStore } from './client-store.ts'
import { createKeyStore } from './key-store.ts'
import { createAuditStore, createMetaStore, createSettingsStore } from './misc-stores.ts'
import { createSessionStore } from './session-store.ts'
import { createUserStore } from './user-store.ts'
import type { Store, UnreadableValue } from '../types.ts'

interface Queued {
  readonly fn: () => unknown
  resolve(value: unknown): void
  reject(err: unknown): void
}

export interface SqliteStoreOptions {
  /** Told once per row and column about a stored value that reads answer without (a warning to log). */
  readonly onUnreadable?: UnreadableValue
}

export function createSqliteStore(file: string, options: SqliteStoreOptions = {}): Store {
  const lock: ConfigLock | null = file === ':memory:' ? null : acquireConfigLock(dirname(file))
  let db: ReturnType<typeof openDatabase>
  try {
    db = openDatabase(file)
  } catch (err) {
    lock?.release()
    throw err
  }

  // Group commit: work queued during one turn of the event loop runs in one transaction, so many
  // concurrent refreshes cost one fsync between them instead of one each. Each piece runs in its
  // own savepoint (a nested better-sqlite3 transaction): one that throws rolls back alone.
  let queue: Queued[] = []
  function flush(): void {
    const batch = queue
    queue = []
    const outcomes: { ok: boolean; value: unknown }[] = []
    try {
      db.transaction(() => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: db.transaction(item.fn)() })
          } catch (err) {
            outcomes.push({ ok: false, value: err })
          }
        }
      })()
    } catch (err) {
      for (const item of batch) item.reject(err) // the commit itself failed: nothing is durable
      return
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i] as { ok: boolean; value: unknown }
      if (outcome.ok) item.resolve(outcome.value)
      else item.reject(outcome.value)
    })
  }

  const warned = new Set<string>()
  const unreadable: UnreadableValue = (where) => {
    const key = `${where.table}.${where.column}.${where.id}`
    if (warned.has(key)) return
    if (warned.size >= 10_000) warned.clear() // bounded: at worst a row is warned about again
    warned.add(key)
    options.onUnreadable?.(where)
  }

  return {
    users: createUserStore(db, unreadable),
    authorizationCodes: createAuthorizationCodeStore(db),
    sessions: createSessionStore(db),
    keys: createKeyStore(db),
    apiKeys: createApiKeyStore(db),
    clients: createClientStore(db),
    audit: createAuditStore(db, unreadable),
    settings: createSettingsStore(db),
    meta: createMetaStore(db),
    transaction: (fn) => db.transaction(fn)(),
    batched: <T>(fn: () => T) =>
      new Promise<T>((resolve, reject) => {
        queue.push({ fn, resolve: resolve as (value: unknown) => void, reject })
        if (queue.length === 1) setImmediate(flush)
      }),
    close: () => {
      if (db.open) db.close()
      lock?.release()
    },
  }
}
