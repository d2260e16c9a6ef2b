// A route declared once: method, path, who may call it, its input and response schemas, the error
// codes it can answer and its handler. router.ts serves every declaration, openapi.ts documents
// them; nothing else knows the API's shape.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { z } from 'zod'
import type { RequestContext } from '../core/audit.ts'
import type { Principal } from '../core/authenticate.ts'
import type { AuthErrorCode } from '../core/errors.ts'
import type { Credential } from './credentials.ts'

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/**
 * Who may call a route. `public`: anyone, no credential read. `optional`: anyone, a credential if
 * presented is checked and handed on (sign-up, where a superuser may do more). `user`: any signed-in
 * user, by token or API key. `superuser`. `local-app`: a caller trusted with other people's tokens
 * (core introspection's mayIntrospect), which answers in OAuth's words.
 */
export type CallerKind = 'public' | 'optional' | 'user' | 'superuser' | 'local-app'

/** How errors are written: Langflow's {detail, code}, or OAuth's {error, error_description}. */
export type Dialect = 'langflow' | 'oauth'

/**
 * The media types a body may come in: JSON always; an OAuth-style form where declared; and for
 * Langflow's refresh and logout, which read no body, anything else is taken as none (a beacon
 * sends text/plain) rather than refused.
 */
export type BodyMedia = 'json' | 'form-or-json' | 'form-json-or-none'

type Caller<K extends CallerKind> = K extends 'public' ? null : K extends 'optional' ? Principal | null : Principal

export interface Call<K extends CallerKind, P, Q, B> {
  readonly req: IncomingMessage
  /** For what a reply object cannot say: Set-Cookie lines appended before the answer, a stream. */
  readonly res: ServerResponse
  readonly params: P
  readonly query: Q
  readonly body: B
  readonly caller: Caller<K>
  /** Which credential authenticated the caller; null without one. */
  readonly credential: Credential | null
  readonly context: RequestContext
}

export interface Reply {
  readonly status?: number
  readonly headers?: Readonly<Record<string, string | string[]>>
  /** JSON unless `raw` says otherwise. */
  readonly body?: unknown
  /** A body sent as is, with its own Content-Type in `headers` (the JWKS, the docs page). */
  readonly raw?: string | Buffer
}

/**
 * What a handler returns: a reply, or 'streamed' when it wrote the response itself (event
 * streams and downloads, which outlive the handler).
 */
export type Outcome = Reply | 'streamed'

type Schema = z.ZodType

/** A declaration as the router and the document generator read it. */
interface RouteFields {
  readonly method: Method
  /** The full path; `:name` for a parameter. Matched without regard to case or a trailing slash. */
  readonly path: string
  readonly caller: CallerKind
  /** One line for the API document. */
  readonly summary: string
  readonly tag: string
  readonly params?: Schema
  readonly query?: Schema
  readonly body?: Schema
  /** Without one, a route that declares a body takes only JSON. */
  readonly bodyMedia?: BodyMedia
  /** A body may be left out (then the handler gets the schema's parse of {}). */
  readonly bodyOptional?: boolean
  /** The JSON of a 2xx answer; null for one that is not JSON (a stream, a file). */
  readonly response: Schema | null
  /** The status of a success; 200 unless said. */
  readonly status?: number
  /** The error codes the handler itself may raise; those of the caller kind and of input are added. */
  readonly errors?: readonly AuthErrorCode[]
  readonly dialect?: Dialect
  /** Left out of the API document (the docs page itself). */
  readonly hidden?: boolean
  /** Other answers than the success and the errors, for the document (a 304). */
  readonly otherStatuses?: Readonly<Record<number, string>>
}

type Parsed<S extends Schema | undefined, Else> = S extends Schema ? z.output<S> : Else

export interface RouteSpec<K extends CallerKind, PS extends Schema | undefined, QS extends Schema | undefined, BS extends Schema | undefined>
  extends Omit<RouteFields, 'caller' | 'params' | 'query' | 'body'> {
  readonly caller: K
  readonly params?: PS
  readonly query?: QS
  readonly body?: BS
  readonly handler: (call: Call<K, Parsed<PS, Record<string, never>>, Parsed<QS, Record<string, never>>, Parsed<BS, undefined>>) => Outcome | Promise<Outcome>
}

/** A declaration with its types erased. */
export interface Route extends RouteFields {
  readonly handler: (call: Call<CallerKind, unknown, unknown, unknown>) => Outcome | Promise<Outcome>
}

/** Declares a route; the types of the handler's call follow from the schemas. */
export function route<K extends CallerKind, PS extends Schema | undefined = undefined, QS extends Schema | undefined = undefined, BS extends Schema | undefined = undefined>(
  spec: RouteSpec<K, PS, QS, BS>,
): Route {
  return spec as unknown as Route
}

/** The error codes a caller kind brings to every route of that kind. */
function callerErrors(kind: CallerKind): readonly AuthErrorCode[] {
  const credential: AuthErrorCode[] = ['INVALID_TOKEN', 'TOKEN_EXPIRED', 'SESSION_REVOKED', 'INVALID_API_KEY', 'API_KEY_EXPIRED', 'API_KEY_RATE_LIMITED', 'DUPLICATE_COOKIE', 'FORBIDDEN']
  switch (kind) {
    case 'public':
      return []
    case 'optional':
      return credential
    case 'user':
      return ['NOT_AUTHENTICATED', ...credential]
    case 'superuser':
    case 'local-app':
      return ['NOT_AUTHENTICATED', 'NOT_SUPERUSER', ...credential]
  }
}

/** What any route may answer: a Host this server does not answer to, or its own failure. */
const ANY_ROUTE: readonly AuthErrorCode[] = ['HOST_NOT_ALLOWED', 'INTERNAL']

/** Every code a route may answer: its own, its caller kind's, bad input when it takes any, and ANY_ROUTE's. */
export function routeErrors(r: Route): AuthErrorCode[] {
  const input: AuthErrorCode[] = r.params !== undefined || r.query !== undefined || r.body !== undefined ? ['INVALID_INPUT'] : []
  // A path parameter that is not valid percent-encoding; a body too large, cut off, or in a charset
  // body-parser cannot read.
  const reading: AuthErrorCode[] = [...(r.params !== undefined ? ['BAD_REQUEST' as const] : []), ...(r.body !== undefined ? ['BAD_REQUEST', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const : [])]
  return [...new Set([...callerErrors(r.caller), ...input, ...reading, ...(r.errors ?? []), ...ANY_ROUTE])]
}
