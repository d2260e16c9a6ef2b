// Password login: throttle, constant-cost credential check, then Langflow's inactive rules
// (checked only after the password was right, so account state does not leak).

import type { Audit, RequestContext } from './audit.ts'
import { AuthError } from './errors.ts'
import type { LoginThrottle } from './login-throttle.ts'
import type { Sessions, TokenPair } from './sessions/sessions.ts'
import type { PasswordHasher } from './users/password-hasher.ts'
import { PASSWORD_MAX_BYTES } from '../../shared/password-rules.ts'
import { normalizeUsername, usernameKey } from './users/username.ts'
import type { Users } from './users/users.ts'

const wrong = (): AuthError => new AuthError('INVALID_CREDENTIALS', 'Incorrect username or password')

export function createLogin(deps: { users: Users; sessions: Sessions; hasher: PasswordHasher; throttle: LoginThrottle; audit: Audit; bcryptCost: number; warn: (msg: string, err: unknown) => void }) {
  const { users, sessions, hasher, throttle, audit } = deps
  return async function login(username: unknown, password: unknown, context: RequestContext): Promise<TokenPair> {
    if (typeof username !== 'string' || typeof password !== 'string') throw new AuthError('INVALID_INPUT', 'username and password are required')
    let account: string
    try {
      account = usernameKey(normalizeUsername(username))
    } catch {
      throw wrong()
    }
    throttle.check(account, context.ip)
    const found = users.byUsername(username)
    // Always one bcrypt comparison, whether or not the user exists or the password is too long.
    const usable = found !== null && Buffer.byteLength(password, 'utf8') <= PASSWORD_MAX_BYTES
    const ok = await hasher.verify(password, usable ? found.passwordHash : await hasher.dummyHash())
    if (!usable || !ok) {
      const lockMs = throttle.fail(account, context.ip)
      const lockedForSeconds = Math.ceil(lockMs / 1000)
      audit.record({ type: 'login_failed', userId: found?.id ?? null, username: username.slice(0, 128), context, detail: { lockedForSeconds } })
      if (lockMs > 0) audit.record({ type: 'account_locked', userId: found?.id ?? null, username: username.slice(0, 128), context, detail: { lockedForSeconds } })
      throw wrong()
    }
    throttle.succeed(account, context.ip)
    // Read again after the hash check: a deactivation or deletion during it has already revoked
    // the user's sessions, and a session created from the stale copy would outlive it.
    const user = users.byId(found.id)
    if (user === null) throw wrong()
    if (!user.isActive) {
      if (user.lastLoginAt === null) throw new AuthError('WAITING_FOR_APPROVAL', 'Waiting for approval')
      throw new AuthError('INACTIVE_USER', 'Inactive user')
    }
    users.markLogin(user)
    const tokens = await sessions.create(user, context)
    audit.record({ type: 'login_succeeded', userId: user.id, username: user.username, sessionId: tokens.session.id, context })
    // The cost setting may have been raised since this hash was made (passlib's deprecated="auto").
    users.rehashIfNeeded(user, password, deps.bcryptCost).catch((err: unknown) => deps.warn('rehash after login failed', err))
    return tokens
  }
}

export type Login = ReturnType<typeof createLogin>
