// The live sessions every protected request checks, kept compact: a session id and its user id are
// random UUIDs (sessions.create, users.create), so each is stored as its 16 bytes in an
// open-addressing table of typed arrays: about 40 bytes a session, off the JS heap, instead of
// ~200 bytes of strings, objects and Map entries the garbage collector walks (the aim:
// 100,000 live sessions on a small machine). An id of any other shape (a Langflow import) falls back to a plain Map.

const EMPTY = 0
const FULL = 1
/** A deleted slot: probing goes on past it. */
const GONE = 2
const MIN_CAPACITY = 1024

// Lower-case canonical only: uuid text and its 16 bytes must map one to one, so that comparing
// bytes is comparing strings (an upper-case variant of a live id is another, unknown, id).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Writes a canonical UUID's 16 bytes as four uint32 into `out` at `at`; false for any other text. */
function pack(id: string, out: Uint32Array, at: number): boolean {
  if (id.length !== 36 || !UUID.test(id)) return false
  out[at] = Number.parseInt(id.slice(0, 8), 16)
  out[at + 1] = Number.parseInt(id.slice(9, 13) + id.slice(14, 18), 16)
  out[at + 2] = Number.parseInt(id.slice(19, 23) + id.slice(24, 28), 16)
  out[at + 3] = Number.parseInt(id.slice(28, 36), 16)
  return true
}

export interface LiveSet {
  /** Adds or replaces a session. */
  set(sessionId: string, userId: string, expiresAtMs: number): void
  /** The session's expiry if it is in the set and belongs to `userId`, else null. */
  expiryOf(sessionId: string, userId: string): number | null
  /** Moves a known session's expiry (a rotation extends it); unknown ids are ignored. */
  extend(sessionId: string, expiresAtMs: number): void
  delete(sessionId: string): void
  /** Drops every session expired at `nowMs`. */
  dropExpired(nowMs: number): void
  readonly size: number
}

export function createLiveSet(): LiveSet {
  let capacity = MIN_CAPACITY
  let state = new Uint8Array(capacity)
  let sids = new Uint32Array(capacity * 4)
  let uids = new Uint32Array(capacity * 4)
  let expiries = new Float64Array(capacity)
  let full = 0
  let gone = 0
  const other = new Map<string, { userId: string; expiresAt: number }>()
  const key = new Uint32Array(4)
  const user = new Uint32Array(4)

  /** The slot holding `key`, or -1. */
  function find(): number {
    const mask = capacity - 1
    // The first word of a random UUID is already uniformly distributed.
    for (let slot = (key[0] as number) & mask, probes = 0; probes < capacity; slot = (slot + 1) & mask, probes++) {
      const s = state[slot]
      if (s === EMPTY) return -1
      const at = slot * 4
      if (s === FULL && sids[at] === key[0] && sids[at + 1] === key[1] && sids[at + 2] === key[2] && sids[at + 3] === key[3]) return slot
    }
    return -1
  }

  /** Puts `sid` (absent) into the first free slot; the caller fills uids and expiries. */
  function insertSlot(sid: Uint32Array): number {
    const mask = capacity - 1
    let slot = (sid[0] as number) & mask
    while (state[slot] === FULL) slot = (slot + 1) & mask
    if (state[slot] === GONE) gone -= 1
    state[slot] = FULL
    sids.set(sid, slot * 4)
    full += 1
    return slot
  }

  function resize(newCapacity: number): void {
    const old = { state, sids, uids, expiries, capacity }
    capacity = newCapacity
    state = new Uint8Array(capacity)
    sids = new Uint32Array(capacity * 4)
    uids = new Uint32Array(capacity * 4)
    expiries = new Float64Array(capacity)
    full = 0
    gone = 0
    for (let i = 0; i < old.capacity; i++) {
      if (old.state[i] !== FULL) continue
      const slot = insertSlot(old.sids.subarray(i * 4, i * 4 + 4))
      uids.set(old.uids.subarray(i * 4, i * 4 + 4), slot * 4)
      expiries[slot] = old.expiries[i] as number
    }
  }

  function remove(slot: number): void {
    state[slot] = GONE
    full -= 1
    gone += 1
  }

  function forget(sessionId: string): void {
    if (pack(sessionId, key, 0)) {
      const slot = find()
      if (slot !== -1) remove(slot)
    }
    if (other.size > 0) other.delete(sessionId)
  }

  return {
    set(sessionId, userId, expiresAtMs) {
      if (!pack(sessionId, key, 0) || !pack(userId, user, 0)) {
        forget(sessionId)
        other.set(sessionId, { userId, expiresAt: expiresAtMs })
        return
      }
      if (other.size > 0) other.delete(sessionId)
      let slot = find()
      if (slot === -1) {
        // At most half full, tombstones included, so probe runs stay short.
        if ((full + gone + 1) * 2 > capacity) resize(full * 4 > capacity ? capacity * 2 : capacity)
        slot = insertSlot(key)
      }
      uids.set(user, slot * 4)
      expiries[slot] = expiresAtMs
    },

    expiryOf(sessionId, userId) {
      if (pack(sessionId, key, 0)) {
        const slot = find()
        if (slot !== -1) {
          if (!pack(userId, user, 0)) return null
          const at = slot * 4
          const same = uids[at] === user[0] && uids[at + 1] === user[1] && uids[at + 2] === user[2] && uids[at + 3] === user[3]
          return same ? (expiries[slot] as number) : null
        }
      }
      const entry = other.size > 0 ? other.get(sessionId) : undefined
      return entry !== undefined && entry.userId === userId ? entry.expiresAt : null
    },

    extend(sessionId, expiresAtMs) {
      if (pack(sessionId, key, 0)) {
        const slot = find()
        if (slot !== -1) return void (expiries[slot] = expiresAtMs)
      }
      const entry = other.get(sessionId)
      if (entry !== undefined) entry.expiresAt = expiresAtMs
    },

    delete: forget,

    dropExpired(nowMs) {
      for (let slot = 0; slot < capacity; slot++) if (state[slot] === FULL && (expiries[slot] as number) <= nowMs) remove(slot)
      for (const [id, entry] of other) if (entry.expiresAt <= nowMs) other.delete(id)
      // Shrink after a mass expiry or revocation, and clear tombstones.
      let target = capacity
      while (target > MIN_CAPACITY && full * 8 < target) target /= 2
      if (target !== capacity || gone * 4 > capacity) resize(target)
    },

    get size() {
      return full + other.size
    },
  }
}
