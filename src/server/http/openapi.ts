// The OpenAPI 3.1 document of the route table: every route with its security, parameters, body,
// answer and error statuses, generated from the declarations the router serves, so it cannot
// describe an API other than the one running.

import { z } from 'zod'
import { AuthError } from '../core/errors.ts'
import type { AuthErrorCode } from '../core/errors.ts'
import { errorReply } from './error-writer.ts'
import type { Route } from './route.ts'
import { routeErrors } from './route.ts'

type Json = Record<string, unknown>

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json
  return rest
}

/** Every credential the server reads, in the order it reads them (credentials.ts). */
const SECURITY_SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token' },
  accessCookie: { type: 'apiKey', in: 'cookie', name: 'access_token_lf', description: "Langflow's access cookie (from this server's own pages only)" },
  apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An API key' },
  apiKeyQuery: { type: 'apiKey', in: 'query', name: 'x-api-key', description: 'An API key, for clients that cannot set headers' },
}
const ANY_CREDENTIAL = Object.keys(SECURITY_SCHEMES).map((name) => ({ [name]: [] }))

const CALLER_TEXT: Record<Route['caller'], string> = {
  public: 'Anyone.',
  optional: 'Anyone; a credential, if sent, is checked and may allow more.',
  user: 'A signed-in user (token or API key).',
  superuser: 'A superuser (token or API key).',
  'local-app': "A local app trusted with other people's tokens: a superuser's token or API key.",
}

const langflowError = {
  type: 'object',
  required: ['detail', 'code'],
  properties: { detail: { description: 'What is wrong, for people (a string, or an object on a few routes)' }, code: { type: 'string' } },
}
const oauthError = {
  type: 'object',
  required: ['error', 'error_description'],
  properties: { error: { type: 'string' }, error_description: { type: 'string' } },
}

/** `/users/:id` → `/users/{id}`. */
const openApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}')

function parameters(r: Route): Json[] {
  const out: Json[] = []
  for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
    if (schema === undefined) continue
    const s = jsonSchema(schema, 'input') as { properties?: Record<string, Json>; required?: string[] }
    for (const [name, property] of Object.entries(s.properties ?? {})) {
      const { description, ...rest } = property
      out.push({ name, in: where, required: where === 'path' || (s.required ?? []).includes(name), schema: rest, ...(description === undefined ? {} : { description }) })
    }
  }
  return out
}

/** The error statuses a route may answer, each with the codes behind it. */
function errorResponses(r: Route): Record<string, Json> {
  const byStatus = new Map<number, AuthErrorCode[]>()
  for (const code of routeErrors(r)) {
    const { status } = errorReply(new AuthError(code), r.dialect)
    byStatus.set(status, [...(byStatus.get(status) ?? []), code])
  }
  const schema = r.dialect === 'oauth' ? oauthError : { $ref: '#/components/schemas/Error' }
  const out: Record<string, Json> = {}
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = { description: codes.join(', '), content: { 'application/json': { schema } } }
  }
  return out
}

function operation(r: Route): Json {
  const body = r.body === undefined ? undefined : jsonSchema(r.body, 'input')
  const success = r.response === null
    ? { description: 'A stream or a file (see the summary)' }
    : { description: 'Success', content: { 'application/json': { schema: jsonSchema(r.response, 'output') } } }
  return {
    operationId: `${r.method.toLowerCase()}${openApiPath(r.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: r.summary,
    description: CALLER_TEXT[r.caller],
    tags: [r.tag],
    security: r.caller === 'public' ? [] : r.caller === 'optional' ? [{}, ...ANY_CREDENTIAL] : ANY_CREDENTIAL,
    ...(parameters(r).length > 0 ? { parameters: parameters(r) } : {}),
    ...(body === undefined
      ? {}
      : {
          requestBody: {
            required: r.bodyOptional !== true,
            // Langflow's refresh and logout read no body: one they cannot use is taken as none.
            ...(r.bodyMedia === 'form-json-or-none' ? { description: 'Optional; a body of another shape or type is ignored', 'x-authdock-lenient': true } : {}),
            content: {
              'application/json': { schema: body },
              ...(r.bodyMedia !== 'json' ? { 'application/x-www-form-urlencoded': { schema: body } } : {}),
            },
          },
        }),
    responses: {
      [String(r.status ?? 200)]: success,
      ...Object.fromEntries(Object.entries(r.otherStatuses ?? {}).map(([status, description]) => [status, { description }])),
      ...errorResponses(r),
    },
  }
}

export function openApiDocument(routes: readonly Route[], info: { version: string; serverUrl: string }): Json {
  const paths: Record<string, Record<string, Json>> = {}
  for (const r of routes) {
    if (r.hidden === true) continue
    const path = openApiPath(r.path)
    paths[path] = { ...paths[path], [r.method.toLowerCase()]: operation(r) }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'authdock',
      version: info.version,
      description: "Langflow's auth API, the admin API the console uses, and the endpoints local apps trust tokens with.",
    },
    servers: [{ url: info.serverUrl }],
    paths,
    components: { securitySchemes: SECURITY_SCHEMES, schemas: { Error: langflowError } },
  }
}
