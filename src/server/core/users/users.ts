// Users with Langflow's rules: who may create, change, reset and delete whom, and what each
// change revokes (deactivation, deletion and password changes end sessions; a password change
// also revokes the user's API keys, which a thief of the old password may have made).

import { randomUUID } from 'node:crypto'
import type { ApiKeys } from '../api-keys.ts'
import type { Audit, RequestContext } from '../audit.ts'
import type { Clock } from '../clock.ts'
import { AuthError } from '../errors.ts'
import type { LoginThrottle } from '../login-throttle.ts'
import type { Sessions } from '../sessions/sessions.ts'
import type { Store, User, UserChanges } from '../store/types.ts'
import type { PasswordHasher } from './password-hasher.ts'
import { checkPassword } from './password-policy.ts'
import type { UserClaims } from './profile.ts'
import { claimsFor, emailKey, normalizeEmail, normalizeFullName, normalizeGroups } from './profile.ts'
import { OPTINS_LIMITS, isJsonObject, jsonLimitViolation } from '../stored-json.ts'
import { USERNAME_KEY_RULE, normalizeUsername, usernameKey } from './username.ts'

/** The authenticated caller of an operation. */
export interface Actor {
  readonly user: User
  /** The session the caller's token belongs to; null for an API key. */
  readonly sessionId: string | null
  readonly context: RequestContext
}

export interface NewUser {
  readonly username: unknown
  readonly password: unknown
  readonly isActive?: boolean
  readonly isSuperuser?: boolean
  readonly optins?: unknown
  /** Admin-set profile (users/profile.ts); an admin-set email counts as verified. */
  readonly email?: unknown
  readonly fullName?: unknown
  readonly groups?: unknown
}

export interface UserPatch {
  username?: unknown
  profileImage?: unknown
  password?: unknown
  isActive?: unknown
  isSuperuser?: unknown
  lastLoginAt?: unknown
  optins?: unknown
  /** Superusers only: a user cannot set their own email, name or groups (yet). */
  email?: unknown
  fullName?: unknown
  groups?: unknown
}

export interface ChangeResult {
  readonly user: User
  /** Sessions this change ended. */
  readonly revokedSessions: readonly string[]
  /** How many of the user's API keys this change revoked. */
  readonly revokedApiKeys: number
}

const notFound = (): AuthError => new AuthError('USER_NOT_FOUND', 'User not found')

/** optins as given by the caller, refused unless an object within OPTINS_LIMITS (stored-json.ts). */
function optinsOf(value: unknown): Record<string, unknown> {
  if (!isJsonObject(value)) throw new AuthError('INVALID_INPUT', 'optins must be an object')
  const violation = jsonLimitViolation(value, OPTINS_LIMITS)
  if (violation !== null) throw new AuthError('INVALID_INPUT', `optins ${violation}; the limit is ${OPTINS_LIMITS.maxDepth} levels and ${OPTINS_LIMITS.maxBytes} bytes`)
  return value
}

function bool(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new AuthError('INVALID_INPUT', `${name} must be true or false`)
  return value
}

export function createUsers(deps: { store: Store; clock: Clock; hasher: PasswordHasher; sessions: Sessions; apiKeys: ApiKeys; audit: Audit; throttle: LoginThrottle; newUserIsActive: boolean }) {
  const { store, clock, hasher, sessions, apiKeys, audit } = deps

  function requireUser(id: string): User {
    const user = store.users.byId(id)
    if (user === null) throw notFound()
    return user
  }

  function requireFreeUsername(key: string, ownerId: string | null): void {
    const holder = store.users.byUsernameKey(key)
    if (holder !== null && holder.id !== ownerId) throw new AuthError('USERNAME_TAKEN', 'This username is unavailable.')
  }

  function requireFreeEmail(email: string | null, ownerId: string | null): void {
    if (email === null) return
    const holder = store.users.byEmailKey(emailKey(email))
    if (holder !== null && holder.id !== ownerId) throw new AuthError('EMAIL_TAKEN', 'This email address belongs to another user.')
  }

  /** Replaces a user's groups inside the caller's transaction; the audit event when they changed. */
  function writeGroups(target: User, groups: readonly string[], actor: Actor | null): boolean {
    const before = store.users.groupsOf(target.id)
    if (before.length === groups.length && before.every((g, i) => g === groups[i])) return false
    store.users.setGroups(target.id, groups)
    audit.record({
      type: 'user_groups_changed', userId: target.id, username: target.username, context: actor?.context,
      detail: { by: actor?.user.id ?? null, groups: [...groups], added: groups.filter((g) => !before.includes(g)), removed: before.filter((g) => !groups.includes(g)) },
    })
    return true
  }

  /** Refuses a change that would leave no active superuser (nobody could administer the server). */
  function guardLastSuperuser(target: User, losesSuperuser: boolean): void {
    if (losesSuperuser && target.isSuperuser && target.isActive && store.users.countActiveSuperusers() <= 1) {
      throw new AuthError('LAST_SUPERUSER', 'This is the last active superuser; make another user superuser first')
    }
  }

  /** Re-read inside the write: the caller may have been demoted or deactivated while bcrypt ran. */
  function requireStillSuperuser(by: User): void {
    const current = store.users.byId(by.id)
    if (current === null || !current.isActive || !current.isSuperuser) throw new AuthError('NOT_SUPERUSER', "The user doesn't have enough privileges")
  }

  async function create(input: NewUser, context: RequestContext | null, by: User | null): Promise<User> {
    const username = normalizeUsername(input.username)
    const optins = input.optins === undefined ? {} : optinsOf(input.optins)
    const email = input.email === undefined ? null : normalizeEmail(input.email)
    const fullName = input.fullName === undefined ? null : normalizeFullName(input.fullName)
    const groups = input.groups === undefined ? [] : normalizeGroups(input.groups)
    requireFreeEmail(email, null)
    const password = await checkPassword(input.password, username)
    const key = usernameKey(username)
    requireFreeUsername(key, null) // early, before spending a bcrypt hash
    const passwordHash = await hasher.hash(password)
    const now = clock.now()
    const user: User = {
      id: randomUUID(), username, passwordHash, profileImage: null, storeApiKey: null,
      isActive: input.isActive ?? deps.newUserIsActive, isSuperuser: input.isSuperuser ?? false,
      createdAt: now, updatedAt: now, lastLoginAt: null, optins, email, emailVerified: email !== null, fullName,
    }
    // Checked again after the hash: another creation may have taken the name meanwhile.
    store.transaction(() => {
      if (by?.isSuperuser === true) requireStillSuperuser(by)
      requireFreeUsername(key, null)
      requireFreeEmail(email, null)
      store.users.insert(user, key)
      if (groups.length > 0) store.users.setGroups(user.id, groups)
    })
    audit.record({ type: 'user_created', userId: user.id, username, context: context ?? undefined, detail: { by: by?.id ?? null, isSuperuser: user.isSuperuser, isActive: user.isActive, groups } })
    return user
  }

  return {
    /**
     * Recomputes stored username keys after usernameKey()'s rule changed (a database from before
     * it), so every user still signs in by name. Returns the usernames whose new key another user
     * holds: they keep their old key (the other account owns that name now) and the rule's version
     * is not saved, so this runs, and the operator is told, at every start until one is renamed.
     */
    rekeyUsernames(): string[] {
      if (store.meta.get('username_key_rule') === String(USERNAME_KEY_RULE)) return []
      return store.transaction(() => {
        const rows = store.users.usernameKeys()
        const wanted = new Map(rows.map((r) => [r.id, usernameKey(r.username)]))
        const stored = new Map(rows.map((r) => [r.id, r.key]))
        const holder = new Map(rows.map((r) => [r.key, r.id]))
        // Until nothing moves: a key freed by one user's move may be the one another user needs.
        for (let moved = true; moved; ) {
          moved = false
          for (const row of rows) {
            const key = wanted.get(row.id) as string
            const current = stored.get(row.id) as string
            if (key === current || holder.has(key)) continue
            store.users.setUsernameKey(row.id, key)
            holder.delete(current)
            holder.set(key, row.id)
            stored.set(row.id, key)
            moved = true
          }
        }
        const conflicts = rows.filter((r) => stored.get(r.id) !== wanted.get(r.id)).map((r) => r.username)
        if (conflicts.length === 0) store.meta.set('username_key_rule', String(USERNAME_KEY_RULE))
        return conflicts
      })
    },
    create,
    byId: (id: string): User | null => store.users.byId(id),
    byUsername: (username: string): User | null => {
      try {
        return store.users.byUsernameKey(usernameKey(normalizeUsername(username)))
      } catch {
        return null
      }
    },
    count: (): number => store.users.count(),
    list: (opts: { skip: number; limit: number; search?: string }) => store.users.list(opts),

    /** Creates LANGFLOW_SUPERUSER unless a user of that name exists (idempotent). */
    async ensureSuperuser(username: string, password: string): Promise<User | null> {
      if (store.users.byUsernameKey(usernameKey(normalizeUsername(username))) !== null) return null
      return create({ username, password, isActive: true, isSuperuser: true }, null, null)
    },

    /** PATCH /users/{id}: Langflow's permission rules, then the change and what it revokes. */
    async update(id: string, patch: UserPatch, actor: Actor): Promise<ChangeResult> {
      const me = actor.user
      const target = requireUser(id)
      if (!me.isSuperuser) {
        if (target.id !== me.id || patch.isSuperuser !== undefined) throw new AuthError('FORBIDDEN', 'Permission denied')
        if (patch.password !== undefined) throw new AuthError('PASSWORD_CHANGE_NOT_ALLOWED', "You can't change your password here")
        if (patch.isActive !== undefined) throw new AuthError('FORBIDDEN', 'Permission denied')
        if (patch.email !== undefined || patch.fullName !== undefined || patch.groups !== undefined) throw new AuthError('FORBIDDEN', 'Only an admin sets email, name and groups')
      }
      const changes: UserChanges = {}
      let key: string | undefined
      if (patch.username !== undefined) {
        const username = normalizeUsername(patch.username)
        key = usernameKey(username)
        requireFreeUsername(key, target.id)
        changes.username = username
      }
      if (patch.profileImage !== undefined) {
        if (patch.profileImage !== null && typeof patch.profileImage !== 'string') throw new AuthError('INVALID_INPUT', 'profile_image must be a string or null')
        changes.profileImage = patch.profileImage
      }
      if (patch.optins !== undefined) changes.optins = optinsOf(patch.optins)
      if (patch.lastLoginAt !== undefined) {
        const at = patch.lastLoginAt === null ? null : Date.parse(String(patch.lastLoginAt))
        if (at !== null && Number.isNaN(at)) throw new AuthError('INVALID_INPUT', 'last_login_at must be an ISO date or null')
        changes.lastLoginAt = at
      }
      if (patch.isActive !== undefined) {
        changes.isActive = bool(patch.isActive, 'is_active')
        if (!changes.isActive && target.id === me.id) throw new AuthError('FORBIDDEN', "You can't deactivate your own account")
      }
      if (patch.isSuperuser !== undefined) changes.isSuperuser = bool(patch.isSuperuser, 'is_superuser')
      if (patch.email !== undefined) {
        changes.email = normalizeEmail(patch.email)
        // An admin vouches for the address they set; no mail is sent to confirm it.
        changes.emailVerified = changes.email !== null
        requireFreeEmail(changes.email, target.id)
      }
      if (patch.fullName !== undefined) changes.fullName = normalizeFullName(patch.fullName)
      const groups = patch.groups === undefined ? undefined : normalizeGroups(patch.groups)
      const losesSuperuser = changes.isActive === false || changes.isSuperuser === false
      guardLastSuperuser(target, losesSuperuser) // early, before spending a bcrypt hash
      if (patch.password !== undefined) changes.passwordHash = await hasher.hash(await checkPassword(patch.password, changes.username ?? target.username))

      // Other requests ran while the hash was computed: check again and write in one transaction,
      // so two superusers demoting each other at once cannot both succeed.
      store.transaction(() => {
        if (me.isSuperuser) requireStillSuperuser(me)
        const current = requireUser(target.id)
        guardLastSuperuser(current, losesSuperuser)
        if (key !== undefined) requireFreeUsername(key, target.id)
        if (changes.email !== undefined) requireFreeEmail(changes.email, target.id)
        store.users.update(target.id, changes, key, clock.now())
        if (groups !== undefined) writeGroups(current, groups, actor)
      })
      const revoked: string[] = []
      let revokedApiKeys = 0
      if (changes.isActive === false) revoked.push(...sessions.revokeUser(target.id, 'user_deactivated', { context: actor.context, by: me.id }))
      if (changes.passwordHash !== undefined) {
        revoked.push(...sessions.revokeUser(target.id, 'password_changed', { context: actor.context, by: me.id }))
        revokedApiKeys = apiKeys.revokeUser(target.id, 'password_changed', actor.context, me.id)
        audit.record({ type: 'password_changed', userId: target.id, username: target.username, context: actor.context, detail: { by: me.id, revokedApiKeys } })
      }
      const fields = Object.keys(changes).filter((f) => f !== 'emailVerified').map((f) => (f === 'passwordHash' ? 'password' : f))
      if (groups !== undefined) fields.push('groups')
      audit.record({ type: 'user_updated', userId: target.id, username: target.username, context: actor.context, detail: { by: me.id, fields, revokedSessions: revoked.length, revokedApiKeys } })
      return { user: requireUser(target.id), revokedSessions: revoked, revokedApiKeys }
    },

    /** PATCH /users/{id}/reset-password: only for oneself, with the current password. Other
     *  sessions of the user end, and every API key; the session making the change stays signed in. */
    async resetPassword(id: string, body: { currentPassword: unknown; password: unknown }, actor: Actor): Promise<ChangeResult> {
      const me = actor.user
      if (id !== me.id) throw new AuthError('USER_NOT_FOUND', "You can't change another user's password")
      if (typeof body.currentPassword !== 'string') throw new AuthError('INVALID_INPUT', 'current_password is required')
      const password = await checkPassword(body.password, me.username)
      if (!(await hasher.verify(body.currentPassword, me.passwordHash))) throw new AuthError('WRONG_CURRENT_PASSWORD', 'Current password is incorrect')
      if (await hasher.verify(password, me.passwordHash)) throw new AuthError('SAME_PASSWORD', "You can't use your current password")
      const passwordHash = await hasher.hash(password)
      // Three hashes took a while: an admin's reset meanwhile revoked this session and set another
      // password, which this older request must not overwrite with one its caller chose.
      store.transaction(() => {
        if (actor.sessionId !== null && !sessions.isLive(actor.sessionId, me.id)) throw new AuthError('SESSION_REVOKED', 'Session revoked')
        if (requireUser(me.id).passwordHash !== me.passwordHash) throw new AuthError('WRONG_CURRENT_PASSWORD', 'The password was changed meanwhile; sign in again')
        store.users.update(me.id, { passwordHash }, undefined, clock.now())
      })
      const revoked = sessions.revokeUser(me.id, 'password_changed', { keep: actor.sessionId, context: actor.context, by: me.id })
      const revokedApiKeys = apiKeys.revokeUser(me.id, 'password_changed', actor.context, me.id)
      audit.record({ type: 'password_changed', userId: me.id, username: me.username, context: actor.context, detail: { by: me.id, revokedSessions: revoked.length, revokedApiKeys } })
      return { user: requireUser(me.id), revokedSessions: revoked, revokedApiKeys }
    },

    /** The groups an admin assigned (without the `admin` a superuser implies). */
    groupsOf: (user: User): string[] => store.users.groupsOf(user.id),

    /** Replaces a user's groups (an admin's action, audited as user_groups_changed). */
    setGroups(id: string, groups: unknown, actor: Actor): { user: User; groups: string[] } {
      const names = normalizeGroups(groups)
      return store.transaction(() => {
        requireStillSuperuser(actor.user)
        const target = requireUser(id)
        if (writeGroups(target, names, actor)) store.users.update(target.id, {}, undefined, clock.now())
        return { user: requireUser(target.id), groups: names }
      })
    },

    /** The claims an ID token or userinfo answer may carry for the granted scopes (users/profile.ts). */
    claimsOf: (user: User, scopes: readonly string[]): UserClaims => claimsFor(user, store.users.groupsOf(user.id), scopes),

    remove(id: string, actor: Actor): ChangeResult {
      const target = requireUser(id)
      if (target.id === actor.user.id) throw new AuthError('SELF_DELETE', "You can't delete your own user account")
      guardLastSuperuser(target, true)
      const revoked = sessions.revokeUser(target.id, 'user_deleted', { context: actor.context, by: actor.user.id })
      store.users.remove(target.id) // cascades to sessions, refresh tokens and API keys
      audit.record({ type: 'user_deleted', userId: target.id, username: target.username, context: actor.context, detail: { by: actor.user.id, revokedSessions: revoked.length } })
      return { user: target, revokedSessions: revoked, revokedApiKeys: 0 }
    },

    /** An admin's "sign this user out everywhere" (a compromised account): every session and every API key. */
    signOutEverywhere(id: string, actor: Actor): ChangeResult {
      const target = requireUser(id)
      const by = actor.user.id
      const revokedSessions = sessions.revokeUser(target.id, 'admin', { context: actor.context, by })
      const revokedApiKeys = apiKeys.revokeUser(target.id, 'admin', actor.context, by)
      return { user: target, revokedSessions, revokedApiKeys }
    },

    /** Until when failed logins lock this account out (epoch ms, 0 when they do not). */
    lockedUntil: (user: User): number => deps.throttle.lockedUntil(usernameKey(user.username)),

    /** Lifts a lock-out caused by failed logins, from every address. */
    unlock(id: string, actor: Actor): { user: User; wasLocked: boolean } {
      const target = requireUser(id)
      const wasLocked = deps.throttle.unlock(usernameKey(target.username))
      audit.record({ type: 'account_unlocked', userId: target.id, username: target.username, context: actor.context, detail: { by: actor.user.id, wasLocked } })
      return { user: target, wasLocked }
    },

    async rehashIfNeeded(user: User, password: string, cost: number): Promise<void> {
      if (hasher.costOf(user.passwordHash) === cost) return
      const passwordHash = await hasher.hash(password)
      // Only over the hash it replaces: a reset during the hash must not bring the old password back.
      store.transaction(() => {
        if (store.users.byId(user.id)?.passwordHash === user.passwordHash) store.users.update(user.id, { passwordHash }, undefined, clock.now())
      })
    },

    markLogin(user: User): void {
      store.users.update(user.id, { lastLoginAt: clock.now() }, undefined, clock.now())
    },
  }
}

export type Users = ReturnType<typeof createUsers>
