// Reading a request's input, once for every route: the body with body-parser (JSON, and an
// OAuth-style form where a route takes one), the query string, and the schemas' verdict. A body is
// read only for a route that declares one, so the hot GET routes never touch a parser.

import type { IncomingMessage, ServerResponse } from 'node:http'
import bodyParser from 'body-parser'
import type { z } from 'zod'
import { AuthError } from '../core/errors.ts'
import type { BodyMedia } from './route.ts'

/** What a body may weigh; tokens, passwords and settings are far smaller. */
const BODY_LIMIT_BYTES = 64 * 1024
/** Form fields a body may have: the OAuth forms have a handful. */
const FORM_PARAMETER_LIMIT = 50

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void
const parseJson = bodyParser.json({ limit: BODY_LIMIT_BYTES, strict: true }) as unknown as Middleware
const parseForm = bodyParser.urlencoded({ extended: false, limit: BODY_LIMIT_BYTES, parameterLimit: FORM_PARAMETER_LIMIT }) as unknown as Middleware

/** body-parser's error types, worded for the API. */
const PARSER_ERRORS: Record<string, readonly [code: 'INVALID_INPUT' | 'BODY_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'BAD_REQUEST', detail: string]> = {
  'entity.parse.failed': ['INVALID_INPUT', 'The request body is not valid JSON'],
  'entity.too.large': ['BODY_TOO_LARGE', 'The request body is too large'],
  'parameters.too.many': ['BODY_TOO_LARGE', 'The request body has too many fields'],
  'encoding.unsupported': ['UNSUPPORTED_MEDIA_TYPE', 'The request body encoding is not supported'],
  'charset.unsupported': ['UNSUPPORTED_MEDIA_TYPE', 'The request body charset is not supported'],
  'request.aborted': ['BAD_REQUEST', 'The request was aborted'],
}

function parserError(err: unknown): AuthError {
  const type = (err as { type?: unknown }).type
  const known = typeof type === 'string' ? PARSER_ERRORS[type] : undefined
  return new AuthError(known?.[0] ?? 'BAD_REQUEST', known?.[1] ?? 'The request body could not be read', { cause: err })
}

/** The media type of the body, lower-cased, without parameters; undefined when none is said. */
function mediaType(req: IncomingMessage): string | undefined {
  const type = req.headers['content-type']
  return type === undefined ? undefined : type.split(';')[0]?.trim().toLowerCase()
}

/** Whether the request carries body bytes: chunked, or a length above 0. */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

/**
 * The parsed body, or undefined when the request has none. Bytes without a Content-Type are
 * refused like any type the route does not read: taken as no body, `{"revoke_sessions": true}`
 * would be a rotation that signs no one out.
 */
export function readBody(req: IncomingMessage, res: ServerResponse, media: BodyMedia): Promise<unknown> {
  if (!hasBody(req)) return Promise.resolve(undefined)
  const type = mediaType(req) ?? 'a body without a Content-Type'
  const parser = type === 'application/json' ? parseJson : type === 'application/x-www-form-urlencoded' && media !== 'json' ? parseForm : null
  if (parser === null) {
    if (media === 'form-json-or-none') return Promise.resolve(undefined)
    // FastAPI (and so Langflow) answers a body its JSON model cannot read with 422; a route that
    // also takes a form says which types it reads, with 415.
    if (media === 'json') return Promise.reject(new AuthError('INVALID_INPUT', `The request body must be a JSON object (application/json), not ${type}`))
    return Promise.reject(new AuthError('UNSUPPORTED_MEDIA_TYPE', `${type} is not accepted here: send application/x-www-form-urlencoded or application/json`))
  }
  return new Promise((resolve, reject) => {
    parser(req, res, (err) => (err === undefined ? resolve((req as IncomingMessage & { body?: unknown }).body) : reject(parserError(err))))
  })
}

/** The query string as Express's simple parser gave it: a name given twice is an array. */
export function queryOf(url: string): Record<string, string | string[]> {
  // No prototype: ?__proto__= and ?toString= are names like any other.
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>
  const q = url.indexOf('?')
  if (q === -1) return out
  for (const [name, value] of new URLSearchParams(url.slice(q + 1))) {
    const seen = out[name]
    out[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value]
  }
  return out
}

/** The first problem a schema found, as one sentence that names the field. */
function problemOf(error: z.ZodError, where: string): string {
  const issue = error.issues[0]
  if (issue === undefined) return `The ${where} is not valid`
  const path = issue.path.map(String).join('.')
  if (path === '') return where === 'body' && issue.code === 'invalid_type' ? 'The request body must be a JSON object' : issue.message
  // Our own messages name the field already ("limit must be …"); zod's do not.
  return issue.message.includes(path) ? issue.message : `${path}: ${issue.message}`
}

/** Input through its schema: the parsed value, or a 422 that says what is wrong. */
export function validated<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'path'): z.output<S> {
  const result = schema.safeParse(value)
  if (!result.success) throw new AuthError('INVALID_INPUT', problemOf(result.error, where))
  return result.data
}
