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
  // JSON.parse keeps one own property per distinct (decoded) name, the last of a repeated one
  // ("\u0061lg" and "alg" included, and "__proto__", which it defines as an own property): the
  // text names a member twice exactly when it has more members than the object has properties.
  const object = value as Record<string, unknown>
  let properties = 0
  for (const name in object) if (Object.hasOwn(object, name)) properties++
  return topLevelMembers(json) === properties ? object : null
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c

/**
 * How many members the outer object of `json` (known to be valid JSON text of an object) has:
 * its commas outside strings and nested values, plus one unless it is empty. Strings are skipped
 * with indexOf, so the hot path (a token's claims) costs a few comparisons per member.
 */
function topLevelMembers(json: string): number {
  let depth = 0
  let commas = 0
  let names = false // every member starts with its quoted name
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i)
    if (c === QUOTE) {
      if (depth === 1) names = true
      i = endOfString(json, i)
    } else if (c === 0x7b || c === 0x5b) depth++ // { [
    else if (c === 0x7d || c === 0x5d) depth-- // } ]
    else if (c === COMMA && depth === 1) commas++
  }
  return names ? commas + 1 : 0
}

/** The index of the quote closing the string that opens at `open` (valid JSON: it exists). */
function endOfString(json: string, open: number): number {
  for (let end = json.indexOf('"', open + 1); end !== -1; end = json.indexOf('"', end + 1)) {
    // Escaped when an odd number of backslashes comes right before it.
    let backslashes = 0
    while (json.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++
    if (backslashes % 2 === 0) return end
  }
  return json.length
}
