// JSON objects of a JWS header or claims set, parsed strictly: a member named twice is refused
// (RFC 7515 §4 and RFC 7519 §4 let a parser refuse or take the last; refusing means no other
// verifier along the way can read a different `alg`, `kid` or `sub` from the same bytes).

/** The object, or null when the text is not a JSON object or names a top-level member twice. */
export function parseStrictObject(json: string): Record<string, unknown> | null {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return null
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null
  return hasDuplicateMembers(json) ? null : (value as Record<string, unknown>)
}

const QUOTE = 0x22
const BACKSLASH = 0x5c

/** Scans text already known to be valid JSON for a repeated member name of the outer object. */
function hasDuplicateMembers(json: string): boolean {
  const seen = new Set<string>()
  let depth = 0
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i)
    if (c === QUOTE) {
      const start = i
      for (i++; json.charCodeAt(i) !== QUOTE; i++) if (json.charCodeAt(i) === BACKSLASH) i++
      if (depth !== 1) continue
      let j = i + 1
      while (json[j] === ' ' || json[j] === '\t' || json[j] === '\n' || json[j] === '\r') j++
      if (json[j] !== ':') continue
      // Decoded, so that "\u0061lg" counts as a second "alg".
      const name = JSON.parse(json.slice(start, i + 1)) as string
      if (seen.has(name)) return true
      seen.add(name)
    } else if (c === 0x7b || c === 0x5b) depth++
    else if (c === 0x7d || c === 0x5d) depth--
  }
  return false
}
