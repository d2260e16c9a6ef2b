// createAuthServer: the embedded auth server as a library. The headless CLI and Electron's main
// process both call it; it returns something to listen on and to close.

import { createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { join } from 'node:path'
import type { Env } from './core/config.ts'
import { ensureConfigDir, withDotEnv } from './core/config-dir.ts'
import type { Clock } from './core/clock.ts'
import { createAuthCore } from './core/core.ts'
import type { AuthCore, Logger } from './core/core.ts'
import type { BoundAddress } from './core/host-policy.ts'
import { createApp } from './http/app.ts'
import type { ContractWatcher } from './http/router.ts'
import { createStreamHub } from './http/sse.ts'
import type { StreamOptions } from './http/sse.ts'
import { createLogger } from './log.ts'

export interface AuthServerOptions {
  readonly configDir: string
  readonly env: Env
  readonly log?: Logger
  readonly clock?: Clock
  /** A built console to serve at `/` (the renderer bundle), if any. */
  readonly consoleDir?: string
  /** Heartbeat interval and cap of the event streams (tests shorten the heartbeat). */
  readonly streams?: StreamOptions
  /**
   * How long a client may take to send its headers (counted from the moment its connection is
   * accepted, so also how long a connection that never sends a request stays open), its whole
   * request, and how long a kept-alive connection may sit idle between requests (tests shorten them).
   */
  readonly timeouts?: { readonly headersMs?: number; readonly requestMs?: number; readonly keepAliveMs?: number }
  /** Told of any answer outside a route's declaration; the tests fail on one. */
  readonly contract?: ContractWatcher
}

export interface AuthServer {
  readonly core: AuthCore
  /** The one-time code that creates the first superuser, while no user exists. */
  setupCode(): string | null
  listen(port?: number, host?: string): Promise<{ host: string; port: number; url: string }>
  close(): Promise<void>
}

/** Headers larger than this are refused; large enough that an oversized token still gets a JSON 401. */
const MAX_HEADER_BYTES = 1_200_000
const HEADERS_TIMEOUT_MS = 10_000
const REQUEST_TIMEOUT_MS = 30_000
/** Node's default, made explicit: browsers and proxies reopen a connection closed after it. */
const KEEP_ALIVE_TIMEOUT_MS = 5_000
/** How often a full connection cap is logged while connections are being refused. */
const CAP_WARNING_INTERVAL_MS = 60_000
/** What node:http's parser errors become; anything else is a 400. */
const CLIENT_ERRORS: Record<string, [status: string, detail: string]> = {
  HPE_HEADER_OVERFLOW: ['431 Request Header Fields Too Large', 'Request headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: ['408 Request Timeout', 'The request was not received in time'],
}
/** How long close() lets requests in flight finish before it drops their connections. */
const SHUTDOWN_GRACE_MS = 5_000

export async function createAuthServer(options: AuthServerOptions): Promise<AuthServer> {
  const log = options.log ?? createLogger()
  // The dir is checked and closed to others before its .env is read: while it is open, another
  // user could swap the file (createAuthCore's own check then finds nothing left to change).
  for (const change of ensureConfigDir(options.configDir)) log.warn(change)
  const env = withDotEnv(options.env, join(options.configDir, '.env'))
  const core = await createAuthCore({ configDir: options.configDir, env, clock: options.clock, log })
  const streams = createStreamHub(options.streams)
  let bound: BoundAddress | null = null
  const app = createApp(core, { log, consoleDir: options.consoleDir, streams, listenAddress: () => bound, contract: options.contract })
  const headersTimeout = options.timeouts?.headersMs ?? HEADERS_TIMEOUT_MS
  const requestTimeout = Math.max(headersTimeout, options.timeouts?.requestMs ?? REQUEST_TIMEOUT_MS)
  const server = createServer(
    {
      // headersTimeout runs from the moment Node accepts a connection (its parser starts the clock
      // then, not at the first byte), so a connection that never sends a request is closed after
      // it too. An event stream is past its headers and so never cut by it (sse.ts).
      maxHeaderSize: MAX_HEADER_BYTES, headersTimeout, requestTimeout,
      keepAliveTimeout: options.timeouts?.keepAliveMs ?? KEEP_ALIVE_TIMEOUT_MS,
      // Node checks the two timeouts only this often (30 s by default): a slow client (slowloris)
      // would hold its socket that much longer than the timeout says.
      connectionsCheckingInterval: Math.min(1000, Math.ceil(headersTimeout / 4)),
    },
    app,
  )
  // Every connection is a file descriptor: past the cap a new one is closed as soon as it is
  // accepted, so that idle connections by the thousand cannot exhaust them (and with them the
  // database and key files) while the connections already open keep being served.
  server.maxConnections = core.config.maxConnections
  let capWarnedAt = -Infinity
  server.on('drop', () => {
    const now = Date.now()
    if (now - capWarnedAt < CAP_WARNING_INTERVAL_MS) return
    capWarnedAt = now
    log.warn('connection cap reached: refusing new connections until some close (AUTHDOCK_MAX_CONNECTIONS)', { maxConnections: core.config.maxConnections })
  })
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return socket.destroy()
    const [status, detail] = CLIENT_ERRORS[err.code ?? ''] ?? ['400 Bad Request', 'Malformed request']
    const body = JSON.stringify({ detail, code: 'BAD_REQUEST' })
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  })
  let closing: Promise<void> | undefined
  // Requests in flight, so that close() can let them finish and then drop every connection left:
  // Node counts a connection that never sent a request (a browser's preconnect) as busy, not idle.
  let inFlight = 0
  let shuttingDown = false
  const dropConnectionsIfDone = () => {
    if (shuttingDown && inFlight === 0) server.closeAllConnections()
  }
  server.on('request', (_req, res) => {
    inFlight += 1
    res.once('close', () => {
      inFlight -= 1
      dropConnectionsIfDone()
    })
  })

  return {
    core,
    setupCode: () => core.setup.code(),
    listen(port = core.config.port, host = core.config.host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          const address = server.address() as AddressInfo
          bound = { host: address.address, port: address.port }
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
          resolve({ host: address.address, port: address.port, url: `http://${shown}:${address.port}` })
        })
      })
    },
    close() {
      // In-flight requests finish; then every connection is dropped so close() can end.
      closing ??= new Promise<void>((resolve) => {
        if (!server.listening) return resolve()
        shuttingDown = true
        server.close(() => resolve())
        streams.closeAll() // an open event stream would keep close() waiting
        server.closeIdleConnections()
        dropConnectionsIfDone()
        // A client that stopped reading (a stalled download) must not hold shutdown for ever.
        setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref()
      }).then(() => core.close())
      return closing
    },
  }
}

export { createApp } from './http/app.ts'
export { ConfigError } from './core/errors.ts'
export type { AuthCore } from './core/core.ts'
