// What a password and a username must be. bcrypt reads only the first 72 bytes of a password,
// so a longer one is refused rather than silently truncated.

import { AuthError } from '../errors.ts'

export const PASSWORD_MIN_CHARS = 8
export const PASSWORD_MAX_BYTES = 72
export const USERNAME_MAX_CHARS = 128

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

/** The display form: Unicode NFKC, trimmed. Control characters are refused. */
export function normalizeUsername(username: unknown): string {
  if (typeof username !== 'string') throw new AuthError('INVALID_INPUT', 'username must be a string')
  const name = username.normalize('NFKC').trim()
  if (name.length === 0) throw new AuthError('INVALID_INPUT', 'username must not be empty')
  if ([...name].length > USERNAME_MAX_CHARS) throw new AuthError('INVALID_INPUT', `username must be at most ${USERNAME_MAX_CHARS} characters`)
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) throw new AuthError('INVALID_INPUT', 'username must not contain control characters')
  return name
}

/** The identity of a username: two names with the same key are the same account. */
export const usernameKey = (normalized: string): string => normalized.toLowerCase()
