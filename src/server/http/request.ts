// Reading requests at the edge: caller context, body fields, query parameters, and the guards
// that put the caller (credentials.ts) on res.locals.

import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { IncomingMessage } from 'node:http'
import type { RequestContext } from '../core/audit.ts'
import type { Principal } from '../core/authenticate.ts'
import type { AuthCore } from '../core/core.ts'
import { parseIsoTime } from '../core/clock.ts'
import { AuthError } from '../core/errors.ts'
import { resolvePrincipal } from './credentials.ts'

/** Takes a plain IncomingMessage, so that the node:http fast path (fast-routes.ts) uses it too. */
export function contextOf(req: IncomingMessage): RequestContext {
  const agent = req.headers['user-agent']
  return { ip: req.socket.remoteAddress ?? null, userAgent: agent === undefined ? null : agent.slice(0, 512) }
}

/** A field of a parsed JSON or form body, or undefined. */
export function fieldOf(body: unknown, name: string): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined
  return Object.hasOwn(body, name) ? (body as Record<string, unknown>)[name] : undefined
}

/**
 * A body the form and JSON parsers did not read (multipart, text/plain, …) would look empty and
 * be answered "username and password are required" though both were sent: say what is taken.
 */
export function requireFormOrJson(req: Request): void {
  // is() answers null for a request with no body at all: nothing unread, nothing to refuse.
  if (req.get('content-type') === undefined || req.is(['application/x-www-form-urlencoded', 'application/json']) !== false) return
  throw new AuthError('UNSUPPORTED_MEDIA_TYPE', `${req.get('content-type')?.split(';')[0] ?? ''} is not accepted here: send application/x-www-form-urlencoded or application/json`)
}

/** A field of a JSON or form body, or undefined. */
export function field(req: Request, name: string): unknown {
  return fieldOf(req.body, name)
}

/** The JSON body, or {} when the request has none; a body of another type is a 422, never ignored. */
export function optionalJsonObject(req: Request): Record<string, unknown> {
  return req.get('content-type') === undefined ? {} : jsonObject(req)
}

export const REVOKE_ALL_CONFIRMATION = 'revoke-all'

/** The typed confirmation a request that signs everyone out must carry in its JSON body. */
export function requireConfirmation(body: Record<string, unknown>): void {
  if (body.confirm !== REVOKE_ALL_CONFIRMATION) {
    throw new AuthError('CONFIRMATION_REQUIRED', `This signs everyone out; send {"confirm": "${REVOKE_ALL_CONFIRMATION}"} to confirm`)
  }
}

/** The JSON body as an object; anything else is a 422. */
export function jsonObject(req: Request): Record<string, unknown> {
  const body: unknown = req.body
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body) || !req.is('application/json')) {
    throw new AuthError('INVALID_INPUT', 'The request body must be a JSON object')
  }
  return body as Record<string, unknown>
}

export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal
}

export function createGuards(core: AuthCore) {
  const requireUser: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const principal = resolvePrincipal(core, req)
    if (principal === null) throw new AuthError('NOT_AUTHENTICATED', 'No authentication credentials provided')
    res.locals.principal = principal
    next()
  }
  const requireSuperuser: RequestHandler = (req, res, next) => {
    requireUser(req, res, () => {
      if (!principalOf(res).user.isSuperuser) throw new AuthError('NOT_SUPERUSER', "The user doesn't have enough privileges")
      next()
    })
  }
  return { requireUser, requireSuperuser }
}

export const actorOf = (req: Request, res: Response) => {
  const p = principalOf(res)
  return { user: p.user, sessionId: p.sessionId, context: contextOf(req) }
}

const MAX_PAGE = 1000

function wholeNumber(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) throw new AuthError('INVALID_INPUT', `${name} must be a non-negative whole number`)
  return Number(value)
}

/**
 * `skip` and `limit` from the query string (Langflow's names), validated. A limit above the
 * largest page is served as that page, as clients that ask for "everything" (Langflow has no
 * maximum) expect, rather than refused.
 */
export function pageOf(req: Request, defaultLimit = 10): { skip: number; limit: number } {
  return {
    skip: wholeNumber(req.query.skip, 'skip', 0),
    limit: Math.min(MAX_PAGE, wholeNumber(req.query.limit, 'limit', defaultLimit)),
  }
}

/** A single query-string value; empty is taken as absent, repeated is an error. */
export function queryText(req: Request, name: string, maxLength = 256): string | undefined {
  const value = req.query[name]
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string') throw new AuthError('INVALID_INPUT', `${name} must be given once, as text`)
  if (value.length > maxLength) throw new AuthError('INVALID_INPUT', `${name} must be at most ${maxLength} characters`)
  return value
}

/** An ISO 8601 date (or epoch milliseconds) from the query string, as epoch milliseconds. */
export function queryTime(req: Request, name: string): number | undefined {
  const value = queryText(req, name, 64)
  if (value === undefined) return undefined
  if (/^\d{1,15}$/.test(value)) return Number(value)
  const ms = parseIsoTime(value)
  if (ms === null) throw new AuthError('INVALID_INPUT', `${name} must be an ISO 8601 date, e.g. 2026-01-31T12:00:00Z`)
  return ms
}

/** One of `choices` from the query string, or undefined. */
export function queryChoice<T extends string>(req: Request, name: string, choices: readonly T[]): T | undefined {
  const value = queryText(req, name)
  if (value === undefined) return undefined
  if (!(choices as readonly string[]).includes(value)) throw new AuthError('INVALID_INPUT', `${name} must be one of ${choices.join(', ')}`)
  return value as T
}
