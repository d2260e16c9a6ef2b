// The console's one typed HTTP client: same-origin calls to the auth server's API, in Electron and
// in a browser alike. The access token lives in this module only and goes out as a Bearer token;
// API calls send no cookies at all (Langflow's cookies, or ones another page planted, never speak
// for the console). The refresh token is an HttpOnly cookie only the console routes see, bound to
// a secret in this origin's localStorage (binding.ts), where the sign-in's device token is kept too
// (sent in a header, never a cookie); an expired access token is refreshed once,
// transparently, and the call retried, and a reload restores the session the same way.

import type {
  AdminApiKeyPage, AdminProfileInput, AdminUser, AuditPage, Checklist, Inspection, KeyRing, Overview, RevokeAllResult, RotateResult, SessionDetail, SessionPage, Settings,
  UserChange, UserRead,
} from '../shared/api-types.ts'
import { BINDING_HEADER, DEVICE_HEADER, browserBinding, deviceToken, keepDeviceToken } from './binding.ts'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

type Query = Record<string, string | number | undefined>

let onSignedOut: () => void = () => {}
/** Called when the server no longer accepts the console's session (expired, revoked, user gone). */
export function setSignedOutHandler(handler: () => void): void {
  onSignedOut = handler
}
/** For callers outside this client that find the session gone (the live feed). */
export const signedOut = (): void => onSignedOut()

function url(path: string, query?: Query): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') params.set(k, String(v))
  const qs = params.toString()
  return `/api/v1${path}${qs === '' ? '' : `?${qs}`}`
}

/** The signed-in session's access token: in memory only, never in a cookie or storage a script of another port could read. */
let accessToken: string | null = null

async function send(method: string, path: string, body?: unknown, query?: Query, signal?: AbortSignal, extra: Record<string, string> = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...extra }
  if (accessToken !== null) headers.Authorization = `Bearer ${accessToken}`
  const init: RequestInit = { method, signal, credentials: 'omit', headers }
  if (body !== undefined) {
    init.body = JSON.stringify(body)
    headers['Content-Type'] = 'application/json'
  }
  return fetch(url(path, query), init)
}

/** The console session routes: the only requests that carry a cookie (the HttpOnly refresh cookie) and the binding. */
async function sendSession(route: 'login' | 'refresh' | 'logout', body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', [BINDING_HEADER]: browserBinding() }
  if (accessToken !== null && route === 'logout') headers.Authorization = `Bearer ${accessToken}`
  const device = route === 'login' ? deviceToken() : null
  if (device !== null) headers[DEVICE_HEADER] = device
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  return fetch(`/api/v1/console/${route}`, { method: 'POST', credentials: 'same-origin', headers, body: body === undefined ? undefined : JSON.stringify(body) })
}

/** Keeps the access token of a login or refresh answer; false when it was refused. */
async function takeTokens(res: Response): Promise<boolean> {
  if (!res.ok) return false
  const body = (await res.json()) as { access_token?: unknown; device_token?: unknown }
  if (typeof body.access_token !== 'string') return false
  accessToken = body.access_token
  keepDeviceToken(body.device_token) // only a login answers with one
  return true
}

let refreshing: Promise<boolean> | null = null
/** One refresh at a time: parallel calls that all got a 401 (or a reload, with no token yet) wait on the same one. */
function refreshSession(): Promise<boolean> {
  refreshing ??= sendSession('refresh')
    .then(takeTokens)
    .then((ok) => {
      if (!ok) accessToken = null
      return ok
    })
    .catch(() => false)
    .finally(() => {
      refreshing = null
    })
  return refreshing
}

async function errorOf(res: Response): Promise<ApiError> {
  const body: unknown = await res.json().catch(() => null)
  const obj = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}
  const detail = typeof obj.detail === 'string' ? obj.detail : `${res.status} ${res.statusText}`
  return new ApiError(res.status, typeof obj.code === 'string' ? obj.code : null, detail)
}

type CallOptions = { body?: unknown; query?: Query; signal?: AbortSignal; headers?: Record<string, string> }

/**
 * Sends with the signed-in session: with no token yet (a reload) it restores the session from the
 * refresh cookie first; on a 401 it refreshes once and sends again.
 */
async function sendSignedIn(method: string, path: string, opts: CallOptions = {}): Promise<Response> {
  const go = () => send(method, path, opts.body, opts.query, opts.signal, opts.headers)
  const restoring = accessToken === null
  if (restoring) await refreshSession()
  const res = await go()
  // A token just restored (or none to be had) is not refreshed a second time.
  return res.status === 401 && !restoring && (await refreshSession()) ? go() : res
}

/** A signed-in answer that must be a success; a 401 that a refresh did not cure signs the console out. */
async function checked(res: Response): Promise<Response> {
  if (res.status === 401) {
    onSignedOut()
    throw await errorOf(res)
  }
  if (!res.ok) throw await errorOf(res)
  return res
}

/** A call that needs the signed-in session. */
async function call<T>(method: string, path: string, opts: CallOptions = {}): Promise<T> {
  return (await (await checked(await sendSignedIn(method, path, opts))).json()) as T
}

/** A call made before signing in: no refresh, no signed-out handling. */
async function open<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body)
  if (!res.ok) throw await errorOf(res)
  return (await res.json()) as T
}

export const api = {
  // Before sign-in
  setupStatus: () => open<{ needed: boolean }>('GET', '/setup'),
  setup: (code: string, username: string, password: string) => open<UserRead>('POST', '/setup', { code, username, password }),
  async login(username: string, password: string): Promise<void> {
    const res = await sendSession('login', { username, password })
    if (!res.ok) throw await errorOf(res)
    if (!(await takeTokens(res))) throw new ApiError(res.status, null, 'The server sent no access token')
  },
  /** Ends the session on the server (access token and refresh cookie) and forgets the token. */
  async logout(): Promise<void> {
    try {
      await sendSession('logout')
    } finally {
      accessToken = null
    }
  },
  /** The signed-in user, or null when there is no usable session (after one refresh attempt). */
  async whoami(): Promise<UserRead | null> {
    const res = await sendSignedIn('GET', '/users/whoami')
    if (res.status === 401) return null
    if (!res.ok) throw await errorOf(res)
    return (await res.json()) as UserRead
  },

  overview: (signal?: AbortSignal) => call<Overview>('GET', '/admin/overview', { signal }),
  checklist: (signal?: AbortSignal) => call<Checklist>('GET', '/admin/checklist', { signal }),

  users: (query: { search?: string; skip: number; limit: number }, signal?: AbortSignal) =>
    call<{ total_count: number; users: AdminUser[] }>('GET', '/admin/users', { query, signal }),
  createUser: (body: { username: string; password: string; is_superuser: boolean } & AdminProfileInput) => call<UserChange>('POST', '/admin/users', { body }),
  updateUser: (id: string, body: { is_active?: boolean; is_superuser?: boolean; password?: string } & AdminProfileInput) =>
    call<UserChange>('PATCH', `/admin/users/${encodeURIComponent(id)}`, { body }),
  deleteUser: (id: string) => call<UserChange>('DELETE', `/admin/users/${encodeURIComponent(id)}`),
  unlockUser: (id: string) => call<{ user: AdminUser; was_locked: boolean }>('POST', `/admin/users/${encodeURIComponent(id)}/unlock`),
  revokeUserSessions: (id: string) => call<{ revoked_sessions: string[]; revoked_api_keys: number }>('POST', `/admin/users/${encodeURIComponent(id)}/revoke-sessions`),

  sessions: (query: { state?: string; user_id?: string; skip: number; limit: number }, signal?: AbortSignal) =>
    call<SessionPage>('GET', '/admin/sessions', { query, signal }),
  session: (id: string, signal?: AbortSignal) => call<SessionDetail>('GET', `/admin/sessions/${encodeURIComponent(id)}`, { signal }),
  revokeSession: (id: string) => call<{ revoked_sessions: string[] }>('DELETE', `/admin/sessions/${encodeURIComponent(id)}`),
  revokeAllSessions: () => call<RevokeAllResult>('POST', '/admin/sessions/revoke-all', { body: { confirm: 'revoke-all' } }),

  keys: (signal?: AbortSignal) => call<KeyRing>('GET', '/admin/keys', { signal }),
  rotateKeys: (signOutEveryone: boolean) =>
    call<RotateResult>('POST', '/admin/keys/rotate', { body: signOutEveryone ? { revoke_sessions: true, confirm: 'revoke-all' } : {} }),
  switchAlgorithm: (algorithm: string) => call<{ algorithm: string }>('PUT', '/admin/algorithm', { body: { algorithm } }),
  importKey: (body: { algorithm: string; secret?: string; private_key?: string; public_key?: string }) => call<unknown>('POST', '/admin/keys/import', { body }),
  async jwks(): Promise<{ keys: Record<string, unknown>[] }> {
    // no-store: verifiers may cache the JWKS for minutes, but the console shows a rotation at once.
    const res = await fetch('/.well-known/jwks.json', { cache: 'no-store', headers: { Accept: 'application/json' } })
    if (!res.ok) throw await errorOf(res)
    return (await res.json()) as { keys: Record<string, unknown>[] }
  },

  settings: (signal?: AbortSignal) => call<Settings>('GET', '/admin/settings', { signal }),
  updateSettings: (patch: Record<string, number>) => call<{ settings: Settings }>('PATCH', '/admin/settings', { body: patch }),

  audit: (query: { type?: string; q?: string; skip: number; limit: number }, signal?: AbortSignal) =>
    call<AuditPage>('GET', '/admin/audit', { query, signal }),
  /** The export as a file to save: fetched with the Bearer token (a plain link would need a cookie). */
  async auditExport(format: 'csv' | 'jsonl', query: { type?: string; q?: string }): Promise<{ blob: Blob; filename: string }> {
    const res = await checked(await sendSignedIn('GET', '/admin/audit/export', { query: { ...query, format }, headers: { Accept: '*/*' } }))
    const filename = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `authdock-audit.${format}`
    return { blob: await res.blob(), filename }
  },

  /** The live feed's stream (live.ts): opened with the Bearer token, resumed after `lastEventId` as an EventSource resumes. */
  events: (lastEventId: string | null, signal: AbortSignal): Promise<Response> =>
    sendSignedIn('GET', '/admin/events', { signal, headers: { Accept: 'text/event-stream', ...(lastEventId === null ? {} : { 'Last-Event-ID': lastEventId }) } }),

  inspect: (token: string) => call<Inspection>('POST', '/admin/inspect', { body: { token } }),

  apiKeys: (query: { user_id?: string; skip: number; limit: number }, signal?: AbortSignal) =>
    call<AdminApiKeyPage>('GET', '/admin/api-keys', { query, signal }),
  revokeApiKey: (id: string) => call<{ revoked_api_keys: number }>('DELETE', `/admin/api-keys/${encodeURIComponent(id)}`),
}
