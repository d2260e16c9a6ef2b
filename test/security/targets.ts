// Every route that takes a credential, as a table: how to present a token to it and what counts
// as refusing it. `access` routes take an access token (Bearer or the access cookie) and must answer
// 401; `subject` routes take a token to describe or revoke (introspection answers
// {"active": false}, revocation 200 and nothing revoked); `refresh` routes take a refresh token.

import type { Answer } from './support.ts'
import { form, send } from './support.ts'

export type Kind = 'access' | 'subject' | 'refresh'

export interface Target {
  readonly kind: Kind
  readonly name: string
  hit(token: string): Promise<Answer>
  /** Whether the answer refuses the token. */
  refused(answer: Answer, token: string): boolean
}

/** Tokens too large for a 64 KB body may also be refused by size, before any look at them. */
const HUGE = 60_000

const jsonError = (a: Answer) => typeof a.body === 'object' && a.body !== null && typeof a.body.code === 'string' && a.body.detail !== undefined
const oauthError = (a: Answer) => typeof a.body === 'object' && a.body !== null && typeof a.body.error === 'string' && typeof a.body.error_description === 'string'
/**
 * A 401 in the route's dialect. RFC 6750 §3.1: an access token or API key that is no good says
 * invalid_token; a refresh token refused at the token endpoints is not a bearer credential.
 */
const unauthorized = (a: Answer) =>
  a.status === 401 && (jsonError(a) || oauthError(a)) &&
  (a.body.code === 'INVALID_REFRESH_TOKEN' || a.body.code === 'REFRESH_REUSED'
    ? a.headers.get('www-authenticate') === 'Bearer'
    : /^Bearer error="invalid_token", error_description="[^"]*"$/.test(a.headers.get('www-authenticate') ?? ''))
const tooLarge = (a: Answer, token: string) => token.length > HUGE && (a.status === 413 || a.status === 400) && (jsonError(a) || oauthError(a))

/** `apiKey` is a valid key of a superuser: introspection needs a trusted caller to reach the token. */
export function credentialTargets(url: string, apiKey: string): Target[] {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
  const cookie = (token: string) => ({ cookie: `access_token_lf=${encodeURIComponent(token)}`, origin: url })
  const access = (name: string, method: string, path: string, headers: (t: string) => Record<string, string>, body?: () => { headers: Record<string, string>; body: string }): Target => ({
    kind: 'access',
    name,
    hit: (token) => {
      const b = body?.()
      return send(url, method, path, { headers: { ...b?.headers, ...headers(token) }, body: b?.body })
    },
    refused: (a) => unauthorized(a),
  })
  const unknownSession = '00000000-0000-4000-8000-000000000000'
  return [
    access('Bearer GET /users/whoami', 'GET', '/api/v1/users/whoami', bearer),
    access('Bearer GET /auth/verify', 'GET', '/api/v1/auth/verify', bearer),
    access('Bearer GET /users/', 'GET', '/api/v1/users/', bearer),
    access('Bearer GET /api_key/', 'GET', '/api/v1/api_key/', bearer),
    access('Bearer GET /admin/overview', 'GET', '/api/v1/admin/overview', bearer),
    access('Bearer DELETE /admin/sessions/{id}', 'DELETE', `/api/v1/admin/sessions/${unknownSession}`, bearer),
    access('Bearer GET /admin/events (SSE)', 'GET', '/api/v1/admin/events', bearer),
    access('Bearer GET /revocations/stream (SSE)', 'GET', '/api/v1/revocations/stream', bearer),
    access('Bearer POST /oauth/introspect (caller)', 'POST', '/api/v1/oauth/introspect', bearer, () => form({ token: 'x.y.z' })),
    access('cookie GET /users/whoami', 'GET', '/api/v1/users/whoami', cookie),
    access('cookie GET /auth/verify', 'GET', '/api/v1/auth/verify', cookie),
    access('cookie GET /admin/users', 'GET', '/api/v1/admin/users', cookie),
    access('cookie POST /api_key/', 'POST', '/api/v1/api_key/', cookie, () => ({ headers: { 'content-type': 'application/json' }, body: '{"name":"attack"}' })),
    access('cookie GET /admin/events (SSE)', 'GET', '/api/v1/admin/events', cookie),
    {
      kind: 'subject',
      name: 'POST /oauth/introspect (token)',
      hit: (token) => send(url, 'POST', '/api/v1/oauth/introspect', { ...form({ token }), headers: { ...form({}).headers, 'x-api-key': apiKey } }),
      refused: (a, token) => (a.status === 200 && a.body?.active === false && Object.keys(a.body).length === 1) || tooLarge(a, token) || (token.length > 16_384 && a.status === 400 && oauthError(a)),
    },
    {
      kind: 'subject',
      name: 'POST /oauth/revoke (token)',
      hit: (token) => send(url, 'POST', '/api/v1/oauth/revoke', form({ token })),
      // Always 200 (RFC 7009 §2.2); that nothing was revoked is checked by the genuine token afterwards.
      refused: (a, token) => a.status === 200 || tooLarge(a, token) || (token.length > 16_384 && a.status === 400 && oauthError(a)),
    },
    {
      kind: 'refresh',
      name: 'POST /refresh (body)',
      hit: (token) => send(url, 'POST', '/api/v1/refresh', form({ refresh_token: token })),
      refused: (a, token) => unauthorized(a) || tooLarge(a, token),
    },
    {
      kind: 'refresh',
      name: 'POST /refresh (cookie)',
      hit: (token) => send(url, 'POST', '/api/v1/refresh', { headers: { cookie: `refresh_token_lf=${encodeURIComponent(token)}`, origin: url } }),
      refused: (a) => unauthorized(a),
    },
    {
      kind: 'refresh',
      name: 'POST /login (grant_type=refresh_token)',
      hit: (token) => send(url, 'POST', '/api/v1/login', form({ grant_type: 'refresh_token', refresh_token: token })),
      refused: (a, token) => unauthorized(a) || tooLarge(a, token),
    },
  ]
}

/** Whether an answer accepts a genuine credential of a superuser (the positive control). */
export function accepted(target: Target, a: Answer): boolean {
  if (target.kind === 'subject') return a.status === 200 && a.body?.active === true
  if (target.kind === 'refresh') return a.status === 200 && typeof a.body?.access_token === 'string'
  // Past authentication: a 404 for the unknown session id is the route itself answering.
  return a.status !== 401 && a.status !== 403 && a.status < 500
}

export interface Case {
  readonly name: string
  readonly token: string
  /** The kinds of route this token is an attack on (a refresh token is genuine on refresh routes). */
  readonly against?: readonly Kind[]
}

/** Sends every case to every target it is aimed at; returns the failures and how many were sent. */
export async function attack(targets: readonly Target[], cases: readonly Case[]): Promise<{ sent: number; failures: string[] }> {
  let sent = 0
  const failures: string[] = []
  for (const c of cases) {
    const aimed = targets.filter((t) => c.against === undefined || c.against.includes(t.kind))
    sent += aimed.length
    await Promise.all(aimed.map(async (target) => {
      let a: Answer
      try {
        a = await target.hit(c.token)
      } catch (err) {
        failures.push(`${c.name} → ${target.name}: no answer (${(err as Error).name}: ${(err as Error).message})`)
        return
      }
      if (!target.refused(a, c.token)) failures.push(`${c.name} → ${target.name}: ${a.status} ${a.text.slice(0, 200)}`)
    }))
  }
  return { sent, failures }
}
