// Serves the route table on plain node:http: finds the route, resolves and checks the caller,
// reads and validates the input, runs the handler and writes its reply or error. One path for every
// route, the hot ones included: no framework between the socket and the token check.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AuthCore, Logger } from '../core/core.ts'
import { AuthError } from '../core/errors.ts'
import { resolveCaller } from './credentials.ts'
import { sendJson, writeError } from './error-writer.ts'
import { queryOf, readBody, validated } from './input.ts'
import { contextOf } from './request.ts'
import type { Call, Method, Outcome, Route } from './route.ts'
import { writeHead } from './security-headers.ts'
import { routeErrors } from './route.ts'

/** Told when a route answers outside its declaration; the tests fail on it, production ignores it. */
export type ContractWatcher = (route: Route, problem: string) => void

interface Compiled {
  readonly segments: readonly string[] | null // null: a static path, found by the map
  readonly methods: Map<Method, Route>
}

type Match = { readonly route: Route; readonly params: Readonly<Record<string, string>> } | { readonly allowed: readonly Method[] } | null

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({})
/** What a route without a query schema gets. */
const NO_QUERY = Object.freeze({})

/** The path as matched: no query, no trailing slash (Express's non-strict routing took both). */
function pathOf(url: string): string {
  const q = url.indexOf('?')
  const raw = q === -1 ? url : url.slice(0, q)
  return raw.length > 1 && raw.endsWith('/') ? raw.slice(0, -1) : raw
}

const normal = (path: string) => pathOf(path).toLowerCase()

export function compileRoutes(routes: readonly Route[]) {
  const statics = new Map<string, Compiled>()
  const dynamic: Compiled[] = []
  for (const r of routes) {
    const key = normal(r.path)
    const isStatic = !key.includes('/:')
    const found = isStatic ? statics.get(key) : dynamic.find((d) => d.segments?.join('/') === key.split('/').join('/'))
    const entry = found ?? { segments: isStatic ? null : key.split('/'), methods: new Map<Method, Route>() }
    if (entry.methods.has(r.method)) throw new Error(`${r.method} ${r.path} is declared twice`)
    entry.methods.set(r.method, r)
    if (found === undefined) {
      if (isStatic) statics.set(key, entry)
      else dynamic.push(entry)
    }
  }

  /** Parameters of a dynamic entry, or null when the path does not fit it. */
  function fit(entry: Compiled, wanted: readonly string[], original: readonly string[]): Record<string, string> | null {
    const segments = entry.segments ?? []
    if (segments.length !== wanted.length) return null
    const params: Record<string, string> = {}
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i] as string
      if (s.startsWith(':')) {
        const raw = original[i] as string
        if (raw === '') return null
        try {
          params[s.slice(1)] = decodeURIComponent(raw)
        } catch {
          throw new AuthError('BAD_REQUEST', 'The request path is not valid percent-encoding')
        }
      } else if (s !== wanted[i]) return null
    }
    return params
  }

  // A static route's match is the same every time: made once.
  const staticMatches = new Map<Compiled, Map<Method, Match>>()
  for (const entry of statics.values()) staticMatches.set(entry, new Map([...entry.methods].map(([m, r]) => [m, { route: r, params: NO_PARAMS }])))

  return function match(method: Method, url: string): Match {
    const path = pathOf(url)
    // Paths come in lower case almost always: lower-cased only when the exact one is not found.
    const hit = statics.get(path) ?? statics.get(path.toLowerCase())
    const direct = hit === undefined ? undefined : staticMatches.get(hit)?.get(method)
    if (direct !== undefined) return direct
    const key = path.toLowerCase()
    const allowed = new Set<Method>(hit?.methods.keys() ?? [])
    const wanted = key.split('/')
    const original = path.split('/')
    for (const entry of dynamic) {
      const params = fit(entry, wanted, original)
      if (params === null) continue
      const r = entry.methods.get(method)
      if (r !== undefined) return { route: r, params }
      for (const m of entry.methods.keys()) allowed.add(m)
    }
    return allowed.size > 0 ? { allowed: [...allowed] } : null
  }
}

const METHODS = new Set<string>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])
const API_PREFIX = '/api/v1/'

export function createRouter(core: AuthCore, routes: readonly Route[], options: { log: Logger; contract?: ContractWatcher }) {
  const { log, contract } = options
  const match = compileRoutes(routes)

  function answer(res: ServerResponse, r: Route, outcome: Outcome): void {
    if (outcome === 'streamed') return
    const status = outcome.status ?? r.status ?? 200
    if (outcome.raw !== undefined) {
      // RFC 9110 §8.6: a 304 says no length of its own.
      writeHead(res, status, outcome.headers ?? {}, status === 304 ? [] : ['Content-Length', Buffer.byteLength(outcome.raw)])
      res.end(outcome.raw)
      return
    }
    if (contract !== undefined && r.response !== null && status < 300) {
      const checked = r.response.safeParse(outcome.body)
      if (!checked.success) contract(r, `answered a body outside its response schema: ${checked.error.message}`)
    }
    sendJson(res, status, outcome.headers ?? {}, outcome.body)
  }

  function fail(req: IncomingMessage, res: ServerResponse, r: Route | null, err: unknown): void {
    if (contract !== undefined && r !== null && err instanceof AuthError && !routeErrors(r).includes(err.code)) {
      contract(r, `answered ${err.code}, which it does not declare`)
    }
    writeError(res, err, r?.dialect ?? 'langflow', log, { method: req.method, path: r?.path ?? pathOf(req.url ?? '') })
  }

  function authorize(r: Route, req: IncomingMessage) {
    if (r.caller === 'public') return null
    const caller = resolveCaller(core, req)
    // The trusted-caller rule is the core's; it words its own refusals.
    if (r.caller === 'local-app') core.introspection.requireTrustedCaller(caller?.principal ?? null)
    if (caller === null) {
      if (r.caller === 'optional') return null
      throw new AuthError('NOT_AUTHENTICATED', 'No authentication credentials provided')
    }
    if (r.caller === 'superuser' && !caller.principal.user.isSuperuser) throw new AuthError('NOT_SUPERUSER', "The user doesn't have enough privileges")
    return caller
  }

  function run(req: IncomingMessage, res: ServerResponse, r: Route, call: Call<'optional', unknown, unknown, unknown>): void {
    const outcome = r.handler(call)
    if (outcome instanceof Promise) outcome.then((o) => answer(res, r, o)).catch((err: unknown) => fail(req, res, r, err))
    else answer(res, r, outcome)
  }

  /** Answers a route of the table, or an unknown path under /api/v1; false for anything else. */
  return function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/'
    const method = req.method === 'HEAD' ? 'GET' : req.method ?? ''
    let found: Match
    try {
      // No route takes OPTIONS or an unknown method: the match then lists what the path does take.
      found = match((METHODS.has(method) ? method : 'OPTIONS') as Method, url)
    } catch (err) {
      fail(req, res, null, err)
      return true
    }
    if (found === null) {
      if (!normal(url).startsWith(API_PREFIX) && normal(url) !== API_PREFIX.slice(0, -1)) return false
      fail(req, res, null, new AuthError('NOT_FOUND', 'Not Found'))
      return true
    }
    if (!('route' in found)) {
      const allowed = allowedHeader(found.allowed)
      res.setHeader('Allow', allowed)
      if (method === 'OPTIONS') {
        writeHead(res, 204, {})
        res.end()
      } else fail(req, res, null, new AuthError('METHOD_NOT_ALLOWED', `${method} is not answered here; this path takes ${allowed}`))
      return true
    }
    const r = found.route
    try {
      const caller = authorize(r, req)
      const call: { -readonly [K in keyof Call<'optional', unknown, unknown, unknown>]: Call<'optional', unknown, unknown, unknown>[K] } = {
        req, res,
        params: r.params === undefined ? NO_PARAMS : validated(r.params, found.params, 'path'),
        query: r.query === undefined ? NO_QUERY : validated(r.query, queryOf(url), 'query'),
        body: undefined,
        caller: caller?.principal ?? null,
        credential: caller?.credential ?? null,
        context: contextOf(req),
      }
      const schema = r.body
      if (schema === undefined) run(req, res, r, call)
      else {
        readBody(req, res, r.bodyMedia ?? 'json')
          .then((raw) => {
            call.body = validated(schema, raw === undefined && r.bodyOptional === true ? {} : raw, 'body')
            run(req, res, r, call)
          })
          .catch((err: unknown) => fail(req, res, r, err))
      }
    } catch (err) {
      fail(req, res, r, err)
    }
    return true
  }
}

function allowedHeader(methods: readonly Method[]): string {
  return [...new Set(methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])))].join(', ')
}
