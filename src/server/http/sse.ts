// Server-sent event streams: headers, heartbeats that keep proxies from closing an idle stream,
// caps on how many are open (core/stream-slots.ts: in all, per user, a share kept for superusers),
// clean-up when the client goes, dropping a client that stops reading, and closing them all at
// shutdown (an open stream would otherwise keep server.close() waiting for ever).

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Principal } from '../core/authenticate.ts'
import type { AuthCore } from '../core/core.ts'
import type { AuditEvent } from '../core/store/types.ts'
import { writeHead } from './security-headers.ts'
import { createStreamSlots } from '../core/stream-slots.ts'
import type { StreamHolder } from '../core/stream-slots.ts'

export interface StreamOptions {
  /** Milliseconds between heartbeat comments. */
  readonly heartbeatMs: number
  /** Streams open at once, per kind; one more is answered 429. */
  readonly maxStreams: number
  /** Streams one user (all their API keys and tokens together) may hold per kind. Default 8. */
  readonly maxPerUser?: number
  /** Of maxStreams, how many only superusers may take. Default a quarter. */
  readonly reservedForSuperusers?: number
}

const DEFAULT_MAX_PER_USER = 8
export const DEFAULT_STREAM_OPTIONS: StreamOptions = { heartbeatMs: 15_000, maxStreams: 64, maxPerUser: DEFAULT_MAX_PER_USER, reservedForSuperusers: 16 }

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
  const slots = createStreamSlots({
    maxStreams: options.maxStreams,
    maxPerUser: options.maxPerUser ?? DEFAULT_MAX_PER_USER,
    reservedForSuperusers: options.reservedForSuperusers ?? Math.floor(options.maxStreams / 4),
  })

  return {
    /**
     * Starts a stream on `res`. `alive` is asked at every heartbeat (the caller's session may have
     * been revoked meanwhile); `onClose` runs once, however the stream ends.
     */
    open(kind: string, holder: StreamHolder, req: IncomingMessage, res: ServerResponse, hooks: { alive: () => boolean; onClose: () => void }): Stream {
      const streams = open.get(kind) ?? new Set<Stream>()
      open.set(kind, streams)
      const release = slots.acquire(kind, holder) // throws TOO_MANY_STREAMS (429) before any header goes out
      writeHead(res, 200, {
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
          release()
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

/** Events after which a stream re-checks that its caller may still hold it. */
const RECHECK_ON = new Set(['user_updated', 'user_deleted', 'password_changed', 'session_revoked', 'api_key_deleted', 'api_key_revoked'])

/**
 * A stream fed by the audit feed. `forward` decides what the client gets of each event. The
 * caller's right to the stream is re-checked at every heartbeat and at once after any event that
 * may have taken it away (a demotion, a revoked session, a deleted API key).
 */
export function openAuditStream(
  hub: StreamHub,
  kind: string,
  req: IncomingMessage,
  res: ServerResponse,
  opts: { core: AuthCore; principal: Principal; allowed: (now: Principal) => boolean; forward: (event: AuditEvent, stream: Stream) => void },
): Stream {
  const { core, principal } = opts
  const alive = () => {
    const now = core.authenticate.current(principal)
    return now !== null && opts.allowed(now)
  }
  let unsubscribe = () => {}
  const holder = { userId: principal.user.id, superuser: principal.user.isSuperuser }
  const stream = hub.open(kind, holder, req, res, { alive, onClose: () => unsubscribe() })
  unsubscribe = core.audit.subscribe((event) => {
    // Forwarded first: the event that took the caller's rights away is theirs to see, nothing after.
    opts.forward(event, stream)
    if (RECHECK_ON.has(event.type) && !alive()) stream.close()
  })
  return stream
}
