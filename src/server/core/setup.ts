// First-run setup: with no users and no LANGFLOW_SUPERUSER, a one-time code lets whoever can
// read the server's terminal (or, in Electron, the main process) create the first superuser.

import { randomInt, timingSafeEqual } from 'node:crypto'
import type { RequestContext } from './audit.ts'
import type { Audit } from './audit.ts'
import { createAttemptLimiter } from './attempt-limiter.ts'
import type { Clock } from './clock.ts'
import { AuthError } from './errors.ts'
import { addressKey, throttled } from './login-throttle.ts'
import type { User } from './store/types.ts'
import type { Users } from './users/users.ts'

// No 0/O, 1/I/L: the code is read off a terminal and typed by hand.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'

function newCode(): string {
  const chars = Array.from({ length: 15 }, () => ALPHABET[randomInt(ALPHABET.length)])
  return [0, 5, 10].map((i) => chars.slice(i, i + 5).join('')).join('-') // ~74 bits
}

// Wrong codes are throttled per address only, and never by a lock that all addresses share: a
// shared lock would let anyone who can reach the port lock the operator's right code out, and
// guessing needs none. The code is 15 letters from 31, 31^15 ≈ 2^74.3 ≈ 2.3e22 values. Even an
// attacker with unlimited addresses (an IPv6 /48 holds 65,536 /64s) is bounded by what the server
// answers, under 1e5 requests per second: in a whole year that is 3.2e12 guesses, a chance of
// 1.3e-10, while setup is pending for minutes. Per address, a rule shaped like the login
// throttle's pair rule (3 free, then waits doubling to 15 minutes) but forgetting one failure every
// 5 minutes, not 10, keeps one client that never stops to about 12 guesses an hour.
const SETUP_POLICY = { free: 3, baseMs: 1_000, capMs: 15 * 60_000, decayMs: 5 * 60_000 } as const

export function createSetup(deps: { users: Users; audit: Audit; clock: Clock }) {
  let code: string | null = deps.users.count() === 0 ? newCode() : null
  const limiter = createAttemptLimiter(deps.clock, SETUP_POLICY)
  let running = false
  return {
    /** The code while setup is pending, else null. Only for in-process callers and the terminal. */
    code: (): string | null => code,
    needed: (): boolean => code !== null,

    async complete(input: { code: unknown; username: unknown; password: unknown }, context: RequestContext): Promise<User> {
      if (code === null || running) throw new AuthError('SETUP_NOT_NEEDED', 'Setup is already complete')
      const address = addressKey(context.ip)
      const wait = limiter.waitMs(address)
      if (wait > 0) throw throttled(wait, 'Too many wrong setup codes')
      const given = Buffer.from(typeof input.code === 'string' ? input.code.trim().toUpperCase() : '')
      const expected = Buffer.from(code)
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        limiter.fail(address) // checked and counted in one tick, so nothing needs reserving
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
