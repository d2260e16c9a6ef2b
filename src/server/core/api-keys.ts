// Langflow-style API keys: "sk-" + 43 random characters, shown once, stored as a SHA-256 hash
// (the key is 256 random bits, so a slow hash would add nothing but latency).

import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { Audit, RequestContext } from './audit.ts'
import type { Clock } from './clock.ts'
import { AuthError } from './errors.ts'
import type { ApiKey, Store, User } from './store/types.ts'

const hashKey = (key: string): string => createHash('sha256').update(key).digest('base64url')
const MAX_NAME_CHARS = 200

export function createApiKeys(deps: { store: Store; clock: Clock; audit: Audit }) {
  const { store, clock, audit } = deps
  return {
    create(user: User, name: unknown, context: RequestContext): { record: ApiKey; key: string } {
      if (name !== undefined && name !== null && typeof name !== 'string') throw new AuthError('INVALID_INPUT', 'name must be a string')
      if (typeof name === 'string' && name.length > MAX_NAME_CHARS) throw new AuthError('INVALID_INPUT', `name must be at most ${MAX_NAME_CHARS} characters`)
      const key = `sk-${randomBytes(32).toString('base64url')}`
      const record: ApiKey = {
        id: randomUUID(), userId: user.id, name: name ?? null, keyHash: hashKey(key), keyPrefix: key.slice(0, 8),
        createdAt: clock.now(), lastUsedAt: null, totalUses: 0, isActive: true,
      }
      store.apiKeys.insert(record)
      audit.record({ type: 'api_key_created', userId: user.id, username: user.username, context, detail: { apiKeyId: record.id, name: record.name } })
      return { record, key }
    },
    list: (userId: string): ApiKey[] => store.apiKeys.byUser(userId),
    /** Whether a key still exists and is active, without counting a use (long-lived streams ask this). */
    isActive: (userId: string, id: string): boolean => store.apiKeys.byUser(userId).some((k) => k.id === id && k.isActive),
    remove(user: User, id: string, context: RequestContext): void {
      if (!store.apiKeys.remove(id, user.id)) throw new AuthError('API_KEY_NOT_FOUND', 'API Key not found')
      audit.record({ type: 'api_key_deleted', userId: user.id, username: user.username, context, detail: { apiKeyId: id } })
    },
    /** The active key's record for a presented key, counting the use; null if unknown. */
    use(presented: string): ApiKey | null {
      if (presented.length > 256) return null
      const record = store.apiKeys.byHash(hashKey(presented))
      if (record === null || !record.isActive) return null
      store.apiKeys.recordUse(record.id, clock.now())
      return record
    },
  }
}

export type ApiKeys = ReturnType<typeof createApiKeys>
