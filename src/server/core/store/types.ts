// Domain records (camelCase, epoch ms) and the small store interfaces the core works through.

import type { Algorithm } from '../config.ts'

export interface User {
  readonly id: string
  readonly username: string
  readonly passwordHash: string
  readonly profileImage: string | null
  readonly storeApiKey: string | null
  readonly isActive: boolean
  readonly isSuperuser: boolean
  readonly createdAt: number
  readonly updatedAt: number
  readonly lastLoginAt: number | null
  readonly optins: Readonly<Record<string, unknown>>
}

export type UserChanges = { -readonly [K in keyof Pick<User, 'username' | 'passwordHash' | 'profileImage' | 'isActive' | 'isSuperuser' | 'lastLoginAt' | 'optins'>]?: User[K] }

export interface UserStore {
  insert(user: User, usernameKey: string): void
  byId(id: string): User | null
  byUsernameKey(key: string): User | null
  /** Paged, ordered by creation; `search` is a case-insensitive substring of the username. */
  list(opts: { skip: number; limit: number; search?: string }): { total: number; users: User[] }
  update(id: string, changes: UserChanges, usernameKey: string | undefined, now: number): void
  remove(id: string): boolean
  count(): number
  countActiveSuperusers(): number
}

export interface Session {
  readonly id: string
  readonly userId: string
  readonly createdAt: number
  readonly lastUsedAt: number
  readonly expiresAt: number
  readonly ip: string | null
  readonly userAgent: string | null
  readonly generation: number
  readonly revokedAt: number | null
  readonly revokeReason: string | null
}

export interface RefreshTokenRow {
  readonly id: string
  readonly sessionId: string
  readonly tokenHash: string
  readonly generation: number
  readonly issuedAt: number
  readonly expiresAt: number
  readonly issuedIp: string | null
  readonly issuedUserAgent: string | null
  readonly usedAt: number | null
  readonly reuseDetectedAt: number | null
}

export interface SessionStore {
  insert(session: Session): void
  byId(id: string): Session | null
  /** Sessions neither revoked nor expired at `now`: the in-memory live set is built from these. */
  live(now: number): Session[]
  /** Marks sessions revoked; returns the ids that were live before. */
  revoke(ids: readonly string[], reason: string, now: number): string[]
  liveIdsOfUser(userId: string, now: number): string[]
  touch(id: string, generation: number, lastUsedAt: number, expiresAt: number): void
  insertToken(row: RefreshTokenRow): void
  tokenByHash(hash: string): RefreshTokenRow | null
  tokenByGeneration(sessionId: string, generation: number): RefreshTokenRow | null
  markTokenUsed(id: string, now: number): boolean
  markReuse(id: string, now: number): void
}

export type KeyState = 'active' | 'verify-only' | 'retired'
export type KeySource = 'generated' | 'file' | 'env' | 'imported'

export interface KeyRecord {
  readonly kid: string
  readonly alg: Algorithm
  readonly state: KeyState
  readonly source: KeySource
  readonly fingerprint: string
  /** Config-dir-relative files holding the material; null for keys pinned by env. */
  readonly privateFile: string | null
  readonly publicFile: string | null
  readonly createdAt: number
  readonly activatedAt: number | null
  readonly deactivatedAt: number | null
  readonly retireAfter: number | null
  readonly retiredAt: number | null
}

export interface KeyStore {
  all(): KeyRecord[]
  insert(record: KeyRecord): void
  /** Demotes the active key (if any) to verify-only, to be retired at `retireAfter`. */
  deactivate(kid: string, now: number, retireAfter: number): void
  activate(kid: string, now: number): void
  retire(kid: string, now: number): void
}

export interface ApiKey {
  readonly id: string
  readonly userId: string
  readonly name: string | null
  readonly keyHash: string
  readonly keyPrefix: string
  readonly createdAt: number
  readonly lastUsedAt: number | null
  readonly totalUses: number
  readonly isActive: boolean
}

export interface ApiKeyStore {
  insert(key: ApiKey): void
  byHash(hash: string): ApiKey | null
  byUser(userId: string): ApiKey[]
  remove(id: string, userId: string): boolean
  recordUse(id: string, now: number): void
}

export interface AuditEvent {
  readonly id: number
  readonly at: number
  readonly type: string
  readonly userId: string | null
  readonly username: string | null
  readonly sessionId: string | null
  readonly ip: string | null
  readonly userAgent: string | null
  readonly detail: Readonly<Record<string, unknown>>
}

export type NewAuditEvent = Omit<AuditEvent, 'id'>

export interface AuditStore {
  insert(event: NewAuditEvent): number
}

export interface SettingsStore {
  all(): Record<string, string>
  set(name: string, value: string, now: number): void
}

export interface MetaStore {
  get(name: string): string | null
  set(name: string, value: string): void
}

export interface Store {
  readonly users: UserStore
  readonly sessions: SessionStore
  readonly keys: KeyStore
  readonly apiKeys: ApiKeyStore
  readonly audit: AuditStore
  readonly settings: SettingsStore
  readonly meta: MetaStore
  /** Runs `fn` in one SQLite transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T
  close(): void
}
