// Types of authdock/verify (index.js): verify authdock access tokens offline in a local Node app.

import type { JWTPayload } from 'jose'

/** The claims of an authdock access token. */
export interface AccessPayload extends JWTPayload {
  /** The user id. */
  sub: string
  /** The session id: what a revocation names. */
  sid: string
  type: 'access'
  exp: number
  iat?: number
  jti?: string
  iss?: string
}

export interface VerifierOptions {
  /** Where authdock listens, e.g. `http://127.0.0.1:7861` (a path prefix is kept). */
  baseUrl: string | URL
  /** A superuser's API key (`POST /api/v1/api_key/`) for the revocation stream; another user's is refused (403). */
  apiKey: string
  /** The expected `iss`; the server's `AUTHDOCK_ISSUER`. Default `authdock`. */
  issuer?: string
  /** Accepted algorithms. Default `['RS256', 'RS512']` (HS256 keys are never published). */
  algorithms?: string[]
  /** Used for the JWKS and the stream. Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch
  /**
   * How long tokens are still accepted while the revocation stream is down (a revocation made
   * meanwhile takes effect at the reconnect). Default 60 000 ms; 0 refuses at once.
   */
  maxOfflineMs?: number
  /** Told of stream failures (the verifier reconnects by itself). Default: ignored. */
  onError?: (err: Error) => void
}

export type VerifyErrorCode =
  | 'NOT_AUTHENTICATED'
  | 'INVALID_TOKEN'
  | 'TOKEN_EXPIRED'
  | 'SESSION_REVOKED'
  | 'AUTH_SERVER_UNAVAILABLE'

export class VerifyError extends Error {
  readonly code: VerifyErrorCode
  /** 401, or 503 for AUTH_SERVER_UNAVAILABLE. */
  readonly status: number
  constructor(code: VerifyErrorCode, message: string, options?: { cause?: unknown })
}

export interface AuthInfo {
  sub: string
  sid: string
  payload: AccessPayload
}

/** The little of a request and a response the middleware touches (Express, Connect, node:http). */
export interface RequestLike {
  headers: { authorization?: string | undefined }
  auth?: AuthInfo
}
export interface ResponseLike {
  statusCode: number
  setHeader(name: string, value: string): unknown
  end(body?: string): unknown
}

export interface Verifier {
  /** The token's claims, or a VerifyError. */
  verify(token: string): Promise<AccessPayload>
  /** Sets `req.auth` and calls next(), or answers 401 (503 if the server cannot be reached) `{detail, code}`. */
  middleware(): (req: RequestLike, res: ResponseLike, next: (err?: unknown) => void) => void
  /** Resolves once the first snapshot of revocations arrived; rejects for a refused API key (401, or 403 for a key that is not a superuser's). */
  readonly ready: Promise<void>
  /** Stops the stream. */
  close(): void
}

export function createVerifier(options: VerifierOptions): Verifier

export interface SseEvent {
  type: string
  data: string
  /** The last event id seen so far on the stream (sent as Last-Event-ID on reconnect). */
  id: string
}

export interface SseParser {
  /** Feeds decoded text of any length; complete events are passed to onEvent. */
  push(text: string): void
  readonly lastEventId: string
}

export function createSseParser(
  handlers: { onEvent: (event: SseEvent) => void; onRetry?: (ms: number) => void },
  options?: { lastEventId?: string },
): SseParser
