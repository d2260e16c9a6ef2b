// The route table: every route the server answers, in one list. The router serves it and
// openapi.ts documents it; a route that is not here does not exist.

import type { AuthCore } from '../core/core.ts'
import type { BoundAddress } from '../core/host-policy.ts'
import type { CookieJar } from './cookies.ts'
import type { Route } from './route.ts'
import { adminApiKeyRoutes } from './routes/admin-api-keys.ts'
import { adminAuditRoutes } from './routes/admin-audit.ts'
import { adminClientRoutes } from './routes/admin-clients.ts'
import { adminKeyRoutes } from './routes/admin-keys.ts'
import { adminSessionRoutes } from './routes/admin-sessions.ts'
import { adminUserRoutes } from './routes/admin-users.ts'
import { adminRoutes } from './routes/admin.ts'
import { apiKeyRoutes } from './routes/api-keys.ts'
import { authRoutes } from './routes/auth.ts'
import { consoleRoutes } from './routes/console.ts'
import { docsRoutes } from './routes/docs.ts'
import { localAppRoutes } from './routes/local-apps.ts'
import { userRoutes } from './routes/users.ts'
import { wellKnownRoutes } from './routes/well-known.ts'
import type { StreamHub } from './sse.ts'

/** What route handlers are built with. */
export interface RouteDeps {
  readonly core: AuthCore
  readonly cookies: CookieJar
  readonly streams: StreamHub
  /** The address the server is bound to (null before it listens). */
  readonly listenAddress: () => BoundAddress | null
}

export function routeTable(deps: RouteDeps): Route[] {
  const routes: Route[] = [
    ...wellKnownRoutes(deps),
    ...authRoutes(deps),
    ...consoleRoutes(deps),
    ...userRoutes(deps),
    ...apiKeyRoutes(deps),
    ...localAppRoutes(deps),
    ...adminRoutes(deps),
    ...adminSessionRoutes(deps),
    ...adminKeyRoutes(deps),
    ...adminUserRoutes(deps),
    ...adminApiKeyRoutes(deps),
    ...adminAuditRoutes(deps),
    ...adminClientRoutes(deps),
  ]
  // The document describes the table it is part of.
  const table: Route[] = [...routes, ...docsRoutes(deps, () => table)]
  return table
}
