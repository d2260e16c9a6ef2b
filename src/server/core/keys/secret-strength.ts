// How guessable an HS256 secret is: refused when it is a well-known example value, a repeated or
// sequential pattern, a handful of words, or carries an estimated entropy under 128 bits. Anyone
// who guesses the secret signs tokens for any user, superusers included, and tests guesses offline.

/** What to tell whoever brought a weak secret. */
export const GENERATE_SECRET_HINT = 'generate one with: openssl rand -base64 32'

export const MIN_SECRET_BITS = 128

/**
 * Values people copy from docs and tutorials (Langflow's, FastAPI's, jwt.io's, the guides in
 * seeds 000 and 004), compared lower-cased without anything but letters and digits.
 */
const WELL_KNOWN = [
  'secret', 'changeme', 'change-me', 'changeit', 'password', 'langflow', 'authdock', 'mysecret', 'supersecret', 'topsecret',
  'secret-key', 'secretkey', 'jwt-secret', 'jwt-secret-key', 'jwt_secret_key', 'your-secret-key', 'your-secret-key-here',
  'your-custom-secret-key', 'your-jwt-secret', 'your-256-bit-secret', 'a-string-secret-at-least-256-bits-long',
  'replace-me', 'insert-secret-here', 'my-super-secret-key', 'super-secret-key',
  // FastAPI's "OAuth2 with JWT" tutorial: random-looking, and therefore copied verbatim.
  '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7',
].map((s) => s.replace(/[^a-z0-9]/g, ''))
const WELL_KNOWN_SET = new Set(WELL_KNOWN)

/** Symbols in the smallest usual alphabet holding every character of `s`. */
function alphabetSize(s: string): number {
  if (/^[0-9]+$/.test(s)) return 10
  if (/^[0-9a-f]+$/.test(s) || /^[0-9A-F]+$/.test(s)) return 16
  if (/^[A-Za-z0-9+/_=-]+$/.test(s)) return 64 // base64 and base64url
  if (/^[\x20-\x7e]+$/.test(s)) return 95
  return 256
}

/** Shannon entropy of the characters' frequencies, in bits per character: 0 for "aaaa…". */
function shannonPerChar(chars: readonly string[]): number {
  const counts = new Map<string, number>()
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1)
  let h = 0
  for (const n of counts.values()) {
    const p = n / chars.length
    h -= p * Math.log2(p)
  }
  return h
}

/**
 * Length × bits per character of its alphabet, as if each character were drawn at random from
 * it; unless the characters' frequencies show far less variety than random text over that
 * alphabet shows (whose Shannon entropy is close to log2 of the alphabet or of the length, the
 * smaller), then length × that Shannon entropy. 43 random base64url characters: 258 bits;
 * 32 random hex digits: 128; 40 characters of "a" and "c" in any order: about 40.
 */
function estimatedBits(chars: readonly string[], alphabet: number): number {
  const h = shannonPerChar(chars)
  const random = Math.log2(Math.min(alphabet, chars.length))
  return chars.length * (h >= 0.75 * random ? Math.log2(alphabet) : h)
}

const codeAt = (chars: readonly string[], i: number): number => (chars[i] as string).codePointAt(0) as number

/** Adjacent characters that repeat or count up or down by one ("aa", "45", "dc"). */
function steps(chars: readonly string[]): number {
  let n = 0
  for (let i = 1; i < chars.length; i++) {
    if (Math.abs(codeAt(chars, i) - codeAt(chars, i - 1)) <= 1) n++
  }
  return n
}

/** The shortest unit that `s` is a whole repetition of, or null. */
function repeatedUnit(s: string): string | null {
  for (let len = 1; len <= s.length / 2; len++) {
    if (s.length % len === 0 && s.slice(0, len).repeat(s.length / len) === s) return s.slice(0, len)
  }
  return null
}

/** A diceware word carries log2(7776) ≈ 12.9 bits; a word a person picked carries fewer. */
const BITS_PER_WORD = 13

export interface SecretStrength {
  /** The estimate, in bits: the alphabet or frequency estimate, or the word estimate if lower. */
  readonly bits: number
  /** Why the secret is refused, as the end of a sentence that starts with its name; null when it is not. */
  readonly problem: string | null
}

export function secretStrength(secret: string): SecretStrength {
  const chars = [...secret]
  const folded = secret.toLowerCase().replace(/[^a-z0-9]/g, '')
  // Words as people write them ("correct-horse-battery-staple-2024"), not random base64url
  // that happens to hold a "-" or "_": mixed case inside a token is not a word.
  const words = secret.split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '')
  const phrase = words.length >= 2 && words.every((w) => /^(?:\p{Ll}+|\p{Lu}\p{Ll}*|\p{Lu}+|[0-9]{1,4})$/u.test(w))
  const bits = Math.floor(Math.min(estimatedBits(chars, alphabetSize(secret)), phrase ? words.length * BITS_PER_WORD : Infinity))
  const weak = (problem: string): SecretStrength => ({ bits, problem })
  if (WELL_KNOWN_SET.has(folded) || (folded !== '' && WELL_KNOWN_SET.has(repeatedUnit(folded) ?? ''))) {
    return weak('is a well-known example value')
  }
  const unit = repeatedUnit(secret)
  if (unit !== null) return weak(`is ${JSON.stringify(unit.length > 12 ? `${unit.slice(0, 12)}…` : unit)} repeated`)
  // Random text has few such steps (3 in 64 neighbours for base64, 3 in 16 for hex).
  if (steps(chars) > chars.length / 2) return weak('is mostly repeated or consecutive characters')
  if (phrase && bits < MIN_SECRET_BITS) return weak(`is ${words.length} words, about ${bits} bits; at least ${MIN_SECRET_BITS} are needed`)
  if (bits < MIN_SECRET_BITS) return weak(`has an estimated ${bits} bits of entropy; at least ${MIN_SECRET_BITS} are needed`)
  return { bits, problem: null }
}
