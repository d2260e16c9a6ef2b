// Who may create an account through Langflow's POST /users/: a superuser always (that is how
// Langflow's own console adds users), anyone else only while self-service sign-up is open.

import type { RequestContext } from '../audit.ts'
import type { Principal } from '../authenticate.ts'
import { AuthError } from '../errors.ts'
import type { User } from '../store/types.ts'
import type { Users } from './users.ts'

/** What a sign-up may choose: never its own rights or state, which the server decides. */
export interface SignUpInput {
  readonly username: unknown
  readonly password: unknown
  readonly optins?: unknown
}

/**
 * Sign-up is open when it is enabled and auto-login is off: with auto-login on, every visitor is
 * the superuser already, and Langflow (newest) refuses registration then.
 */
export const signUpOpen = (config: { readonly enableSignup: boolean; readonly autoLogin: boolean }): boolean =>
  config.enableSignup && !config.autoLogin

export function createSignUp(deps: { users: Users; config: { readonly enableSignup: boolean; readonly autoLogin: boolean } }) {
  const { users, config } = deps
  /** `caller`: who made the request, null without a credential. */
  return async function signUp(input: SignUpInput, caller: Principal | null, context: RequestContext): Promise<User> {
    const bySuperuser = caller?.user.isSuperuser === true
    if (!bySuperuser && !signUpOpen(config)) throw new AuthError('SIGNUP_DISABLED', 'Public user registration is disabled.')
    return users.create({ username: input.username, password: input.password, optins: input.optins }, context, caller?.user ?? null)
  }
}

export type SignUp = ReturnType<typeof createSignUp>
