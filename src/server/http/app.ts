// The HTTP adapter as one request listener: the Host check and CORS for every request, then the
// route table (router.ts), then the console's files. No auth rules here.

import { existsSync } from 'node:fs'
import type { RequestListener } from 'node:http'
import serveStatic from 'serve-static'
import type { AuthCore, Logger } from '../core/core.ts'
import { AuthError } from '../core/errors.ts'
import { allowedHosts, isHostAllowed } from '../core/host-policy.ts'
import type { BoundAddress, HostRule } from '../core/host-policy.ts'
import { createCookieJar } from './cookies.ts'
import { createCors } from './cors.ts'
import { writeError } from './error-writer.ts'
import { createRouter } from './router.ts'
import type { ContractWatcher } from './router.ts'
import { routeTable } from './route-table.ts'
import { createStreamHub } from './sse.ts'
import type { StreamHub } from './sse.ts'
import { setConsoleHeaders, setSecurityHeaders } from './security-headers.ts'

export interface AppOptions {
  readonly log: Logger
  readonly consoleDir?: string
  /** Event streams; closed by the server at shutdown. */
  readonly streams?: StreamHub
  /** The address the server is bound to (null before it listens): for the security checklist, the Hosts answered and the URLs published. */
  readonly listenAddress?: () => BoundAddress | null
  /** Told of any answer outside a route's declaration (the tests fail on it). */
  readonly contract?: ContractWatcher
}

/** `http://host/path?q` → `/path?q`; anything that is not a URL → `/` (then a 404). */
function originForm(target: string): string {
  try {
    const url = new URL(target)
    return url.pathname + url.search
  } catch {
    return '/'
  }
}

export function createApp(core: AuthCore, options: AppOptions): RequestListener {
  const { log } = options
  const listenAddress = options.listenAddress ?? (() => null)
  const routes = routeTable({ core, cookies: createCookieJar(core.config), streams: options.streams ?? createStreamHub(), listenAddress })
  const router = createRouter(core, routes, { log, contract: options.contract })
  const files = options.consoleDir !== undefined && existsSync(options.consoleDir)
    ? serveStatic(options.consoleDir, { index: 'index.html', maxAge: 0, setHeaders: setConsoleHeaders })
    : null
  const cors = createCors(core.config.corsOrigins)
  // The allowed Hosts change only when the server starts listening.
  let hosts: { bound: BoundAddress | null; rules: readonly HostRule[] } | undefined
  const knownHosts = (): readonly HostRule[] => {
    const bound = listenAddress()
    if (hosts?.bound !== bound) hosts = { bound, rules: allowedHosts(core.config, bound) }
    return hosts.rules
  }
  const notFound = (where: { method?: string; path: string }) => (res: Parameters<RequestListener>[1]) =>
    writeError(res, new AuthError('NOT_FOUND', 'Not Found'), 'langflow', log, where)

  return (req, res) => {
    // RFC 9112 §3.2.2: a request target may be a whole URL; everything below reads the path.
    if (req.url !== undefined && !req.url.startsWith('/')) req.url = originForm(req.url)
    // Before any route: a page whose name was re-pointed here (DNS rebinding) gets nothing.
    if (!isHostAllowed(req.headers.host, knownHosts())) {
      const shown = JSON.stringify((req.headers.host ?? '').slice(0, 100))
      const err = new AuthError('HOST_NOT_ALLOWED', `This server does not answer to the host ${shown}: use a loopback address, the issuer's host, or add the host to AUTHDOCK_ALLOWED_HOSTS`)
      writeError(res, err, 'langflow', log, { method: req.method, path: '' })
      return
    }
    if (cors(req, res)) return
    if (router(req, res)) return
    const where = { method: req.method, path: (req.url ?? '/').split('?')[0] ?? '/' }
    // The console's files are written by serve-static: the security set goes on first.
    setSecurityHeaders(res)
    if (files === null || (req.method !== 'GET' && req.method !== 'HEAD')) return notFound(where)(res)
    files(req, res, (err?: unknown) => (err === undefined ? notFound(where)(res) : writeError(res, err, 'langflow', log, where)))
  }
}
