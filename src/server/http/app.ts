// The HTTP adapter: parses input, calls the core, maps results and errors. No auth rules here.
// The two hottest routes are answered by fast-routes.ts; everything else goes through Express.

import express from 'express'
import { existsSync } from 'node:fs'
import type { RequestListener } from 'node:http'
import type { AuthCore, Logger } from '../core/core.ts'
import { AuthError } from '../core/errors.ts'
import { allowedHosts, isHostAllowed } from '../core/host-policy.ts'
import type { BoundAddress, HostRule } from '../core/host-policy.ts'
import { createCookieJar } from './cookies.ts'
import { createCors } from './cors.ts'
import { authErrorReply, createErrorHandler, notFound } from './error-handler.ts'
import { API_HEADERS, BODY_LIMIT_BYTES, FORM_PARAMETER_LIMIT, createFastRoutes, send } from './fast-routes.ts'
import { adminRoutes } from './routes/admin.ts'
import { apiKeyRoutes } from './routes/api-keys.ts'
import { consoleRoutes } from './routes/console.ts'
import { localAppRoutes } from './routes/local-apps.ts'
import { createStreamHub } from './sse.ts'
import type { StreamHub } from './sse.ts'
import { authRoutes } from './routes/auth.ts'
import { userRoutes } from './routes/users.ts'
import { wellKnownRoutes } from './routes/well-known.ts'
import { setConsoleHeaders, setSecurityHeaders } from './security-headers.ts'

export interface AppOptions {
  readonly log: Logger
  readonly consoleDir?: string
  /** Event streams; closed by the server at shutdown. */
  readonly streams?: StreamHub
  /** The address the server is bound to (null before it listens): for the security checklist, the Hosts answered and the URLs published. */
  readonly listenAddress?: () => BoundAddress | null
}

export function createApp(core: AuthCore, options: AppOptions): RequestListener {
  const streams = options.streams ?? createStreamHub()
  const listenAddress = options.listenAddress ?? (() => null)
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)

  const api = express.Router()
  api.use((_req, res, next) => {
    res.set(API_HEADERS)
    next()
  })
  api.use(express.json({ limit: BODY_LIMIT_BYTES }))
  api.use(express.urlencoded({ extended: false, limit: BODY_LIMIT_BYTES, parameterLimit: FORM_PARAMETER_LIMIT }))
  const cookies = createCookieJar(core.config)
  api.use(authRoutes(core, cookies))
  api.use(consoleRoutes(core))
  api.use(userRoutes(core))
  api.use(apiKeyRoutes(core))
  api.use(localAppRoutes(core, streams))
  api.use('/admin', adminRoutes(core, { streams, listenHost: () => listenAddress()?.host ?? null }))
  api.use(notFound)

  app.use(wellKnownRoutes(core, listenAddress))
  app.use('/api/v1', api)
  if (options.consoleDir !== undefined && existsSync(options.consoleDir)) {
    app.use(express.static(options.consoleDir, { index: 'index.html', maxAge: 0, setHeaders: setConsoleHeaders }))
  }
  app.use(notFound)
  app.use(createErrorHandler(options.log))
  const fast = createFastRoutes(core, cookies, options.log)
  const cors = createCors(core.config.corsOrigins)
  // The allowed Hosts change only when the server starts listening.
  let hosts: { bound: BoundAddress | null; rules: readonly HostRule[] } | undefined
  const knownHosts = (): readonly HostRule[] => {
    const bound = listenAddress()
    if (hosts?.bound !== bound) hosts = { bound, rules: allowedHosts(core.config, bound) }
    return hosts.rules
  }
  return (req, res) => {
    // Before any route, so the fast path and Express answers (errors included) carry them alike.
    setSecurityHeaders(res)
    // Before any route too: a page whose name was re-pointed here (DNS rebinding) gets nothing.
    if (!isHostAllowed(req.headers.host, knownHosts())) {
      const shown = JSON.stringify((req.headers.host ?? '').slice(0, 100))
      const reply = authErrorReply(new AuthError('HOST_NOT_ALLOWED', `This server does not answer to the host ${shown}: use a loopback address, the issuer's host, or add the host to AUTHDOCK_ALLOWED_HOSTS`))
      send(res, reply.status, reply.headers, reply.body)
      return
    }
    if (cors(req, res)) return
    if (!fast(req, res)) app(req, res)
  }
}
