// Langflow's auto-login: with LANGFLOW_AUTO_LOGIN on, anyone who reaches the server is signed in
// as the configured superuser, without a password. Only that user, and only while it is an active
// superuser: a demoted or deactivated bootstrap account must not be handed out.

import type { RequestContext } from './audit.ts'
import { AuthError } from './errors.ts'
import type { Sessions, TokenPair } from './sessions/sessions.ts'
import type { Users } from './users/users.ts'

export function createAutoLogin(deps: { users: Users; sessions: Sessions; config: { readonly autoLogin: boolean; readonly superuser: string | null } }) {
  const { users, sessions, config } = deps
  /** A new session of the superuser; AUTO_LOGIN_DISABLED when off, NO_SUPERUSER when there is none to sign in as. */
  return async function autoLogin(context: RequestContext): Promise<TokenPair> {
    if (!config.autoLogin) {
      // Langflow's detail object, which its frontend reads to show the login form instead.
      throw new AuthError('AUTO_LOGIN_DISABLED', { message: 'Auto login is disabled. Please enable it in the settings', auto_login: false })
    }
    const user = config.superuser === null ? null : users.byUsername(config.superuser)
    if (user === null || !user.isSuperuser || !user.isActive) throw new AuthError('NO_SUPERUSER', "Super user hasn't been created")
    return sessions.create(user, context)
  }
}

export type AutoLogin = ReturnType<typeof createAutoLogin>
