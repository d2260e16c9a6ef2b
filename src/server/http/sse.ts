// Server-sent event streams: headers, heartbeats that keep proxies from closing an idle stream,
// a cap on how many are open, clean-up when the client goes, dropping a client that stops reading,
// and closing them all at shutdown (an open stream would otherwise keep server.close() waiting for ever).

import type { Request, Response } from 'express'
import type { Principal } from '../core/authenticate.ts'
import type { AuthCore } from '../core/core.ts'
import { AuthError } from '../core/errors.ts'

export interface StreamOptions {
  /** Milliseconds between heartbeat comments. */
  readonly heartbeatMs: number
  /** Streams open at once, per kind; one more is answered 429. */
  readonly maxStreams: number
}

export const DEFAULT_STREAM_OPTIONS: StreamOptions = { heartbeatMs: 15_000, maxStreams: 64 }

/**
 * Bytes a stream may have waiting in memory for a client that does not read. Past it the client is
 * dropped (it resumes from its Last-Event-ID, or gets a fresh snapshot); without a bound, one
 * stalled client (any API key holder, for the revocation stream) makes the server buffer every
 * event for ever. Well above a full replay (1000 events of at most ~1 KB).
 */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024

export interface Stream {
  send(event: string, data: unknown, id?: number): void
  close(): void
}

export function createStreamHub(options: StreamOptions = DEFAULT_STREAM_OPTIONS) {
  const open = new Map<string, Set<Stream>>()

  return {
    /**
     * Starts a stream on `res`. `alive` is asked at every heartbeat (the caller's session may have
     * been revoked meanwhile); `onClose` runs once, however the stream ends.
     */
    open(kind: string, req: Request, res: Response, hooks: { alive: () => boolean; onClose: () => void }): Stream {
      const streams = open.get(kind) ?? new Set<Stream>()
      open.set(kind, streams)
      if (streams.size >= options.maxStreams) {
        throw new AuthError('TOO_MANY_STREAMS', `Too many open event streams (at most ${options.maxStreams}); close one and retry`, { retryAfterSeconds: 5 })
      }
      res.status(200).set({
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no', // nginx: pass events through at once
      })
      res.flushHeaders()
      req.socket.setNoDelay(true)
      // The request timeout is for requests that never finish sending; a stream is meant to stay.
      req.socket.setTimeout(0)

      let closed = false
      const stream: Stream = {
        send(event, data, id) {
          write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
        },
        close() {
          if (closed) return
          closed = true
          clearInterval(timer)
          streams.delete(stream)
          hooks.onClose()
          res.end()
        },
      }
      const write = (chunk: string): void => {
        if (closed) return
        res.write(chunk)
        if (res.writableLength > MAX_BUFFERED_BYTES) {
          stream.close()
          res.destroy() // end() would wait behind the unread backlog; this frees it
        }
      }
      const timer = setInterval(() => {
        if (!hooks.alive()) return stream.close()
        write(': ping\n\n')
      }, options.heartbeatMs)
      timer.unref()
      res.on('close', () => stream.close())
      streams.add(stream)
      res.write('retry: 2000\n\n')
      return stream
    },

    closeAll(): void {
      for (const streams of open.values()) for (const s of [...streams]) s.close()
    },
  }
}

export type StreamHub = ReturnType<typeof createStreamHub>

/**
 * A stream's `alive` check: may the caller it was opened for still hold it? The user must still
 * exist and be active (and a superuser, where `superuser`); a token's session must still be live
 * and the token unexpired; an API key must still exist.
 */
export function callerStillAllowed(core: AuthCore, principal: Principal, superuser: boolean): boolean {
  const user = core.users.byId(principal.user.id)
  if (user === null || !user.isActive || (superuser && !user.isSuperuser)) return false
  if (principal.apiKeyId !== null) return core.apiKeys.isActive(user.id, principal.apiKeyId)
  const { claims, sessionId } = principal
  return claims !== null && sessionId !== null && claims.exp * 1000 > core.clock.now() && core.sessions.isLive(sessionId, user.id)
}
