// The password rules, shared by the server (which enforces them) and the console (which shows them
// as the admin types). bcrypt reads only the first 72 bytes, so a longer password is refused
// rather than silently truncated.

export const PASSWORD_MIN_CHARS = 8
export const PASSWORD_MAX_BYTES = 72

export interface PasswordRule {
  /** The rule as the console lists it. */
  readonly text: string
  readonly met: boolean
  /** The server's error when it is not met. */
  readonly problem: string
}

export function passwordRules(password: string): PasswordRule[] {
  return [
    {
      text: `At least ${PASSWORD_MIN_CHARS} characters`,
      met: [...password].length >= PASSWORD_MIN_CHARS,
      problem: `Password must be at least ${PASSWORD_MIN_CHARS} characters long`,
    },
    {
      text: `At most ${PASSWORD_MAX_BYTES} bytes in UTF-8`,
      met: new TextEncoder().encode(password).length <= PASSWORD_MAX_BYTES,
      problem: `Password must be at most ${PASSWORD_MAX_BYTES} bytes in UTF-8 (bcrypt ignores anything longer)`,
    },
  ]
}
