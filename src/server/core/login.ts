// Password login: the attempt reserved with the throttle before hashing, a constant-cost credential
// check in its source's turn, then Langflow's inactive rules (checked only after the password was
// right, so account state does not leak); a device token for the next time.

import { createHmac, randomBytes } from 'node:crypto'
import type { Audit, RequestContext } from './audit.ts'
import type { DeviceCookies } from './device-cookies.ts'
import { AuthError } from './errors.ts'
import type { LoginThrottle } from './login-throttle.ts'
import { addressKey } from './login-throttle.ts'
import type { Sessions, TokenPair } from './sessions/sessions.ts'
import type { HashScheduler } from './users/hash-scheduler.ts'
import type { PasswordHasher } from './users/password-hasher.ts'
import { PASSWORD_MAX_BYTES } from '../../shared/password-rules.ts'
import { normalizeUsername, usernameKey } from './users/username.ts'
import type { Users } from './users/users.ts'

const wrong = (): AuthError => new AuthError('INVALID_CREDENTIALS', 'Incorrect username or password')

export interface LoginResult extends TokenPair {
  /**
   * A new device token (device-cookies.ts): Langflow's login sets it as an HttpOnly, SameSite=Strict
   * cookie; the console's login returns it in the body, for its localStorage and a header.
   */
  readonly deviceToken: string
}

export function createLogin(deps: {
  users: Users; sessions: Sessions; hasher: PasswordHasher; checks: HashScheduler; throttle: LoginThrottle
  devices: DeviceCookies; audit: Audit; bcryptCost: number; warn: (msg: string, err: unknown) => void
}) {
  const { users, sessions, hasher, checks, throttle, devices, audit } = deps
  // A name that is no user's is often a password typed in the wrong field: the audit keeps only a
  // keyed hash prefix, so that repeated attempts with one name can still be told apart. The key
  // lives in memory only and changes at each start: nobody holding the database (or a backup)
  // can test guesses against the stored prefix, which a key kept beside it would allow.
  const unknownKey = randomBytes(32)
  const unknownName = (account: string) => `unknown:${createHmac('sha256', unknownKey).update(account).digest('hex').slice(0, 8)}`

  /** `presentedDevices`: every device token the client sent (only one valid for this user counts). */
  return async function login(username: unknown, password: unknown, context: RequestContext, presentedDevices: readonly string[] = []): Promise<LoginResult> {
    if (typeof username !== 'string' || typeof password !== 'string') throw new AuthError('INVALID_INPUT', 'username and password are required')
    let account: string
    try {
      account = usernameKey(normalizeUsername(username))
    } catch {
      throw wrong()
    }
    const found = users.byUsername(username)
    const device = found === null ? null : devices.deviceOf(presentedDevices, found.id)
    // Reserved before hashing, so that a burst of concurrent guesses is judged like a sequence.
    const attempt = await throttle.reserve(account, context.ip, device)
    let ok: boolean
    try {
      // Always one bcrypt comparison, whether or not the user exists or the password is too long.
      const usable = found !== null && Buffer.byteLength(password, 'utf8') <= PASSWORD_MAX_BYTES
      const hash = usable ? found.passwordHash : await hasher.dummyHash()
      ok = (await checks.verify(device === null ? `address:${addressKey(context.ip)}` : `device:${device}`, password, hash)) && usable
    } catch (err) {
      attempt.release() // never judged (the queue was full, or the hasher failed): not a failure
      throw err
    }
    // Read again after the wait for a turn and the hash check: a password reset meanwhile has
    // revoked the user's sessions and keys, and a session from the old password would outlive it;
    // a deactivation or deletion likewise. A changed hash counts as a wrong password.
    const user = found === null ? null : users.byId(found.id)
    if (!ok || found === null || user === null || user.passwordHash !== found.passwordHash) {
      const lockMs = attempt.fail()
      const lockedForSeconds = Math.ceil(lockMs / 1000)
      const name = found?.username ?? unknownName(account)
      audit.record({ type: 'login_failed', userId: found?.id ?? null, username: name, context, detail: { lockedForSeconds } })
      if (lockMs > 0) audit.record({ type: 'account_locked', userId: found?.id ?? null, username: name, context, detail: { lockedForSeconds } })
      throw wrong()
    }
    attempt.succeed()
    if (!user.isActive) {
      if (user.lastLoginAt === null) throw new AuthError('WAITING_FOR_APPROVAL', 'Waiting for approval')
      throw new AuthError('INACTIVE_USER', 'Inactive user')
    }
    users.markLogin(user)
    const tokens = await sessions.create(user, context)
    audit.record({ type: 'login_succeeded', userId: user.id, username: user.username, sessionId: tokens.session.id, context })
    // The cost setting may have been raised since this hash was made (passlib's deprecated="auto").
    users.rehashIfNeeded(user, password, deps.bcryptCost).catch((err: unknown) => deps.warn('rehash after login failed', err))
    return { ...tokens, deviceToken: devices.issue(user.id) }
  }
}

export type Login = ReturnType<typeof createLogin>
