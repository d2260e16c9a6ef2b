// The console's one typed HTTP client: same-origin calls to the auth server's API, in Electron and
// in a browser alike. The session lives in the server's cookies (Langflow's access and refresh
// cookies); an expired access token is refreshed once, transparently, and the call retried.

import type {
  AdminApiKeyPage, AdminUser, AuditPage, Checklist, Inspection, KeyRing, Overview, RevokeAllResult, RotateResult, SessionDetail, SessionPage, Settings,
  UserChange, UserRead,
} from '../shared/api-types.ts'

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

async function send(method: string, path: string, body?: unknown, query?: Query, signal?: AbortSignal): Promise<Response> {
  const init: RequestInit = { method, signal, credentials: 'same-origin', headers: { Accept: 'application/json' } }
  if (body instanceof URLSearchParams) init.body = body
  else if (body !== undefined) {
    init.body = JSON.stringify(body)
    init.headers = { ...init.headers, 'Content-Type': 'application/json' }
  }
  return fetch(url(path, query), init)
}

let refreshing: Promise<boolean> | null = null
/** One refresh at a time: parallel calls that all got a 401 wait on the same one. */
function refreshSession(): Promise<boolean> {
  refreshing ??= send('POST', '/refresh')
    .then((res) => res.ok)
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

type CallOptions = { body?: unknown; query?: Query; signal?: AbortSignal }

/** Sends with the signed-in session: on a 401 it refreshes the session once and sends again. */
async function sendSignedIn(method: string, path: string, opts: CallOptions = {}): Promise<Response> {
  const go = () => send(method, path, opts.body, opts.query, opts.signal)
  const res = await go()
  return res.status === 401 && (await refreshSession()) ? go() : res
}

/** A call that needs the signed-in session; a 401 that a refresh did not cure signs the console out. */
async function call<T>(method: string, path: string, opts: CallOptions = {}): Promise<T> {
  const res = await sendSignedIn(method, path, opts)
  if (res.status === 401) {
    onSignedOut()
    throw await errorOf(res)
  }
  if (!res.ok) throw await errorOf(res)
  return (await res.json()) as T
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
  login: (username: string, password: string) => open<unknown>('POST', '/login', new URLSearchParams({ username, password })),
  logout: () => open<unknown>('POST', '/logout'),
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
  createUser: (body: { username: string; password: string; is_superuser: boolean }) => call<UserChange>('POST', '/admin/users', { body }),
  updateUser: (id: string, body: { is_active?: boolean; is_superuser?: boolean; password?: string }) =>
    call<UserChange>('PATCH', `/admin/users/${encodeURIComponent(id)}`, { body }),
  deleteUser: (id: string) => call<UserChange>('DELETE', `/admin/users/${encodeURIComponent(id)}`),
  unlockUser: (id: string) => call<{ user: AdminUser; was_locked: boolean }>('POST', `/admin/users/${encodeURIComponent(id)}/unlock`),
  revokeUserSessions: (id: string) => call<{ revoked_sessions: string[] }>('POST', `/admin/users/${encodeURIComponent(id)}/revoke-sessions`),

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
  auditExportUrl: (format: 'csv' | 'jsonl', query: { type?: string; q?: string }) => url('/admin/audit/export', { ...query, format }),

  inspect: (token: string) => call<Inspection>('POST', '/admin/inspect', { body: { token } }),

  apiKeys: (query: { user_id?: string; skip: number; limit: number }, signal?: AbortSignal) =>
    call<AdminApiKeyPage>('GET', '/admin/api-keys', { query, signal }),
  revokeApiKey: (id: string) => call<{ revoked_api_keys: number }>('DELETE', `/admin/api-keys/${encodeURIComponent(id)}`),
}
