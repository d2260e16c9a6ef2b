// The routes local apps call on every request of their own, GET /api/v1/users/whoami and the
// forward-auth GET /api/v1/auth/verify, and the refresh every client makes each access lifetime,
// POST /api/v1/refresh, answered straight from node:http. Express's router, middleware and body
// parsers cost several times the whole token check (bench/README.md). The caller is resolved by
// the same credentials.ts as every other route, the refresh runs the very function the Express
// route runs (refresh.ts), and errors leave as the same JSON. A refresh whose body this file does
// not read itself (an encoding, a charset) is left to Express, body untouched.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Principal } from '../core/authenticate.ts'
import type { AuthCore, Logger } from '../core/core.ts'
import { AuthError } from '../core/errors.ts'
import type { CookieJar } from './cookies.ts'
import { resolvePrincipal } from './credentials.ts'
import { userRead } from './dto.ts'
import { authErrorReply, parserMessages } from './error-handler.ts'
import { forwardAuthReply } from './forward-auth.ts'
import { refreshSession } from './refresh.ts'

/**
 * What every API answer carries beyond the security headers set on every response
 * (security-headers.ts); app.ts sets the same on the Express routes.
 */
export const API_HEADERS = {
  // Tokens and identities travel in these responses: never cache them (RFC 6749 §5.1).
  'Cache-Control': 'no-store',
} as const

const ROUTES: Record<string, (core: AuthCore, p: Principal, req: IncomingMessage) => { headers?: Record<string, string>; body: unknown }> = {
  '/api/v1/users/whoami': (_core, p) => ({ body: userRead(p.user) }),
  '/api/v1/auth/verify': forwardAuthReply,
}

/** What express.json and express.urlencoded take (app.ts): 64 KiB. */
export const BODY_LIMIT_BYTES = 64 * 1024
/** express.urlencoded's parameterLimit (app.ts). */
export const FORM_PARAMETER_LIMIT = 50

const REFRESH_PATH = '/api/v1/refresh'

/** A JSON answer with the API headers; app.ts writes its Host refusal with it too. */
export function send(res: ServerResponse, status: number, headers: Record<string, string | string[]>, body: unknown): void {
  const json = JSON.stringify(body)
  res.writeHead(status, { ...API_HEADERS, ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) })
  res.end(json)
}

/** A 4xx of the body parsers, worded as error-handler.ts words body-parser's. */
class BodyError extends Error {
  constructor(readonly status: number, readonly detail: string, readonly code: 'INVALID_INPUT' | 'BAD_REQUEST') {
    super(detail)
  }
}

/** 'skip': no body to read (none sent, or one Express has no parser for and discards). */
type BodyKind = 'skip' | 'json' | 'form'

/**
 * How express.json/express.urlencoded would treat this body, or null for what this file leaves to
 * them: a Content-Encoding (they inflate), a media type with parameters other than charset=utf-8
 * (they check charsets, and a malformed header is theirs to judge).
 */
function bodyKind(req: IncomingMessage): BodyKind | null {
  const { headers } = req
  // type-is's hasBody: a body is there when either framing header is.
  if (headers['transfer-encoding'] === undefined && headers['content-length'] === undefined) return 'skip'
  if (headers['content-encoding'] !== undefined) return null
  const type = headers['content-type']
  if (type === undefined) return 'skip'
  const semi = type.indexOf(';')
  const media = (semi === -1 ? type : type.slice(0, semi)).trim().toLowerCase()
  if (semi !== -1 && !/^\s*charset\s*=\s*"?utf-8"?\s*$/i.test(type.slice(semi + 1))) return null
  return media === 'application/json' ? 'json' : media === 'application/x-www-form-urlencoded' ? 'form' : 'skip'
}

/** The body as text, at most BODY_LIMIT_BYTES (raw-body's checks: the announced length, then what arrives). */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const announced = Number(req.headers['content-length'])
    if (announced > BODY_LIMIT_BYTES) return reject(new BodyError(413, parserMessages['entity.too.large'], 'BAD_REQUEST'))
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > BODY_LIMIT_BYTES) {
        req.off('data', onData)
        reject(new BodyError(413, parserMessages['entity.too.large'], 'BAD_REQUEST'))
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => resolve(Buffer.concat(chunks, size).toString('utf8')))
    req.once('error', reject)
    // A client that leaves mid-body: settle rather than hold the closures until the socket dies.
    req.once('close', () => {
      if (!req.complete) reject(new BodyError(400, 'The request body was not sent in full', 'BAD_REQUEST'))
    })
  })
}

const JSON_START = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d])/

/** express.json (strict): an object or array, {} for an empty body; anything else is a 422. */
function parseJson(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text // iconv-lite drops a BOM
  if (body.length === 0) return {}
  const first = JSON_START.exec(body)?.[1]
  try {
    if (first !== '{' && first !== '[') throw new SyntaxError('not an object or array')
    return JSON.parse(body) as unknown
  } catch {
    throw new BodyError(422, parserMessages['entity.parse.failed'], 'INVALID_INPUT')
  }
}

function decodeFormPart(text: string): string {
  const spaced = text.replace(/\+/g, ' ')
  try {
    return decodeURIComponent(spaced)
  } catch {
    return spaced // qs keeps what does not decode
  }
}

/**
 * express.urlencoded({ extended: false }) as far as a refresh reads it: at most 50 fields, and a
 * field given twice becomes an array (so not a token). Split like qs: at `]=` if present, else at
 * the first `=`.
 */
function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>
  if (text.length === 0) return out
  const parts = text.split('&')
  if (parts.length > FORM_PARAMETER_LIMIT) throw new BodyError(413, parserMessages['parameters.too.many'], 'BAD_REQUEST')
  for (const part of parts) {
    if (part === '') continue
    const bracket = part.indexOf(']=')
    const eq = bracket === -1 ? part.indexOf('=') : bracket + 1
    const key = decodeFormPart(eq === -1 ? part : part.slice(0, eq))
    if (key === '') continue
    const value = eq === -1 ? '' : decodeFormPart(part.slice(eq + 1))
    const seen = out[key]
    out[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value]
  }
  return out
}

async function parsedBody(req: IncomingMessage, kind: BodyKind): Promise<unknown> {
  // Express reads no body it has no parser for; node:http discards it after the answer.
  if (kind === 'skip') return undefined
  const text = await readBody(req)
  return kind === 'json' ? parseJson(text) : parseForm(text)
}

/** Returns a handler that answers the fast routes and returns false for everything else. */
export function createFastRoutes(core: AuthCore, cookies: CookieJar, log: Logger) {
  function fail(res: ServerResponse, req: IncomingMessage, path: string, err: unknown): void {
    if (res.headersSent) return void res.destroy()
    if (err instanceof AuthError) {
      const reply = authErrorReply(err)
      send(res, reply.status, reply.headers, reply.body)
    } else if (err instanceof BodyError) {
      send(res, err.status, {}, { detail: err.detail, code: err.code })
    } else {
      log.error('unhandled error', { method: req.method, path, error: err instanceof Error ? err.stack : String(err) })
      send(res, 500, {}, { detail: 'Internal server error', code: 'INTERNAL' })
    }
  }

  function refresh(req: IncomingMessage, res: ServerResponse, kind: BodyKind): void {
    parsedBody(req, kind)
      .then((body) => refreshSession(core, cookies, req, body))
      .then(
        (answer) => send(res, 200, { 'Set-Cookie': answer.setCookie }, answer.body),
        (err: unknown) => fail(res, req, REFRESH_PATH, err),
      )
  }

  return function handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.url === undefined) return false
    const q = req.url.indexOf('?')
    const raw = q === -1 ? req.url : req.url.slice(0, q)
    // Express (non-strict routing) took a trailing slash too.
    const path = raw.endsWith('/') ? raw.slice(0, -1) : raw
    if (req.method === 'POST') {
      if (path !== REFRESH_PATH) return false
      const kind = bodyKind(req)
      if (kind === null) return false
      refresh(req, res, kind)
      return true
    }
    if (req.method !== 'GET') return false
    const route = ROUTES[path]
    if (route === undefined) return false
    try {
      const principal = resolvePrincipal(core, req)
      if (principal === null) throw new AuthError('NOT_AUTHENTICATED', 'No authentication credentials provided')
      const reply = route(core, principal, req)
      send(res, 200, reply.headers ?? {}, reply.body)
    } catch (err) {
      fail(res, req, path, err)
    }
    return true
  }
}
