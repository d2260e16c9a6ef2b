// The password rules the console can check as the admin types, shared with the server (which
// enforces them, and then also refuses common and breached passwords from a list too large to ship
// in the console: core/users/password-policy.ts). NIST SP 800-63B 3.1.1.2: at least 8 characters,
// no composition rules, but no password from a breach list, no repetitive or sequential characters
// and no context-specific word such as the username. bcrypt reads only the first 72 bytes, so a
// longer password is refused rather than silently truncated.

export const PASSWORD_MIN_CHARS = 8
export const PASSWORD_MAX_BYTES = 72

export interface PasswordRule {
  /** The rule as the console lists it. */
  readonly text: string
  readonly met: boolean
  /** The server's error when it is not met. */
  readonly problem: string
}

const reversed = (s: string): string => [...s].reverse().join('')
/** Lower case without the digits and symbols around it: "Admin2024!" → "admin". */
const core = (s: string): string => s.toLowerCase().replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '')

/** The username, reversed, repeated, or with digits and symbols added around it ("admin123"). */
export function isUsernameVariant(typedPassword: string, typedUsername: string): boolean {
  // NFKC as the server stores names (users/username.ts): the console passes what was typed, the
  // server the stored name, and both must agree on "ｂｏｂ" and "bob".
  const password = typedPassword.normalize('NFKC')
  const username = typedUsername.normalize('NFKC')
  const p = password.toLowerCase()
  const u = username.trim().toLowerCase()
  if (u === '') return false
  if (p === u || p === reversed(u)) return true
  const cp = core(password)
  const cu = core(username)
  if (cu === '' || cp === '') return false
  return cp === cu || cp === reversed(cu) || (cp.length % cu.length === 0 && cp === cu.repeat(cp.length / cu.length))
}

const codeAt = (chars: readonly string[], i: number): number => (chars[i] as string).codePointAt(0) as number

/** How many runs the characters make, a run being a repeat ("aaaa") or a sequence ("1234", "dcba"). */
function runs(chars: readonly string[]): number {
  let count = 0
  let step: number | null = null
  for (let i = 0; i < chars.length; i++) {
    const d = i === 0 ? null : codeAt(chars, i) - codeAt(chars, i - 1)
    if (d !== null && (step === null ? Math.abs(d) <= 1 : d === step)) {
      step = d
      continue
    }
    count++
    step = null
  }
  return count
}

/**
 * One character repeated, a short pattern repeated ("abcabcabc", "12121212"), or at most two runs
 * of repeated or consecutive characters ("aaaaaaaa", "12345678", "1234abcd", "zyxw9876").
 */
export function isTrivialPattern(password: string): boolean {
  const chars = [...password.toLowerCase()]
  if (chars.length === 0) return false
  for (let unit = 1; unit <= 4 && unit * 2 <= chars.length; unit++) {
    if (chars.every((c, i) => c === chars[i % unit])) return true
  }
  return runs(chars) <= 2
}

export function passwordRules(password: string, username = ''): PasswordRule[] {
  const given = password !== ''
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
    {
      text: 'Not the username or a variant of it',
      met: given && !isUsernameVariant(password, username),
      problem: 'Password must not be the username or a variant of it',
    },
    {
      text: 'Not a repeated character or a simple sequence (aaaa, 1234)',
      met: given && !isTrivialPattern(password),
      problem: 'Password must not be a repeated character, a repeated pattern or a simple sequence such as 12345678',
    },
  ]
}
