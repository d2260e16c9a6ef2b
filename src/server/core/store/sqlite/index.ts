// Wires the SQLite implementations of every store over one database connection.

import { openDatabase } from './database.ts'
import { createApiKeyStore } from './api-key-store.ts'
import { createKeyStore } from './key-store.ts'
import { createAuditStore, createMetaStore, createSettingsStore } from './misc-stores.ts'
import { createSessionStore } from './session-store.ts'
import { createUserStore } from './user-store.ts'
import type { Store } from '../types.ts'

export function createSqliteStore(file: string): Store {
  const db = openDatabase(file)
  return {
    users: createUserStore(db),
    sessions: createSessionStore(db),
    keys: createKeyStore(db),
    apiKeys: createApiKeyStore(db),
    audit: createAuditStore(db),
    settings: createSettingsStore(db),
    meta: createMetaStore(db),
    transaction: (fn) => db.transaction(fn)(),
    close: () => {
      if (db.open) db.close()
    },
  }
}
