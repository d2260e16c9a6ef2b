// Admin: every user's API keys (never the keys themselves: who holds one, its use and expiry),
// and revoking any of them.

import { z } from 'zod'
import { adminApiKeyRead } from '../dto.ts'
import type { Route } from '../route.ts'
import { route } from '../route.ts'
import type { RouteDeps } from '../route-table.ts'
import * as S from '../schemas.ts'

export function adminApiKeyRoutes({ core }: RouteDeps): Route[] {
  return [
    route({
      method: 'GET', path: '/api/v1/admin/api-keys', caller: 'superuser', tag: 'admin: api keys',
      summary: "Every user's API keys (never the keys themselves)",
      query: z.object({ ...S.pageQuery(50), user_id: S.queryText('user_id') }),
      response: z.object({ total_count: z.number().int(), api_keys: z.array(S.adminApiKey) }),
      handler({ query }) {
        const page = core.apiKeys.listAll({ userId: query.user_id }, query)
        const now = core.clock.now()
        return { body: { total_count: page.total, api_keys: page.keys.map((k) => adminApiKeyRead(k, now)) } }
      },
    }),

    route({
      method: 'DELETE', path: '/api/v1/admin/api-keys/:id', caller: 'superuser', tag: 'admin: api keys',
      summary: 'Revoke any API key', params: S.idParam, response: z.object({ revoked_api_keys: z.number().int() }), errors: ['API_KEY_NOT_FOUND'],
      handler({ params, context, caller }) {
        core.apiKeys.revokeOne(params.id, context, caller.user.id)
        return { body: { revoked_api_keys: 1 } }
      },
    }),
  ]
}
