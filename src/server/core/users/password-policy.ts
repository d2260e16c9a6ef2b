// What a password must be: the rules the console also checks (shared/password-rules.ts), then not
// one of zxcvbn-ts's ~49,000 most common passwords (from breach corpora), which only the server
// holds: the console shows the server's refusal for that one rather than bundling the list.

import { passwordRules } from '../../../shared/password-rules.ts'
import { AuthError } from '../errors.ts'

let common: Promise<ReadonlySet<string>> | undefined

/**
 * The common-password list as a Set, loaded on first use (about 25 ms; the server starts without
 * it) and kept. The list is lower case, so a password is looked up lower-cased.
 */
export function commonPasswords(): Promise<ReadonlySet<string>> {
  common ??= import('@zxcvbn-ts/language-common').then(({ dictionary }) => new Set(dictionary['passwords-common']))
  return common
}

export const COMMON_PASSWORD_PROBLEM = 'This password is on a list of common or breached passwords; choose another (a few unrelated words make a strong one)'

/**
 * The password, if it meets every rule; else WEAK_PASSWORD naming the first it misses. `username`
 * is the account's (its new one when it changes in the same request).
 */
export async function checkPassword(password: unknown, username: string): Promise<string> {
  if (typeof password !== 'string') throw new AuthError('INVALID_INPUT', 'password must be a string')
  const unmet = passwordRules(password, username).find((rule) => !rule.met)
  if (unmet !== undefined) throw new AuthError('WEAK_PASSWORD', unmet.problem)
  if ((await commonPasswords()).has(password.toLowerCase())) throw new AuthError('WEAK_PASSWORD', COMMON_PASSWORD_PROBLEM)
  return password
}
