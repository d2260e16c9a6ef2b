// Usernames: the display form (kept as created, in NFKC) and the identity key two accounts may
// not share. The key folds what makes two names look alike: compatibility forms (NFKC: fullwidth,
// ligatures, the Kelvin sign), composed and decomposed accents, case (full folding, so ß = SS),
// runs of spaces, and Cyrillic or Greek letters drawn exactly like Latin ones.

import { AuthError } from '../errors.ts'

export const USERNAME_MAX_CHARS = 128

/**
 * The version of usernameKey()'s rule, saved with the database (1 was plain lower case). Raise it
 * whenever the rule changes: at start-up the stored keys are recomputed once (users.rekeyUsernames).
 */
export const USERNAME_KEY_RULE = 2

// Controls, surrogates, private use, unassigned, line and paragraph separators, and every
// default-ignorable code point (zero-width spaces and joiners, bidi overrides, soft hyphen,
// Hangul fillers, variation selectors): invisible, so a name holding one looks like one without.
const INVISIBLE = /[\p{Cc}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u

/** The display form: Unicode NFKC, trimmed. Invisible and control characters are refused. */
export function normalizeUsername(username: unknown): string {
  if (typeof username !== 'string') throw new AuthError('INVALID_INPUT', 'username must be a string')
  const name = username.normalize('NFKC').trim()
  if (name.length === 0) throw new AuthError('INVALID_INPUT', 'username must not be empty')
  if ([...name].length > USERNAME_MAX_CHARS) throw new AuthError('INVALID_INPUT', `username must be at most ${USERNAME_MAX_CHARS} characters`)
  if (INVISIBLE.test(name)) throw new AuthError('INVALID_INPUT', 'username must not contain control or invisible characters')
  return name
}

// Lower-case Cyrillic and Greek letters that are drawn as a Latin letter (Unicode's confusables.txt,
// the unambiguous ones only): "аdmin" with a Cyrillic а must not pass for "admin".
const LOOKALIKES: Readonly<Record<string, string>> = {
  а: 'a', е: 'e', ё: 'ë', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', ѕ: 's', і: 'i', ї: 'ï', ј: 'j',
  һ: 'h', ԁ: 'd', ԛ: 'q', ԝ: 'w', ӏ: 'l', ɑ: 'a', ɡ: 'g', ı: 'i',
  ο: 'o', ν: 'v', ι: 'i', ρ: 'p', υ: 'u', α: 'a', κ: 'k', χ: 'x', ϲ: 'c', ϳ: 'j',
}
const LOOKALIKE = new RegExp(`[${Object.keys(LOOKALIKES).join('')}]`, 'gu')

/** The identity of a (normalized) username: two names with the same key are the same account. */
export function usernameKey(normalized: string): string {
  // toUpperCase then toLowerCase is JavaScript's nearest to Unicode full case folding (ß → SS → ss,
  // final ς → Σ → σ); folding can leave text that is not NFKC, hence the second normalisation.
  return normalized
    .toUpperCase()
    .toLowerCase()
    .normalize('NFKC')
    .replace(/ {2,}/g, ' ')
    .replace(LOOKALIKE, (c) => LOOKALIKES[c] ?? c)
}
