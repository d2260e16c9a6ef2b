// Limits on the JSON the database stores (a user's optins, an audit event's detail): checked when
// written, so nothing is stored that a later read cannot render, and again when read, for rows an
// older version (or anyone with the database file) wrote. JSON.parse is iterative in V8 but
// JSON.stringify recurses, so an object nested a few thousand levels deep parses, is stored and
// then throws "Maximum call stack size exceeded" on every response that includes it.

export interface JsonLimits {
  /** Nesting levels of objects and arrays; `{}` is 1, `{"a":{}}` is 2. */
  readonly maxDepth: number
  /** UTF-8 bytes of the JSON text. */
  readonly maxBytes: number
}

/** Langflow's optins are a handful of flat booleans ({"github_starred": false, ...}). */
export const OPTINS_LIMITS: JsonLimits = { maxDepth: 8, maxBytes: 16 * 1024 }
/** Written by the server itself; generous, so a limit here never costs an event its details. */
export const AUDIT_DETAIL_LIMITS: JsonLimits = { maxDepth: 8, maxBytes: 64 * 1024 }
/**
 * What a read still renders: far below the depth at which JSON.stringify runs out of stack, and
 * looser than the write limits, so a value an older version wrote within reason is still shown.
 */
export const RENDER_LIMITS: JsonLimits = { maxDepth: 64, maxBytes: 1024 * 1024 }

/**
 * Why `value` breaks `limits`, or null when it keeps them. Walks without recursion and stops at
 * the first level or node past a limit, so a hostile value costs no more than the limit to check.
 */
export function jsonLimitViolation(value: unknown, limits: JsonLimits): string | null {
  // Every value takes at least one byte of JSON text: more nodes than bytes cannot fit.
  let budget = limits.maxBytes
  const stack: [unknown, number][] = [[value, 1]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number]
    if (--budget < 0) return `is larger than ${limits.maxBytes} bytes`
    if (node === null || typeof node !== 'object') continue
    if (depth > limits.maxDepth) return `is nested more than ${limits.maxDepth} levels deep`
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1])
  }
  // The depth is bounded now, so stringify cannot overflow the stack.
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '')
  return bytes > limits.maxBytes ? `is larger than ${limits.maxBytes} bytes (${bytes})` : null
}

export type StoredJson = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string }

/** A stored JSON text, parsed only if it keeps RENDER_LIMITS (see the header). Never throws. */
export function readStoredJson(text: string): StoredJson {
  if (Buffer.byteLength(text) > RENDER_LIMITS.maxBytes) return { ok: false, reason: `is larger than ${RENDER_LIMITS.maxBytes} bytes` }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, reason: 'is not valid JSON' }
  }
  const violation = jsonLimitViolation(value, RENDER_LIMITS)
  return violation === null ? { ok: true, value } : { ok: false, reason: violation }
}

export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
