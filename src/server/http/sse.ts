// Server-sent event streams: headers, heartbeats that keep proxies from closing an idle stream,
// a cap on how many are open, clean-up when the client goes, and closing them all at shutdown
// (an open stream would otherwise keep server.close() waiting for ever).

import type { Request, Response } from 'express'
import { AuthError } from '../core/errors.ts'

export interface StreamOptions {
  /** Milliseconds between heartbeat comments. */
  readonly heartbeatMs: number
  /** Streams open at once, per kind; one more is answered 429. */
  readonly maxStreams: number
}

export const DEFAULT_STREAM_OPTIONS: StreamOptions = { heartbeatMs: 15_000, maxStreams: 64 }

export interface Stream {
  send(event: string, data: unknown, id?: number): void
  close(): void
  readonly closed: boolean
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
        get closed() {
          return closed
        },
        send(event, data, id) {
          if (closed) return
          res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
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
      const timer = setInterval(() => {
        if (!hooks.alive()) return stream.close()
        res.write(': ping\n\n')
      }, options.heartbeatMs)
      timer.unref()
      res.on('close', () => stream.close())
      streams.add(stream)
      res.write('retry: 2000\n\n')
      return stream
    },

    count: (kind: string): number => open.get(kind)?.size ?? 0,

    closeAll(): void {
      for (const streams of open.values()) for (const s of [...streams]) s.close()
    },
  }
}

export type StreamHub = ReturnType<typeof createStreamHub>
