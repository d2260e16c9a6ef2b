// authdock/verify: checks authdock access tokens inside a local Node app without a request to the
// server per token: signatures against the JWKS, revocations from the server's event stream.
// Plain ESM JavaScript (types in index.d.ts) so that it runs on Node 20 with no build step.

import { setTimeout as sleep } from 'node:timers/promises'
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, errors, jwtVerify } from 'jose'

/** Longer than any token the server issues; the server refuses anything longer unread too. */
const MAX_TOKEN_LENGTH = 8192
/**
 * jose refetches the JWKS for an unknown kid at most once per cooldown, which keeps forged kids
 * from turning into a flood of fetches. A real unknown kid is a key rotated in since our last
 * fetch, so a verify that meets one during the cooldown waits it out once (see getKey).
 */
const UNKNOWN_KID_COOLDOWN_MS = 1_000
/** The server sends `: ping` every 15 s; three missed means a dead (half-open) connection. */
const IDLE_TIMEOUT_MS = 45_000
/** Until the server's `retry:` hint arrives (it sends 2000). */
const DEFAULT_RETRY_MS = 2_000
const MIN_RETRY_MS = 100
const MAX_BACKOFF_MS = 30_000
/**
 * A revoked sid matters only while a token of its session may be unexpired. Every snapshot lists
 * exactly those sids, so an entry a snapshot has not re-confirmed for a day is dropped, and the
 * stream reconnects (taking a new snapshot) every RESYNC_MS so that a longer lifetime still keeps
 * its sids.
 */
const REVOKED_KEEP_MS = 24 * 3600_000
const RESYNC_MS = 6 * 3600_000
const RESYNC = new Error('scheduled reconnect')
/** An SSE line longer than this is not from our server: drop the connection rather than buffer it. */
const MAX_LINE_CHARS = 1 << 20

const STATUS = {
  NOT_AUTHENTICATED: 401,
  INVALID_TOKEN: 401,
  TOKEN_EXPIRED: 401,
  SESSION_REVOKED: 401,
  // Not the token's fault: a 401 would make clients throw away a good token and log in again.
  AUTH_SERVER_UNAVAILABLE: 503,
}

export class VerifyError extends Error {
  constructor(code, message, options) {
    super(message, options)
    this.name = 'VerifyError'
    this.code = code
    this.status = STATUS[code]
  }
}

/**
 * A parser for the text/event-stream format (WHATWG HTML §9.2.6). Feed it decoded text in chunks
 * of any size: a line or a CRLF split across chunks is reassembled.
 */
export function createSseParser({ onEvent, onRetry = () => {} }, { lastEventId = '' } = {}) {
  let buffer = ''
  let pendingCR = false // the last chunk ended in \r: a \n opening the next one is the same line end
  let started = false
  let type = ''
  let data = []
  let idBuffer = lastEventId

  function dispatch() {
    // The id sticks even for an event without data: it is what a reconnect sends as Last-Event-ID.
    lastEventId = idBuffer
    if (data.length > 0) onEvent({ type: type || 'message', data: data.join('\n'), id: lastEventId })
    type = ''
    data = []
  }

  function line(text) {
    if (text === '') return dispatch()
    if (text.startsWith(':')) return // a comment: the server's heartbeat
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    let value = colon === -1 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') type = value
    else if (field === 'data') data.push(value)
    else if (field === 'id' && !value.includes('\0')) idBuffer = value
    else if (field === 'retry' && /^\d+$/.test(value)) onRetry(Number(value))
  }

  return {
    push(text) {
      if (text === '') return // must not forget a pending \r
      if (!started) {
        started = true
        if (text.startsWith('\uFEFF')) text = text.slice(1)
      }
      if (pendingCR && text.startsWith('\n')) text = text.slice(1)
      pendingCR = false
      buffer += text
      const ends = /\r\n|\r|\n/g
      let start = 0
      for (let m = ends.exec(buffer); m !== null; m = ends.exec(buffer)) {
        line(buffer.slice(start, m.index))
        start = ends.lastIndex
      }
      pendingCR = buffer.endsWith('\r')
      buffer = buffer.slice(start)
      if (buffer.length > MAX_LINE_CHARS) throw new Error('event stream line too long')
    },
    get lastEventId() {
      return lastEventId
    },
  }
}

function jsonObject(text) {
  try {
    const value = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null
  } catch {
    return null
  }
}

const listOf = (value) => (Array.isArray(value) ? value : [])

export function createVerifier({
  baseUrl,
  apiKey,
  issuer = 'authdock',
  algorithms = ['RS256', 'RS512'],
  fetch: fetchImpl = globalThis.fetch,
  maxOfflineMs = 60_000,
  onError = () => {},
}) {
  if (typeof apiKey !== 'string' || apiKey === '') throw new TypeError('createVerifier: apiKey is required')
  // Relative to the base so that a server behind a path prefix (https://host/auth/) works too.
  const base = new URL(String(baseUrl).replace(/\/*$/, '/'))
  const jwksUrl = new URL('.well-known/jwks.json', base)
  const streamUrl = new URL('api/v1/revocations/stream', base)
  const jwks = createRemoteJWKSet(jwksUrl, { cooldownDuration: UNKNOWN_KID_COOLDOWN_MS, [customFetch]: fetchImpl })

  const revoked = new Map() // sid -> when a snapshot or event last told us of it (ms)
  const retiredKids = new Set() // a retirement is for ever
  const closing = new AbortController()
  let live = false // a snapshot arrived on the connection now open
  let offlineSince = null // null until the first snapshot: nothing is accepted before it
  let failures = 0
  let retryMs = DEFAULT_RETRY_MS
  let lastEventId = ''
  let everSynced = false

  // A throwing onError must not stop the reconnect loop.
  const report = (err) => {
    try {
      onError(err)
    } catch {}
  }

  let settleReady
  const ready = new Promise((resolve, reject) => (settleReady = { resolve, reject }))
  ready.catch(() => {}) // only a caller that awaits `ready` should see its failure

  function onEvent({ type, data }) {
    const body = jsonObject(data)
    if (body === null) return report(new Error(`revocation stream: unreadable ${type} event`))
    const now = Date.now()
    if (type === 'snapshot') {
      // Union, not replace: a snapshot adds and re-confirms; what it no longer lists ages out.
      for (const sid of listOf(body.revoked_sessions)) if (typeof sid === 'string') revoked.set(sid, now)
      for (const kid of listOf(body.retired_kids)) if (typeof kid === 'string') retiredKids.add(kid)
      for (const [sid, at] of revoked) if (now - at > REVOKED_KEEP_MS) revoked.delete(sid)
      live = true
      offlineSince = null
      failures = 0
      everSynced = true
      settleReady.resolve()
    } else if (type === 'revoked' && typeof body.sid === 'string') revoked.set(body.sid, now)
    else if (type === 'key_retired' && typeof body.kid === 'string') retiredKids.add(body.kid)
  }

  async function readStream(conn) {
    const signal = AbortSignal.any([closing.signal, conn.signal])
    const headers = { accept: 'text/event-stream', 'cache-control': 'no-store', 'x-api-key': apiKey }
    // The server answers every connection with a fresh snapshot; the id costs nothing to send and
    // lets a server that replays missed events do so.
    if (lastEventId !== '') headers['last-event-id'] = lastEventId
    const res = await fetchImpl(streamUrl.href, { headers, signal, redirect: 'error' })
    if (res.status !== 200 || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      const detail = (await res.text().catch(() => '')).slice(0, 300)
      const retryAfter = Number(res.headers.get('retry-after'))
      throw Object.assign(new Error(`revocation stream refused: HTTP ${res.status} ${detail}`), {
        status: res.status,
        retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : 0,
      })
    }
    // A floor on the hint: `retry: 0` from a server that then hangs up would be a request storm.
    const parser = createSseParser({ onEvent, onRetry: (ms) => void (retryMs = Math.max(ms, MIN_RETRY_MS)) }, { lastEventId })
    const decoder = new TextDecoder()
    let idle
    const watchdog = () => {
      clearTimeout(idle)
      idle = setTimeout(() => conn.abort(new Error('revocation stream idle: no heartbeat')), IDLE_TIMEOUT_MS)
      idle.unref?.()
    }
    try {
      watchdog()
      for await (const chunk of res.body) {
        watchdog()
        parser.push(decoder.decode(chunk, { stream: true }))
        lastEventId = parser.lastEventId
      }
    } finally {
      clearTimeout(idle)
    }
  }

  async function run() {
    while (!closing.signal.aborted) {
      const conn = new AbortController()
      const resync = setTimeout(() => conn.abort(RESYNC), RESYNC_MS)
      resync.unref?.()
      let waitMs
      try {
        await readStream(conn)
        waitMs = retryMs // the server ended the stream (a restart, say): come back as it asked
      } catch (err) {
        if (closing.signal.aborted) break
        if (conn.signal.reason === RESYNC) waitMs = 0
        else {
          failures += 1
          report(err instanceof Error ? err : new Error(String(err)))
          // A wrong API key will not fix itself: let whoever awaits `ready` say so at start-up.
          if (!everSynced && (err?.status === 401 || err?.status === 403)) settleReady.reject(err)
          const backoff = Math.min(MAX_BACKOFF_MS, retryMs * 2 ** (failures - 1))
          waitMs = Math.max(err?.retryAfterMs ?? 0, backoff * (0.8 + Math.random() * 0.4))
        }
      } finally {
        clearTimeout(resync)
        if (live) {
          live = false
          offlineSince = Date.now()
        }
      }
      await sleep(waitMs, undefined, { signal: closing.signal }).catch(() => {})
    }
  }
  void run()

  // Between connections we keep accepting for a short while (a server restart takes seconds; the
  // next snapshot then catches every revocation made meanwhile), but not for ever.
  function requireRevocationFeed() {
    if (live) return
    if (offlineSince !== null && Date.now() - offlineSince <= maxOfflineMs) return
    throw new VerifyError('AUTH_SERVER_UNAVAILABLE', everSynced ? 'The revocation stream has been down too long' : 'The revocation list has not been received yet')
  }

  async function getKey(header, token) {
    try {
      return await jwks(header, token)
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || !jwks.coolingDown) throw err
      // Once the cooldown is over jose fetches again; if another request fetched meanwhile, that
      // fetch is newer than this token, so a kid still missing then is truly unknown.
      await sleep(UNKNOWN_KID_COOLDOWN_MS)
      return jwks(header, token)
    }
  }

  async function verify(token) {
    if (typeof token !== 'string' || token === '' || token.length > MAX_TOKEN_LENGTH) {
      throw new VerifyError('INVALID_TOKEN', 'Could not validate credentials')
    }
    requireRevocationFeed()
    let header
    try {
      header = decodeProtectedHeader(token)
    } catch (cause) {
      throw new VerifyError('INVALID_TOKEN', 'Could not validate credentials', { cause })
    }
    // The server always names its key; without a kid the retired-key check could not apply.
    if (typeof header.kid !== 'string' || retiredKids.has(header.kid)) throw new VerifyError('INVALID_TOKEN', 'Could not validate credentials')
    let payload
    try {
      ;({ payload } = await jwtVerify(token, getKey, { issuer, algorithms, requiredClaims: ['exp', 'sub', 'sid'] }))
    } catch (cause) {
      if (cause instanceof errors.JWTExpired) throw new VerifyError('TOKEN_EXPIRED', 'Token has expired', { cause })
      const serverSide = !(cause instanceof errors.JOSEError) || ['ERR_JOSE_GENERIC', 'ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID'].includes(cause.code)
      if (serverSide) throw new VerifyError('AUTH_SERVER_UNAVAILABLE', 'The signing keys could not be fetched', { cause })
      throw new VerifyError('INVALID_TOKEN', 'Could not validate credentials', { cause })
    }
    if (payload.type !== 'access' || typeof payload.sid !== 'string' || typeof payload.sub !== 'string') {
      throw new VerifyError('INVALID_TOKEN', 'Could not validate credentials')
    }
    // Checked after the await, which may have waited on a JWKS fetch while events arrived.
    if (retiredKids.has(header.kid)) throw new VerifyError('INVALID_TOKEN', 'Could not validate credentials')
    if (revoked.has(payload.sid)) throw new VerifyError('SESSION_REVOKED', 'Session has expired or was revoked')
    requireRevocationFeed()
    return payload
  }

  function refuse(res, err) {
    res.statusCode = err.status
    res.setHeader('content-type', 'application/json; charset=utf-8')
    if (err.status === 401) res.setHeader('www-authenticate', 'Bearer')
    if (err.status === 503) res.setHeader('retry-after', String(Math.ceil(retryMs / 1000)))
    res.end(JSON.stringify({ detail: err.message, code: err.code }))
  }

  function middleware() {
    // Plain req/res/next, so it works in Express, Connect and node:http alike.
    return (req, res, next) => {
      const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers?.authorization ?? '')
      if (m === null) return refuse(res, new VerifyError('NOT_AUTHENTICATED', 'No authentication credentials provided'))
      verify(m[1]).then(
        (payload) => {
          req.auth = { sub: payload.sub, sid: payload.sid, payload }
          next()
        },
        (err) => (err instanceof VerifyError ? refuse(res, err) : next(err)),
      )
    }
  }

  function close() {
    closing.abort()
    settleReady.reject(new Error('verifier closed'))
  }

  return { verify, middleware, ready, close }
}
