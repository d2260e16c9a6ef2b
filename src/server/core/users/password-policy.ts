// What a password must be. bcrypt reads only the first 72 bytes of a password,
// so a longer one is refused rather than silently truncated.

import { PASSWORD_MAX_BYTES, PASSWORD_MIN_CHARS } from '../../../shared/password-rules.ts'
import { AuthError } from '../errors.ts'

export { PASSWORD_MAX_BYTES, PASSWORD_MIN_CHARS }

export function checkPassword(password: unknown): string {
  if (typeof password !== 'string') throw new AuthError('INVALID_INPUT', 'password must be a string')
  if ([...password].length < PASSWORD_MIN_CHARS) {
    throw new AuthError('WEAK_PASSWORD', `Password must be at least ${PASSWORD_MIN_CHARS} characters long`)
  }
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    throw new AuthError('WEAK_PASSWORD', `Password must be at most ${PASSWORD_MAX_BYTES} bytes in UTF-8 (bcrypt ignores anything longer)`)
  }
  return password
}

// Username rules live in username.ts; re-exported here for the callers that check both.
export { USERNAME_MAX_CHARS, normalizeUsername, usernameKey } from './username.ts'
