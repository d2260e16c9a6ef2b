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
  /** null: Langflow's "none", or a stored value that could not be read (see stored-json.ts). */
  readonly optins: Readonly<Record<string, unknown>> | null
  /** Local part as given, domain in lower case (users/profile.ts); unique case-insensitively. */
  readonly email: string | null
  /** True when an admin set the email (they vouch for it); false while none is set. */
  readonly emailVerified: boolean
  /** The full name (OIDC's `name`). */
  readonly fullName: string | null
}

export type UserChanges = { -readonly [K in keyof Pick<User, 'username' | 'passwordHash' | 'profileImage' | 'isActive' | 'isSuperuser' | 'lastLoginAt' | 'optins' | 'email' | 'emailVerified' | 'fullName'>]?: User[K] }

export interface UserStore {
  insert(user: User, usernameKey: string): void
  byId(id: string): User | null
  byUsernameKey(key: string): User | null
  /** The user holding this email key (users/profile.ts emailKey), if any. */
  byEmailKey(key: string): User | null
  /** The groups an admin assigned to a user, sorted. */
  groupsOf(userId: string): string[]
  /** Replaces a user's groups. */
  setGroups(userId: string, groups: readonly string[]): void
  /** Paged, ordered by creation; `search` is a case-insensitive substring of the username. */
  list(opts: { skip: number; limit: number; search?: string }): { total: number; users: User[] }
  update(id: string, changes: UserChanges, usernameKey: string | undefined, now: number): void
  remove(id: string): boolean
  count(): number
  countActiveSuperusers(): number
  counts(): { total: number; active: number; superusers: number }
  /** Every user's id, username and stored key: for recomputing keys when their rule changes. */
  usernameKeys(): { id: string; username: string; key: string }[]
  setUsernameKey(id: string, key: string): void
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
  /** The key that signed the session's latest access token, and when that token expires. */
  readonly accessKid: string | null
  readonly accessExpiresAt: number | null
  /** The OAuth client the session was issued to; null for Langflow's password API and the console. */
  readonly clientId: string | null
}

export type SessionState = 'active' | 'revoked' | 'expired'

export interface SessionFilter {
  readonly userId?: string
  /** Sessions issued to this OAuth client. */
  readonly clientId?: string
  /** Omitted: every state. */
  readonly state?: SessionState
  readonly createdSince?: number
}

export interface SessionWithUser extends Session {
  readonly username: string
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
  /** A hash of the address and user agent that used (rotated) it: only they get a grace answer. */
  readonly usedFingerprint: string | null
}

/** A used refresh token presented again inside the grace window and answered with its child. */
export interface GraceAnswer {
  readonly tokenId: string
  readonly at: number
  readonly ip: string | null
  readonly userAgent: string | null
}

export interface SessionStore {
  insert(session: Session): void
  byId(id: string): Session | null
  /** Sessions neither revoked nor expired at `now`, streamed, with only what the in-memory live set keeps. */
  live(now: number): Iterable<Pick<Session, 'id' | 'userId' | 'expiresAt'>>
  /** Marks sessions revoked; returns the ids that were live before. */
  revoke(ids: readonly string[], reason: string, now: number): string[]
  liveIdsOfUser(userId: string, now: number): string[]
  liveIdsOfClient(clientId: string, now: number): string[]
  touch(id: string, change: { generation: number; lastUsedAt: number; expiresAt: number; accessKid: string; accessExpiresAt: number }): void
  /** Newest first. */
  list(filter: SessionFilter, page: Page, now: number): { total: number; sessions: SessionWithUser[] }
  counts(now: number): Record<SessionState, number>
  liveIds(now: number): string[]
  /** Live sessions per kid of their latest access token. */
  liveCountByKid(now: number): Record<string, number>
  /** Ids of revoked sessions whose latest access token has not expired at `now` (deleted users' too). */
  revokedWithLiveTokens(now: number): string[]
  forgetExpiredRevocations(now: number): number
  /** A session's refresh-token family, oldest first. */
  tokensOf(sessionId: string): RefreshTokenRow[]
  insertToken(row: RefreshTokenRow): void
  tokenByHash(hash: string): RefreshTokenRow | null
  tokenByGeneration(sessionId: string, generation: number): RefreshTokenRow | null
  /** Compare-and-set: false when it was already used. */
  markTokenUsed(id: string, now: number, fingerprint: string): boolean
  markReuse(id: string, now: number): void
  insertGraceAnswer(answer: GraceAnswer): void
  /** The grace answers of a session's refresh tokens, oldest first. */
  graceAnswersOf(sessionId: string): GraceAnswer[]
  /** Stores the SHA-256 of a session's console binding (sessions/binding.ts); only while it has none. */
  setBindingHash(sessionId: string, hash: string): boolean
  /** The session's binding hash; null for a session created without one (or unknown). */
  bindingHashOf(sessionId: string): string | null
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
  /** Epoch ms after which the key is refused; null for a key that does not expire (Langflow's). */
  readonly expiresAt: number | null
}

export interface ApiKeyWithUser extends ApiKey {
  readonly username: string
}

export interface ApiKeyStore {
  insert(key: ApiKey): void
  byHash(hash: string): ApiKey | null
  byUser(userId: string): ApiKey[]
  countOfUser(userId: string): number
  /** Every user's keys, or one user's, oldest first. */
  list(filter: { userId?: string }, page: Page): { total: number; keys: ApiKeyWithUser[] }
  remove(id: string, userId: string): boolean
  /** Deletes keys (one by id, one user's, or every key) and returns what was deleted. */
  removeWhere(which: { id: string } | { userId: string } | 'all'): ApiKeyWithUser[]
  recordUse(id: string, now: number): void
}

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none'
export type ClientGrantType = 'authorization_code' | 'refresh_token' | 'password'

/** A registered OAuth client; a public one (auth method `none`) has no secret. */
export interface OAuthClient {
  readonly id: string
  readonly name: string
  /** SHA-256 (hex) of the secret; null for a public client. */
  readonly secretHash: string | null
  readonly redirectUris: readonly string[]
  readonly postLogoutRedirectUris: readonly string[]
  readonly grantTypes: readonly ClientGrantType[]
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod
  /** Space-separated scope values. */
  readonly scope: string
  readonly backchannelLogoutUri: string | null
  readonly backchannelLogoutSessionRequired: boolean
  /** An admin allowed a back-channel URI on a private network for this client. */
  readonly allowPrivateBackchannel: boolean
  /** Trusted: signs in without a consent page. */
  readonly firstParty: boolean
  readonly createdAt: number
  readonly updatedAt: number
  readonly secretRotatedAt: number | null
}

export interface ClientStore {
  insert(client: OAuthClient): void
  byId(id: string): OAuthClient | null
  /** Oldest first. */
  list(): OAuthClient[]
  /** Replaces every field of a stored client; false when there is none with its id. */
  replace(client: OAuthClient): boolean
  remove(id: string): boolean
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

export interface Page {
  readonly skip: number
  readonly limit: number
}

export interface AuditFilter {
  readonly types?: readonly string[]
  readonly userId?: string
  readonly since?: number
  readonly until?: number
  /** A case-insensitive substring of the username, type, address, agent, session or detail. */
  readonly text?: string
}

export interface AuditStore {
  insert(event: NewAuditEvent): number
  /** Newest first. */
  query(filter: AuditFilter, page: Page): { total: number; events: AuditEvent[] }
  /** Newest first, ids below `beforeId` (keyset paging for exports: no cursor stays open). */
  before(filter: AuditFilter, beforeId: number, limit: number): AuditEvent[]
  /** Events after `id`, oldest first, at most `limit` (reconnecting event streams). */
  after(id: number, limit: number): AuditEvent[]
  lastId(): number
  count(filter: AuditFilter): number
  /** Counts per hour bucket (epoch ms of the hour) and type, from `since` on. */
  hourly(types: readonly string[], since: number): { hour: number; type: string; count: number }[]
  /** Deletes at most `limit` events older than `before`; returns how many went. */
  deleteBefore(before: number, limit: number): number
}

export interface SettingsStore {
  all(): Record<string, string>
  set(name: string, value: string, now: number): void
}

export interface MetaStore {
  get(name: string): string | null
  set(name: string, value: string): void
}

/** Told about a stored value a read could not render and answered without (see stored-json.ts). */
export type UnreadableValue = (where: { table: string; column: string; id: string; reason: string }) => void

/** An authorization code as stored: never the code itself, only its hash. */
export interface AuthorizationCode {
  readonly codeHash: string
  readonly clientId: string
  readonly redirectUri: string
  readonly codeChallenge: string
  readonly nonce: string | null
  readonly userId: string
  readonly scope: string
  /** When the user authenticated (epoch ms): the ID token's auth_time. */
  readonly authTime: number
  /** How (RFC 8176 method names). */
  readonly amr: readonly string[]
  readonly createdAt: number
  readonly expiresAt: number
  readonly usedAt: number | null
  /** The session its exchange created; null until then. */
  readonly sessionId: string | null
}

export interface AuthorizationCodeStore {
  insert(code: Omit<AuthorizationCode, 'usedAt' | 'sessionId'>): void
  byHash(codeHash: string): AuthorizationCode | null
  /** Marks the code used if it was not: true for the one caller that did. */
  markUsed(codeHash: string, at: number): boolean
  attachSession(codeHash: string, sessionId: string): void
  /** Deletes codes that expired before `before`; the number deleted. */
  deleteExpired(before: number): number
}

export interface Store {
  readonly users: UserStore
  readonly authorizationCodes: AuthorizationCodeStore
  readonly sessions: SessionStore
  readonly keys: KeyStore
  readonly apiKeys: ApiKeyStore
  readonly clients: ClientStore
  readonly audit: AuditStore
  readonly settings: SettingsStore
  readonly meta: MetaStore
  /** Runs `fn` in one SQLite transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T
  /**
   * Runs `fn` in a transaction shared with the other work queued in the same turn of the event
   * loop (group commit: one fsync for all); resolves once that transaction has committed.
   */
  batched<T>(fn: () => T): Promise<T>
  close(): void
}
