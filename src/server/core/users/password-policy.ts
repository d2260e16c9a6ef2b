// What a password must be. bcrypt reads only the first 72 bytes of a password,
// so a longer one is refused rather than silently truncated.

import { passwordRules } from '../../../shared/password-rules.ts'
import { AuthError } from '../errors.ts'

/** The password, if it meets every rule the console shows; else WEAK_PASSWORD naming the first it misses. */
export function checkPassword(password: unknown): string {
  if (typeof password !== 'string') throw new AuthError('INVALID_INPUT', 'password must be a string')
  const unmet = passwordRules(password).find((rule) => !rule.met)
  if (unmet !== undefined) throw new AuthError('WEAK_PASSWORD', unmet.problem)
  return password
}
