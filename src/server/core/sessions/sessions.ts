// Sessions and their refresh-token families: login creates one, refresh rotates inside it, and
// revocation reaches access tokens already issued through the in-memory live set (live-set.ts,
// O(1) a request).

import { randomUUID } from 'node:crypto'
import type { Audit, RequestContext } from '../audit.ts'
import type { Clock } from '../clock.ts'
import { REFRESH_GRACE_MAX_SECONDS } from '../config.ts'
import { AuthError } from '../errors.ts'
import type { AccessTokens } from '../tokens/access-tokens.ts'
import type { LoadedKey } from '../keys/key-material.ts'
import type { GraceAnswer, Page, RefreshTokenRow, Session, SessionFilter, Store, User } from '../store/types.ts'
import { bindingHash, bindingMatches } from './binding.ts'
import { graceVerdict } from './grace-window.ts'
import { createLiveSet } from './live-set.ts'
import { createRefreshTokenFactory } from './refresh-tokens.ts'

export interface SessionSettings {
  accessTtlSeconds(): number
  refreshTtlSeconds(): number
  refreshGraceSeconds(): number
}

export interface TokenPair {
  readonly accessToken: string
  readonly refreshToken: string
  readonly session: Session
  readonly user: User
}

export type RevokeReason = 'logout' | 'refresh_reuse' | 'password_changed' | 'user_deactivated' | 'user_deleted' | 'admin' | 'oauth_revoke' | 'code_replay' | 'client_deleted'

/** One link of a session's refresh-token family, with the grace-window answers it gave. */
export interface ChainLink extends RefreshTokenRow {
  readonly graceAnswers: readonly GraceAnswer[]
}

/** The largest refresh grace window config allows (AUTHDOCK_REFRESH_GRACE_SECONDS). */
const MAX_GRACE_MS = REFRESH_GRACE_MAX_SECONDS * 1000

const invalidRefresh = (): AuthError => new AuthError('INVALID_REFRESH_TOKEN', 'Invalid refresh token')

export interface SessionDeps {
  readonly store: Store
  readonly clock: Clock
  readonly accessTokens: AccessTokens
  readonly audit: Audit
  readonly settings: SessionSettings
  /** The key ring's pending(): non-null while the first signing key is still being generated. */
  readonly keysPending?: () => Promise<void> | null
}

export function createSessions(deps: SessionDeps) {
  const { store, clock, accessTokens, audit, settings } = deps
  // Token issuing waits for the first key; checking tokens never does (none exist before it).
  const keysPending = deps.keysPending ?? (() => null)
  const refreshTokens = createRefreshTokenFactory(store.meta)
  const live = createLiveSet()
  for (const s of store.sessions.live(clock.now())) live.set(s.id, s.userId, s.expiresAt)

  function forget(ids: readonly string[]): void {
    for (const id of ids) live.delete(id)
  }

  function pair(session: Session, user: User, refreshToken: string, key: LoadedKey, accessTtlSeconds: number): TokenPair {
    const { token } = accessTokens.sign(user.id, session.id, accessTtlSeconds, key)
    return { accessToken: token, refreshToken, session, user }
  }

  /** A known refresh token's row and session, whatever their state; null for an unknown token. */
  function refreshTokenInfo(presented: string): { row: RefreshTokenRow; session: Session } | null {
    if (presented.length === 0 || presented.length > 256) return null
    const row = store.sessions.tokenByHash(refreshTokens.hash(presented))
    const session = row === null ? null : store.sessions.byId(row.sessionId)
    return row === null || session === null ? null : { row, session }
  }

  /** Revokes durably first (one fsynced commit for all ids), then drops them from the live set. */
  function revoke(ids: readonly string[], reason: RevokeReason, context?: RequestContext, by?: string | null): string[] {
    // The audit rows join the same commit (revoking thousands of sessions costs one fsync, not
    // thousands); listeners hear of them only once it is durable.
    const { done, events } = store.transaction(() => {
      const done = store.sessions.revoke(ids, reason, clock.now())
      const events = done.map((id) =>
        audit.write({ type: 'session_revoked', userId: store.sessions.byId(id)?.userId, sessionId: id, context, detail: { reason, by: by ?? null } }))
      return { done, events }
    })
    forget(done)
    for (const event of events) audit.publish(event)
    return done
  }

  return {
    /** True when `sid` is a live session of `userId`: the check every protected request makes. */
    isLive(sid: string, userId: string): boolean {
      const expiresAt = live.expiryOf(sid, userId)
      if (expiresAt === null) return false
      if (expiresAt <= clock.now()) {
        live.delete(sid)
        return false
      }
      return true
    },

    /** A new session; `clientId`: the OAuth client it is issued to (none for Langflow's API and the console). */
    async create(user: User, context: RequestContext, options: { clientId?: string | null } = {}): Promise<TokenPair> {
      const pending = keysPending()
      if (pending !== null) await pending
      const now = clock.now()
      const token = refreshTokens.first()
      const expiresAt = now + settings.refreshTtlSeconds() * 1000
      // The signer is chosen before the write so the session records the kid its token carries.
      const key = accessTokens.signer()
      const accessTtl = settings.accessTtlSeconds()
      const session: Session = {
        id: randomUUID(), userId: user.id, createdAt: now, lastUsedAt: now, expiresAt,
        ip: context.ip, userAgent: context.userAgent, generation: 0, revokedAt: null, revokeReason: null,
        accessKid: key.kid, accessExpiresAt: now + accessTtl * 1000, clientId: options.clientId ?? null,
      }
      const event = store.transaction(() => {
        store.sessions.insert(session)
        store.sessions.insertToken({
          id: randomUUID(), sessionId: session.id, tokenHash: refreshTokens.hash(token), generation: 0,
          issuedAt: now, expiresAt, issuedIp: context.ip, issuedUserAgent: context.userAgent, usedAt: null, reuseDetectedAt: null, usedFingerprint: null,
        })
        return audit.write({
          type: 'session_created', userId: user.id, username: user.username, sessionId: session.id, context,
          ...(session.clientId === null ? {} : { detail: { client_id: session.clientId } }),
        })
      })
      live.set(session.id, user.id, expiresAt)
      audit.publish(event)
      return pair(session, user, token, key, accessTtl)
    },

    /**
     * Rotates a refresh token inside its session. A token already used is accepted again only
     * within the grace window, while its child is unused and from the client that rotated it
     * (grace-window.ts), and then yields that same child, recorded on the chain and in the audit
     * log; otherwise it is a reuse: the whole session is revoked and the event recorded.
     * `binding`: the browser secret a console session was bound to (binding.ts), null for none; a
     * token presented with any other is refused untouched (not rotated, not marked reused), so a
     * planted cookie can neither sign the console in nor end a session.
     */
    async refresh(presented: string, context: RequestContext, binding: string | null = null): Promise<TokenPair> {
      if (presented.length === 0 || presented.length > 256) throw invalidRefresh()
      const pending = keysPending()
      if (pending !== null) await pending
      const now = clock.now()
      const hash = refreshTokens.hash(presented)
      const key = accessTokens.signer()
      const accessTtl = settings.accessTtlSeconds()
      // Group commit: concurrent refreshes share one durable commit, and each answers after it.
      const outcome = await store.batched(() => {
        const row = store.sessions.tokenByHash(hash)
        if (row === null) return { kind: 'invalid' as const }
        const session = store.sessions.byId(row.sessionId)
        if (session === null || session.revokedAt !== null || row.expiresAt <= now || session.expiresAt <= now) {
          return { kind: 'invalid' as const }
        }
        if (!bindingMatches(store.sessions.bindingHashOf(session.id), binding)) return { kind: 'invalid' as const }
        const user = store.users.byId(session.userId)
        if (user === null) return { kind: 'invalid' as const }
        if (!user.isActive) return { kind: 'inactive' as const }
        const child = refreshTokens.childOf(presented)
        const fingerprint = refreshTokens.fingerprint(context)
        if (row.usedAt === null && store.sessions.markTokenUsed(row.id, now, fingerprint)) {
          const expiresAt = now + settings.refreshTtlSeconds() * 1000
          store.sessions.insertToken({
            id: randomUUID(), sessionId: session.id, tokenHash: refreshTokens.hash(child), generation: row.generation + 1,
            issuedAt: now, expiresAt, issuedIp: context.ip, issuedUserAgent: context.userAgent, usedAt: null, reuseDetectedAt: null, usedFingerprint: null,
          })
          const change = { generation: row.generation + 1, lastUsedAt: now, expiresAt, accessKid: key.kid, accessExpiresAt: now + accessTtl * 1000 }
          store.sessions.touch(session.id, change)
          // In the same commit: one fsync per refresh, not two.
          const event = audit.write({ type: 'session_refreshed', userId: user.id, sessionId: session.id, context, detail: { generation: change.generation } })
          return { kind: 'rotated' as const, session: { ...session, ...change }, user, child, event }
        }
        const verdict = graceVerdict({
          used: row, successor: store.sessions.tokenByGeneration(session.id, row.generation + 1), childHash: refreshTokens.hash(child),
          fingerprint, graceMs: settings.refreshGraceSeconds() * 1000, now,
        })
        if (verdict === 'answer') {
          store.sessions.insertGraceAnswer({ tokenId: row.id, at: now, ip: context.ip, userAgent: context.userAgent })
          const event = audit.write({
            type: 'refresh_grace_reused', userId: user.id, username: user.username, sessionId: session.id, context,
            detail: { generation: row.generation, after_ms: now - (row.usedAt ?? now) },
          })
          return { kind: 'replayed' as const, session, user, child, event }
        }
        store.sessions.markReuse(row.id, now)
        store.sessions.revoke([session.id], 'refresh_reuse', now)
        return { kind: 'reused' as const, session, user, generation: row.generation, cause: verdict }
      })

      switch (outcome.kind) {
        case 'invalid':
          throw invalidRefresh()
        case 'inactive':
          throw new AuthError('INACTIVE_USER', 'User account is inactive')
        case 'reused':
          forget([outcome.session.id])
          audit.record({
            type: 'refresh_reuse_detected', userId: outcome.user.id, username: outcome.user.username, sessionId: outcome.session.id,
            context, detail: { generation: outcome.generation, cause: outcome.cause },
          })
          audit.record({ type: 'session_revoked', userId: outcome.user.id, sessionId: outcome.session.id, context, detail: { reason: 'refresh_reuse', by: null } })
          throw new AuthError('REFRESH_REUSED', 'Invalid refresh token')
        case 'rotated': {
          live.extend(outcome.session.id, outcome.session.expiresAt)
          audit.publish(outcome.event)
          return pair(outcome.session, outcome.user, outcome.child, key, accessTtl)
        }
        case 'replayed':
          audit.publish(outcome.event)
          return pair(outcome.session, outcome.user, outcome.child, key, accessTtl)
      }
    },

    /** The session a refresh token belongs to, if it is known (used by logout without a bearer). */
    sessionOfRefreshToken: (presented: string): Session | null => refreshTokenInfo(presented)?.session ?? null,

    refreshTokenInfo,

    ...boundSessionFunctions(store, refreshTokenInfo),

    revoke: (sessionId: string, reason: RevokeReason, context?: RequestContext, by?: string | null): boolean =>
      revoke([sessionId], reason, context, by).length > 0,

    /** Revokes every live session of a user, except `keep` (the caller's own, where that is wanted). */
    revokeUser(userId: string, reason: RevokeReason, options: { keep?: string | null; context?: RequestContext; by?: string | null } = {}): string[] {
      const ids = store.sessions.liveIdsOfUser(userId, clock.now()).filter((id) => id !== options.keep)
      return revoke(ids, reason, options.context, options.by)
    },

    /** Revokes every live session issued to an OAuth client. */
    revokeClient(clientId: string, reason: RevokeReason, options: { context?: RequestContext; by?: string | null } = {}): string[] {
      return revoke(store.sessions.liveIdsOfClient(clientId, clock.now()), reason, options.context, options.by)
    },

    /** Revokes every live session (the emergency button); answers after the revocation is durable. */
    revokeAll(reason: RevokeReason, context?: RequestContext, by?: string | null): string[] {
      return revoke(store.sessions.liveIds(clock.now()), reason, context, by)
    },

    list: (filter: SessionFilter, page: Page) => store.sessions.list(filter, page, clock.now()),
    counts: () => store.sessions.counts(clock.now()),
    liveCountByKid: () => store.sessions.liveCountByKid(clock.now()),
    byId: (id: string): Session | null => store.sessions.byId(id),
    /** The refresh-token family of a session: each rotation, its grace answers, and where a reuse was caught. */
    chain(id: string): ChainLink[] {
      const answers = store.sessions.graceAnswersOf(id)
      return store.sessions.tokensOf(id).map((row) => ({ ...row, graceAnswers: answers.filter((a) => a.tokenId === row.id) }))
    },
    /** Revoked sessions whose tokens have not all expired: a JWKS verifier must still refuse them. */
    // A grace answer issues an access token up to MAX_GRACE_MS after the one recorded.
    revokedWithLiveTokens: (): string[] => store.sessions.revokedWithLiveTokens(clock.now() - MAX_GRACE_MS),

    /** Drops expired sessions from memory (the rows stay for the audit trail), and revocations
     *  whose tokens have all expired from the stream's snapshot. */
    sweep(): void {
      const now = clock.now()
      live.dropExpired(now)
      store.sessions.forgetExpiredRevocations(now - MAX_GRACE_MS)
    },
  }
}

/** Console sessions bound to a browser secret (binding.ts); refresh() checks the binding itself. */
function boundSessionFunctions(store: Store, refreshTokenInfo: (presented: string) => { session: Session } | null) {
  const boundSession = (presented: string, binding: string | null): Session | null => {
    const info = refreshTokenInfo(presented)
    return info !== null && bindingMatches(store.sessions.bindingHashOf(info.session.id), binding) ? info.session : null
  }
  return {
    /** Binds a new session to its console's secret, before its refresh token leaves the server. */
    bind(sessionId: string, binding: string): void {
      if (!store.sessions.setBindingHash(sessionId, bindingHash(binding))) throw new AuthError('INVALID_INPUT', 'This session is already bound')
    },
    /** The session of a refresh token presented with `binding` (null: an unbound session's), else null. */
    boundSession,
  }
}

export type Sessions = ReturnType<typeof createSessions>
