// The HTTP adapter: parses input, calls the core, maps results and errors. No auth rules here.
// The two hottest routes are answered by fast-routes.ts; everything else goes through Express.

import express from 'express'
import { existsSync } from 'node:fs'
import type { RequestListener } from 'node:http'
import type { AuthCore, Logger } from '../core/core.ts'
import { createCookieJar } from './cookies.ts'
import { createCors } from './cors.ts'
import { createErrorHandler, notFound } from './error-handler.ts'
import { API_HEADERS, BODY_LIMIT_BYTES, FORM_PARAMETER_LIMIT, createFastRoutes } from './fast-routes.ts'
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
  /** The address the server is bound to, for the security checklist. */
  readonly listenHost?: () => string | null
}

export function createApp(core: AuthCore, options: AppOptions): RequestListener {
  const streams = options.streams ?? createStreamHub()
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
  api.use('/admin', adminRoutes(core, { streams, listenHost: options.listenHost ?? (() => null) }))
  api.use(notFound)

  app.use(wellKnownRoutes(core))
  app.use('/api/v1', api)
  if (options.consoleDir !== undefined && existsSync(options.consoleDir)) {
    app.use(express.static(options.consoleDir, { index: 'index.html', maxAge: 0, setHeaders: setConsoleHeaders }))
  }
  app.use(notFound)
  app.use(createErrorHandler(options.log))
  const fast = createFastRoutes(core, cookies, options.log)
  const cors = createCors(core.config.corsOrigins)
  return (req, res) => {
    // Before any route, so the fast path and Express answers (errors included) carry them alike.
    setSecurityHeaders(res)
    if (cors(req, res)) return
    if (!fast(req, res)) app(req, res)
  }
}
