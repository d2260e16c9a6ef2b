// First-run setup: with no users and no LANGFLOW_SUPERUSER, a one-time code lets whoever can
// read the server's terminal (or, in Electron, the main process) create the first superuser.

import { randomInt, timingSafeEqual } from 'node:crypto'
import type { RequestContext } from './audit.ts'
import type { Audit } from './audit.ts'
import { AuthError } from './errors.ts'
import type { LoginThrottle } from './login-throttle.ts'
import type { User } from './store/types.ts'
import type { Users } from './users/users.ts'

// No 0/O, 1/I/L: the code is read off a terminal and typed by hand.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'

function newCode(): string {
  const chars = Array.from({ length: 15 }, () => ALPHABET[randomInt(ALPHABET.length)])
  return [0, 5, 10].map((i) => chars.slice(i, i + 5).join('')).join('-') // ~74 bits
}

export function createSetup(deps: { users: Users; audit: Audit; throttle: LoginThrottle }) {
  let code: string | null = deps.users.count() === 0 ? newCode() : null
  let running = false
  return {
    /** The code while setup is pending, else null. Only for in-process callers and the terminal. */
    code: (): string | null => code,
    needed: (): boolean => code !== null,

    async complete(input: { code: unknown; username: unknown; password: unknown }, context: RequestContext): Promise<User> {
      if (code === null || running) throw new AuthError('SETUP_NOT_NEEDED', 'Setup is already complete')
      deps.throttle.check('\u0000setup', context.ip)
      const given = Buffer.from(typeof input.code === 'string' ? input.code.trim().toUpperCase() : '')
      const expected = Buffer.from(code)
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        deps.throttle.fail('\u0000setup', context.ip)
        throw new AuthError('INVALID_SETUP_CODE', 'Invalid setup code')
      }
      running = true // one creation at a time: the code is single-use even under racing requests
      try {
        const user = await deps.users.create({ username: input.username, password: input.password, isActive: true, isSuperuser: true }, context, null)
        code = null
        deps.audit.record({ type: 'setup_completed', userId: user.id, username: user.username, context })
        return user
      } finally {
        running = false
      }
    },
  }
}

export type Setup = ReturnType<typeof createSetup>
