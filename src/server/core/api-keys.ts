// Langflow-style API keys: "sk-" + 43 random characters, shown once, stored as a SHA-256 hash
// (the key is 256 random bits, so a slow hash would add nothing but latency). Ours besides: an
// optional expiry, a cap and a creation rate per user, and revocation by admins and by the events
// that sign a user out (a password change, "sign everyone out").

import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { Audit, RequestContext } from './audit.ts'
import type { Clock } from './clock.ts'
import { parseIsoTime, secondsText, toIso } from './clock.ts'
import { AuthError } from './errors.ts'
import { createRateLimit } from './rate-limit.ts'
import type { ApiKey, ApiKeyWithUser, Page, Store, User } from './store/types.ts'

const hashKey = (key: string): string => createHash('sha256').update(key).digest('base64url')
const MAX_NAME_CHARS = 200
/** Keys one user may hold (expired ones count until deleted); far more than any real use. */
export const MAX_API_KEYS_PER_USER = 100
/** The furthest expiry a key may be given; a key for longer simply does not expire. */
export const MAX_API_KEY_LIFETIME_DAYS = 365
/** Creation per user: a burst of 10, then 3 a minute (a script making keys in a loop is stopped). */
export const API_KEY_CREATION_RATE = { capacity: 10, refillPerMinute: 3 } as const
const DAY_MS = 86_400_000

export type ApiKeyRevokeReason = 'admin' | 'password_changed' | 'sign_everyone_out'

export interface NewApiKey {
  readonly name: unknown
  readonly expiresAt: unknown
}

export function createApiKeys(deps: { store: Store; clock: Clock; audit: Audit }) {
  const { store, clock, audit } = deps
  const creations = createRateLimit(clock, API_KEY_CREATION_RATE)
  const expired = (k: ApiKey, now: number): boolean => k.expiresAt !== null && k.expiresAt <= now

  function expiryOf(value: unknown, now: number): number | null {
    if (value === undefined || value === null) return null
    const at = typeof value === 'string' && value.length <= 64 ? parseIsoTime(value) : null
    if (at === null) throw new AuthError('INVALID_INPUT', 'expires_at must be an ISO 8601 date-time, e.g. 2027-01-31T12:00:00Z')
    if (at <= now) throw new AuthError('INVALID_INPUT', 'expires_at must be in the future')
    if (at > now + MAX_API_KEY_LIFETIME_DAYS * DAY_MS) {
      throw new AuthError('INVALID_INPUT', `expires_at must be at most ${MAX_API_KEY_LIFETIME_DAYS} days ahead (leave it out for a key that does not expire)`)
    }
    return at
  }

  /** Deletes keys durably with one audit event each (in the same commit), then tells listeners. */
  function revoke(which: Parameters<Store['apiKeys']['removeWhere']>[0], reason: ApiKeyRevokeReason, context: RequestContext | undefined, by: string | null): ApiKeyWithUser[] {
    const { removed, events } = store.transaction(() => {
      const removed = store.apiKeys.removeWhere(which)
      const events = removed.map((k) =>
        audit.write({ type: 'api_key_revoked', userId: k.userId, username: k.username, context, detail: { apiKeyId: k.id, name: k.name, reason, by } }))
      return { removed, events }
    })
    for (const event of events) audit.publish(event)
    return removed
  }

  return {
    create(user: User, input: NewApiKey, context: RequestContext): { record: ApiKey; key: string } {
      const { name } = input
      if (name !== undefined && name !== null && typeof name !== 'string') throw new AuthError('INVALID_INPUT', 'name must be a string')
      if (typeof name === 'string' && name.length > MAX_NAME_CHARS) throw new AuthError('INVALID_INPUT', `name must be at most ${MAX_NAME_CHARS} characters`)
      const now = clock.now()
      const expiresAt = expiryOf(input.expiresAt, now)
      if (store.apiKeys.countOfUser(user.id) >= MAX_API_KEYS_PER_USER) {
        throw new AuthError('TOO_MANY_API_KEYS', `A user may hold at most ${MAX_API_KEYS_PER_USER} API keys; delete one you no longer use`)
      }
      // After the checks: a refused request does not use up the caller's allowance.
      const wait = creations.take(user.id)
      if (wait > 0) throw new AuthError('API_KEY_RATE_LIMITED', `Too many API keys created; try again in ${secondsText(wait)}`, { retryAfterSeconds: wait })
      const key = `sk-${randomBytes(32).toString('base64url')}`
      const record: ApiKey = {
        id: randomUUID(), userId: user.id, name: name ?? null, keyHash: hashKey(key), keyPrefix: key.slice(0, 8),
        createdAt: now, lastUsedAt: null, totalUses: 0, isActive: true, expiresAt,
      }
      store.apiKeys.insert(record)
      audit.record({ type: 'api_key_created', userId: user.id, username: user.username, context, detail: { apiKeyId: record.id, name: record.name, expiresAt: toIso(expiresAt) } })
      return { record, key }
    },
    list: (userId: string): ApiKey[] => store.apiKeys.byUser(userId),
    /** Every user's keys (or one user's), for admins: never the key, only its record. */
    listAll: (filter: { userId?: string }, page: Page) => store.apiKeys.list(filter, page),
    /** Whether a key still exists, is active and unexpired, without counting a use (long-lived streams ask this). */
    isActive: (userId: string, id: string): boolean => {
      const now = clock.now()
      return store.apiKeys.byUser(userId).some((k) => k.id === id && k.isActive && !expired(k, now))
    },
    remove(user: User, id: string, context: RequestContext): void {
      if (!store.apiKeys.remove(id, user.id)) throw new AuthError('API_KEY_NOT_FOUND', 'API Key not found')
      audit.record({ type: 'api_key_deleted', userId: user.id, username: user.username, context, detail: { apiKeyId: id } })
    },
    /** An admin revokes any user's key. */
    revokeOne(id: string, context: RequestContext, by: string): void {
      if (revoke({ id }, 'admin', context, by).length === 0) throw new AuthError('API_KEY_NOT_FOUND', 'API Key not found')
    },
    /** Revokes every key of a user (their password changed); returns how many. */
    revokeUser: (userId: string, reason: ApiKeyRevokeReason, context?: RequestContext, by: string | null = null): number =>
      revoke({ userId }, reason, context, by).length,
    /** Revokes every key of every user ("sign everyone out"); returns how many. */
    revokeAll: (reason: ApiKeyRevokeReason, context?: RequestContext, by: string | null = null): number =>
      revoke('all', reason, context, by).length,
    /** The active key's record for a presented key, counting the use; null if unknown. An expired key throws. */
    use(presented: string): ApiKey | null {
      if (presented.length > 256) return null
      const record = store.apiKeys.byHash(hashKey(presented))
      if (record === null || !record.isActive) return null
      const now = clock.now()
      if (expired(record, now)) throw new AuthError('API_KEY_EXPIRED', 'API key has expired')
      store.apiKeys.recordUse(record.id, now)
      return record
    },
  }
}

export type ApiKeys = ReturnType<typeof createApiKeys>
