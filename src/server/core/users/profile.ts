// A user's OpenID Connect profile: the rules for email, full name and groups, and the claims the
// `profile` and `email` scopes release (OIDC Core §5.4), with `groups` always.

import { AuthError } from '../errors.ts'
import type { User } from '../store/types.ts'

export const EMAIL_MAX_CHARS = 254
export const NAME_MAX_CHARS = 128
export const GROUP_MAX_CHARS = 64
export const GROUPS_MAX = 50
/** Implied by is_superuser, so nobody can be given it (or lose it) through a group list. */
export const ADMIN_GROUP = 'admin'

// A sane shape, not RFC 5322's grammar (which allows comments and quoted spaces no app accepts):
// a local part of printable characters without spaces, quotes or angle brackets; a domain of
// dot-separated labels (letters, digits, hyphens; internationalised letters allowed) with at
// least one dot, no label starting or ending with a hyphen.
const LOCAL = /^[^\s"<>()[\]\\,;:@\p{Cc}\p{Cf}]{1,64}$/u
const LABEL = /^(?!-)[\p{L}\p{N}-]{1,63}(?<!-)$/u
const CONTROL = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u
const GROUP = /^[a-z0-9._-]{1,64}$/

/** An email address as stored: trimmed, NFC, the domain in lower case (the local part is the
 *  mailbox's to interpret, RFC 5321 §2.4, so it keeps its case); null clears it. */
export function normalizeEmail(value: unknown): string | null {
  if (value === null) return null
  if (typeof value !== 'string') throw new AuthError('INVALID_INPUT', 'email must be a string or null')
  const email = value.normalize('NFC').trim()
  if (email === '') return null
  if ([...email].length > EMAIL_MAX_CHARS) throw new AuthError('INVALID_INPUT', `email must be at most ${EMAIL_MAX_CHARS} characters`)
  const at = email.lastIndexOf('@')
  const local = email.slice(0, at)
  const domain = email.slice(at + 1).toLowerCase()
  const labels = domain.split('.')
  if (at < 1 || !LOCAL.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..') || labels.length < 2 || !labels.every((l) => LABEL.test(l))) {
    throw new AuthError('INVALID_INPUT', 'email must be an address such as name@example.com')
  }
  return `${local}@${domain}`
}

/** The identity of a (normalised) email: two addresses differing only in case are one. */
export const emailKey = (email: string): string => email.toLowerCase()

/** A full name as stored: trimmed, NFC, without control or invisible format characters; null clears it. */
export function normalizeFullName(value: unknown): string | null {
  if (value === null) return null
  if (typeof value !== 'string') throw new AuthError('INVALID_INPUT', 'name must be a string or null')
  const name = value.normalize('NFC').trim()
  if (name === '') return null
  if ([...name].length > NAME_MAX_CHARS) throw new AuthError('INVALID_INPUT', `name must be at most ${NAME_MAX_CHARS} characters`)
  if (CONTROL.test(name)) throw new AuthError('INVALID_INPUT', 'name must not contain control characters')
  return name
}

/** A group list as stored: each name 1–64 of [a-z0-9._-], `admin` refused, duplicates dropped, sorted. */
export function normalizeGroups(value: unknown): string[] {
  if (!Array.isArray(value)) throw new AuthError('INVALID_INPUT', 'groups must be an array of group names')
  const groups = new Set<string>()
  for (const g of value as unknown[]) {
    if (typeof g !== 'string' || !GROUP.test(g)) {
      throw new AuthError('INVALID_INPUT', `a group name is 1 to ${GROUP_MAX_CHARS} characters of a-z, 0-9, '.', '_' and '-'`)
    }
    if (g === ADMIN_GROUP) throw new AuthError('INVALID_INPUT', "the group 'admin' is reserved: make the user a superuser instead")
    groups.add(g)
  }
  if (groups.size > GROUPS_MAX) throw new AuthError('INVALID_INPUT', `a user may have at most ${GROUPS_MAX} groups`)
  return [...groups].sort()
}

/** What an ID token or the userinfo endpoint may say about a user (OIDC Core §5.1). */
export interface UserClaims {
  sub: string
  preferred_username?: string
  name?: string
  email?: string
  email_verified?: boolean
  /** `admin` for a superuser, then the assigned groups. */
  groups: string[]
}

/**
 * The claims the granted scopes release (OIDC Core §5.4): `profile` gives preferred_username and
 * name (when set), `email` gives email and email_verified (when an email is set); a claim with no
 * value is left out, not sent as null (§5.3.2). `groups` is always present.
 */
export function claimsFor(user: User, assigned: readonly string[], scopes: readonly string[]): UserClaims {
  const claims: UserClaims = { sub: user.id, groups: user.isSuperuser ? [ADMIN_GROUP, ...assigned.filter((g) => g !== ADMIN_GROUP)] : [...assigned] }
  if (scopes.includes('profile')) {
    claims.preferred_username = user.username
    if (user.fullName !== null) claims.name = user.fullName
  }
  if (scopes.includes('email') && user.email !== null) {
    claims.email = user.email
    claims.email_verified = user.emailVerified
  }
  return claims
}
