// The console's one typed HTTP client: same-origin calls to the auth server's API.

export interface Health {
  status: string
}

export interface SetupStatus {
  needed: boolean
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(`/api/v1${path}`, { signal, headers: { Accept: 'application/json' } })
  const body: unknown = await res.json().catch(() => null)
  if (!res.ok) throw new ApiError(res.status, detailOf(body) ?? `${res.status} ${res.statusText}`)
  // The server is ours and versioned with this client: its shapes are trusted, not re-validated.
  return body as T
}

/** The server answers errors as `{ detail, code }` (Langflow's clients read `detail`). */
function detailOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || !('detail' in body)) return null
  return typeof body.detail === 'string' ? body.detail : null
}

export const api = {
  health: (signal?: AbortSignal) => get<Health>('/health', signal),
  setupStatus: (signal?: AbortSignal) => get<SetupStatus>('/setup', signal),
}
