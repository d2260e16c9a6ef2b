// The wire shapes as schemas: what the route table validates input with and documents answers by.
// Each answer schema is checked against the type the console reads (src/shared/api-types.ts), so
// the document, the server and the console cannot drift apart.

import { z } from 'zod'
import type * as Api from '../../shared/api-types.ts'
import { parseIsoTime } from '../core/clock.ts'
import { AUTH_METHODS, GRANT_TYPES } from '../core/clients/client-metadata.ts'
import { ALGORITHMS } from '../core/config.ts'

const iso = z.string().describe('ISO 8601 time')
const isoOrNull = iso.nullable()

// --- input ---

/** A whole number from the query string; bounded, so a huge value is not a float. */
const wholeNumber = (name: string) =>
  z.string().regex(/^\d{1,15}$/, { error: `${name} must be a non-negative whole number` }).transform(Number)

/** The largest page any list answers: a larger `limit` is served as this (Langflow has no maximum). */
const MAX_PAGE = 1000

/** `skip` and `limit`, Langflow's names. */
export const pageQuery = (defaultLimit: number) => ({
  skip: wholeNumber('skip').default(0).describe('Items to skip'),
  limit: wholeNumber('limit')
    .default(defaultLimit)
    .transform((n) => Math.min(MAX_PAGE, n))
    .describe(`Items in the page (default ${defaultLimit}; above ${MAX_PAGE}, ${MAX_PAGE})`),
})

/** One query value as text: empty counts as absent, a name given twice is refused. */
export const queryText = (name: string, maxLength = 256) =>
  z
    .string({ error: `${name} must be given once, as text` })
    .max(maxLength, { error: `${name} must be at most ${maxLength} characters` })
    .optional()
    .transform((v) => (v === '' ? undefined : v))

export const queryChoice = <const T extends readonly [string, ...string[]]>(name: string, choices: T) =>
  z
    .union([z.literal(''), z.enum(choices)], { error: `${name} must be one of ${choices.join(', ')}` })
    .optional()
    .transform((v) => (v === '' ? undefined : v))

/** An ISO 8601 time (or epoch milliseconds) from the query string, as epoch milliseconds. */
export const queryTime = (name: string) =>
  queryText(name, 64)
    .transform((v, ctx) => {
      if (v === undefined) return undefined
      if (/^\d{1,15}$/.test(v)) return Number(v)
      const ms = parseIsoTime(v)
      if (ms !== null) return ms
      ctx.issues.push({ code: 'custom', input: v, message: `${name} must be an ISO 8601 date, e.g. 2026-01-31T12:00:00Z` })
      return z.NEVER
    })
    .describe('ISO 8601 time, or epoch milliseconds')

export const idParam = z.object({ id: z.string().min(1).max(200).describe('The id') })

export const algorithm = z.enum(ALGORITHMS, { error: `algorithm must be one of ${ALGORITHMS.join(', ')}` })

export const REVOKE_ALL_CONFIRMATION = 'revoke-all'

/** A string field of the core's to judge (it words the rules); the schema only types it. */
export const text = (name: string) => z.string({ error: `${name} must be a string` })

const required = (name: string, what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? `${name} is required` : `${name} must be ${what}`)
const uriList = (name: string) => z.array(z.string({ error: `${name} must be an array of URLs` }), { error: `${name} must be an array of URLs` })
const flag = (name: string) => z.boolean({ error: `${name} must be true or false` })

/** RFC 7591 §2 client metadata (and authdock's own allow_private_backchannel, first_party); the core judges the values. */
const clientMetadataFields = {
  redirect_uris: uriList('redirect_uris').optional().describe('Exact redirect URIs: https, http only for 127.0.0.1, [::1], localhost; custom schemes (com.example.app:/cb) for public clients'),
  post_logout_redirect_uris: uriList('post_logout_redirect_uris').optional(),
  token_endpoint_auth_method: z.enum(AUTH_METHODS, { error: `token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}` }).optional()
    .describe('client_secret_basic (default), client_secret_post, or none for a public client'),
  grant_types: z.array(z.enum(GRANT_TYPES, { error: `grant_types must be a list of ${GRANT_TYPES.join(', ')}` }), { error: `grant_types must be a list of ${GRANT_TYPES.join(', ')}` })
    .optional().describe('Default ["authorization_code", "refresh_token"]'),
  scope: text('scope').optional().describe('Space-separated; default "openid profile email offline_access"'),
  backchannel_logout_uri: z.string({ error: 'backchannel_logout_uri must be a URL or null' }).nullable().optional(),
  backchannel_logout_session_required: flag('backchannel_logout_session_required').optional(),
  allow_private_backchannel: flag('allow_private_backchannel').optional().describe('Allow a back-channel URI on a private network (loopback needs no allowance)'),
  first_party: flag('first_party').optional().describe('Trusted: no consent page'),
}

export const clientCreate = z.object({ client_name: z.string({ error: required('client_name', 'a string') }), ...clientMetadataFields })
export const clientPatch = z.object({ client_name: text('client_name').optional(), ...clientMetadataFields })

// --- answers ---

export const userRead = z.object({
  id: z.string(),
  username: z.string(),
  profile_image: z.string().nullable(),
  store_api_key: z.string().nullable(),
  is_active: z.boolean(),
  is_superuser: z.boolean(),
  create_at: iso.describe("Langflow's spelling"),
  updated_at: iso,
  last_login_at: isoOrNull,
  optins: z.record(z.string(), z.unknown()).nullable(),
}) satisfies z.ZodType<Api.UserRead>

export const adminUser = userRead.extend({
  locked_until: isoOrNull,
  email: z.string().nullable(),
  email_verified: z.boolean().describe('True when an admin set the email: they vouch for it'),
  name: z.string().nullable().describe('The full name'),
  groups: z.array(z.string()).describe("Assigned groups; 'admin' is implied by is_superuser and not listed"),
}) satisfies z.ZodType<Api.AdminUser>

/** The admin-only profile fields; the core judges the values (users/profile.ts). */
export const adminProfileInput = {
  email: z.string({ error: 'email must be a string or null' }).nullable().optional().describe('An admin-set email counts as verified; null or empty clears it'),
  name: z.string({ error: 'name must be a string or null' }).nullable().optional().describe('The full name; null or empty clears it'),
  groups: z.array(z.string({ error: 'a group name must be a string' }), { error: 'groups must be an array of group names' }).optional().describe("Replaces the user's groups: 1-64 characters of a-z, 0-9, '.', '_', '-'; 'admin' is reserved"),
}

export const userChange = z.object({
  user: adminUser,
  revoked_sessions: z.array(z.string()),
  revoked_api_keys: z.number().int(),
}) satisfies z.ZodType<Api.UserChange>

export const tokenResponse = z.object({
  access_token: z.string(),
  refresh_token: z.string().nullable(),
  token_type: z.literal('bearer'),
})

export const message = z.object({ message: z.string() })
export const detail = z.object({ detail: z.string() })

export const apiKeyRead = z.object({
  id: z.string(),
  name: z.string().nullable(),
  api_key: z.string().describe('The full key at creation only; afterwards its first 8 characters and a mask'),
  user_id: z.string(),
  created_at: iso,
  last_used_at: isoOrNull,
  total_uses: z.number().int(),
  is_active: z.boolean(),
  expires_at: isoOrNull,
}) satisfies z.ZodType<Api.ApiKeyRead>

export const adminApiKey = z.object({
  id: z.string(),
  name: z.string().nullable(),
  prefix: z.string(),
  user_id: z.string(),
  username: z.string(),
  created_at: iso,
  last_used_at: isoOrNull,
  total_uses: z.number().int(),
  expires_at: isoOrNull,
  expired: z.boolean(),
}) satisfies z.ZodType<Api.AdminApiKey>

const sessionCounts = z.object({ active: z.number().int(), revoked: z.number().int(), expired: z.number().int() })

export const sessionRead = z.object({
  id: z.string(),
  user_id: z.string(),
  username: z.string().nullable(),
  state: z.enum(['active', 'revoked', 'expired']),
  created_at: iso,
  last_used_at: isoOrNull,
  expires_at: iso,
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  generation: z.number().int(),
  revoked_at: isoOrNull,
  revoke_reason: z.string().nullable(),
  access_kid: z.string().nullable(),
  client_id: z.string().nullable().describe('The OAuth client the session was issued to; null for the password API and the console'),
}) satisfies z.ZodType<Api.SessionRead>

export const sessionPage = z.object({ total_count: z.number().int(), counts: sessionCounts, sessions: z.array(sessionRead) }) satisfies z.ZodType<Api.SessionPage>

const graceAnswer = z.object({ at: iso, ip: z.string().nullable(), user_agent: z.string().nullable() })
const refreshLink = z.object({
  generation: z.number().int(),
  issued_at: iso,
  expires_at: iso,
  issued_ip: z.string().nullable(),
  issued_user_agent: z.string().nullable(),
  used_at: isoOrNull,
  reuse_detected_at: isoOrNull,
  grace_answers: z.array(graceAnswer),
}) satisfies z.ZodType<Api.RefreshLink>

export const sessionDetail = z.object({ session: sessionRead, chain: z.array(refreshLink) }) satisfies z.ZodType<Api.SessionDetail>

export const revokedSessions = z.object({ revoked_sessions: z.array(z.string()) })
export const revokedCounts = z.object({ revoked_count: z.number().int(), revoked_api_keys: z.number().int() }) satisfies z.ZodType<Api.RevokeAllResult>

export const keyRead = z.object({
  kid: z.string(),
  alg: algorithm,
  state: z.enum(['active', 'verify-only', 'retired']),
  source: z.enum(['generated', 'file', 'env', 'imported']),
  fingerprint: z.string(),
  created_at: iso,
  activated_at: isoOrNull,
  deactivated_at: isoOrNull,
  retire_after: isoOrNull,
  retired_at: isoOrNull,
  live_sessions: z.number().int(),
}) satisfies z.ZodType<Api.KeyRead>

export const keyRing = z.object({
  algorithm,
  active_kid: z.string(),
  pinned: z.object({ algorithm: z.string().nullable(), keys: z.record(algorithm, z.string().nullable()) }),
  jwks_uri: z.string(),
  keys: z.array(keyRead),
}) satisfies z.ZodType<Api.KeyRing>

export const setting = z.object({
  value: z.number(),
  source: z.enum(['default', 'saved', 'env']),
  variable: z.string(),
  unit: z.string(),
  recommended: z.object({ min: z.number(), max: z.number() }),
}) satisfies z.ZodType<Api.Setting>

export const settings = z.record(z.string(), setting) satisfies z.ZodType<Api.Settings>

export const overview = z.object({
  generated_at: iso,
  users: z.object({ total: z.number().int(), active: z.number().int(), superusers: z.number().int() }),
  sessions: sessionCounts,
  hourly: z.array(z.object({ hour: iso, logins: z.number().int(), failures: z.number().int(), reuse_detections: z.number().int() })),
  reuse_detections: z.object({ last_24h: z.number().int(), total: z.number().int() }),
  keys: z.array(z.object({ kid: z.string(), alg: algorithm, state: z.string(), age_seconds: z.number(), live_sessions: z.number().int() })),
}) satisfies z.ZodType<Api.Overview>

export const checklist = z.object({
  passed: z.number().int(),
  warnings: z.number().int(),
  items: z.array(z.object({ id: z.string(), title: z.string(), status: z.enum(['pass', 'warn']), why: z.string() })),
}) satisfies z.ZodType<Api.Checklist>

export const auditEvent = z.object({
  id: z.number().int(),
  at: iso,
  type: z.string(),
  user_id: z.string().nullable(),
  username: z.string().nullable(),
  session_id: z.string().nullable(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
}) satisfies z.ZodType<Api.AuditEventRead>

export const auditPage = z.object({ total_count: z.number().int(), events: z.array(auditEvent) }) satisfies z.ZodType<Api.AuditPage>

export const inspection = z.object({
  kind: z.enum(['access', 'refresh', 'unknown']),
  verified: z.boolean(),
  reason: z.string().nullable(),
  kid: z.string().nullable(),
  active: z.boolean(),
  session: sessionRead.nullable(),
}) satisfies z.ZodType<Api.Inspection>

export const clientRead = z.object({
  client_id: z.string(),
  client_name: z.string(),
  redirect_uris: z.array(z.string()),
  post_logout_redirect_uris: z.array(z.string()),
  token_endpoint_auth_method: z.enum(AUTH_METHODS),
  grant_types: z.array(z.enum(GRANT_TYPES)),
  response_types: z.array(z.string()),
  scope: z.string(),
  backchannel_logout_uri: z.string().nullable(),
  backchannel_logout_session_required: z.boolean(),
  allow_private_backchannel: z.boolean(),
  first_party: z.boolean(),
  client_id_issued_at: z.number().int().describe('Seconds since the epoch (RFC 7591)'),
  created_at: iso,
  updated_at: iso,
  secret_rotated_at: isoOrNull,
}) satisfies z.ZodType<Api.ClientRead>

export const issuedClient = clientRead.extend({
  client_secret: z.string().optional().describe('Shown in this answer only; absent for a public client'),
  client_secret_expires_at: z.literal(0).optional().describe('0: the secret does not expire'),
}) satisfies z.ZodType<Api.IssuedClientRead>

export const clientList = z.object({ clients: z.array(clientRead) }) satisfies z.ZodType<Api.ClientList>

export const deletedClient = z.object({ client_id: z.string(), revoked_sessions: z.array(z.string()) }) satisfies z.ZodType<Api.DeletedClientRead>
