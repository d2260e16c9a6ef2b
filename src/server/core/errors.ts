// The one error model of the core: a code from a closed union plus the client-facing detail.
// The HTTP adapter maps each code to a status through a Record, so a new code needs a status.

export type AuthErrorCode =
  | 'INVALID_CREDENTIALS'
  | 'INACTIVE_USER'
  | 'WAITING_FOR_APPROVAL'
  | 'LOGIN_THROTTLED'
  | 'NOT_AUTHENTICATED'
  | 'INVALID_TOKEN'
  | 'TOKEN_EXPIRED'
  | 'INVALID_API_KEY'
  | 'INVALID_REFRESH_TOKEN'
  | 'REFRESH_REUSED'
  | 'SESSION_REVOKED'
  | 'FORBIDDEN'
  | 'NOT_SUPERUSER'
  | 'USER_NOT_FOUND'
  | 'USERNAME_TAKEN'
  | 'EMAIL_TAKEN'
  | 'INVALID_INPUT'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'WEAK_PASSWORD'
  | 'PASSWORD_CHANGE_NOT_ALLOWED'
  | 'SAME_PASSWORD'
  | 'WRONG_CURRENT_PASSWORD'
  | 'SELF_DELETE'
  | 'LAST_SUPERUSER'
  | 'API_KEY_NOT_FOUND'
  | 'API_KEY_EXPIRED'
  | 'TOO_MANY_API_KEYS'
  | 'API_KEY_RATE_LIMITED'
  | 'SIGNUP_DISABLED'
  | 'AUTO_LOGIN_DISABLED'
  | 'NO_SUPERUSER'
  | 'SETUP_NOT_NEEDED'
  | 'INVALID_SETUP_CODE'
  | 'ENV_PINNED'
  | 'INVALID_KEY'
  | 'SESSION_NOT_FOUND'
  | 'CONFIRMATION_REQUIRED'
  | 'TOO_MANY_STREAMS'
  | 'HOST_NOT_ALLOWED'
  | 'DUPLICATE_COOKIE'
  | 'KEYS_NOT_READY'
  // OAuth's invalid_grant (RFC 6749 §5.2): a code or refresh token that is no good for this client.
  | 'INVALID_GRANT'
  | 'CLIENT_NOT_FOUND'
  /** A client's authentication at the token endpoint failed: RFC 6749 §5.2 invalid_client. */
  | 'INVALID_CLIENT'
  // Requests that cannot be read or routed: the same model, so they are written like any other.
  | 'BODY_TOO_LARGE'
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'INTERNAL'

export class AuthError extends Error {
  readonly code: AuthErrorCode
  /** What the client is told; Langflow's clients read it as `detail`. */
  readonly detail: unknown
  /** Seconds a throttled client should wait (sent as Retry-After). */
  readonly retryAfterSeconds: number | undefined
  /** Extra machine-readable fields sent beside detail and code (e.g. the pinning `variable`). */
  readonly fields: Readonly<Record<string, unknown>>

  constructor(
    code: AuthErrorCode,
    detail: unknown = code,
    options: { cause?: unknown; retryAfterSeconds?: number; fields?: Record<string, unknown> } = {},
  ) {
    super(typeof detail === 'string' ? detail : code, { cause: options.cause })
    this.name = 'AuthError'
    this.code = code
    this.detail = detail
    this.retryAfterSeconds = options.retryAfterSeconds
    this.fields = options.fields ?? {}
  }
}

/** A start-up problem: bad configuration or unusable files. Always names what is wrong. */
export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ConfigError'
  }
}
