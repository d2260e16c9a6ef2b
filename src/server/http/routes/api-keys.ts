// Langflow's /api_key routes: list (masked), create (shown once, optionally expiring), delete (own keys only).

import { z } from 'zod'
import { apiKeyRead } from '../dto.ts'
import type { Route } from '../route.ts'
import { route } from '../route.ts'
import type { RouteDeps } from '../route-table.ts'
import * as S from '../schemas.ts'

export function apiKeyRoutes({ core }: RouteDeps): Route[] {
  return [
    route({
      method: 'GET', path: '/api/v1/api_key/', caller: 'user', tag: 'api keys',
      summary: "Your API keys, masked",
      response: z.object({ total_count: z.number().int(), user_id: z.string(), api_keys: z.array(S.apiKeyRead) }),
      handler({ caller }) {
        const keys = core.apiKeys.list(caller.user.id)
        return { body: { total_count: keys.length, user_id: caller.user.id, api_keys: keys.map((k) => apiKeyRead(k)) } }
      },
    }),

    route({
      method: 'POST', path: '/api/v1/api_key/', caller: 'user', tag: 'api keys',
      summary: 'Create an API key; the answer is the only time the full key is shown',
      body: z.object({
        name: z.string({ error: 'name must be a string' }).nullable().optional(),
        expires_at: z.string({ error: 'expires_at must be an ISO 8601 time' }).nullable().optional().describe('ISO 8601; left out or null: never'),
      }),
      bodyOptional: true, response: S.apiKeyRead, errors: ['TOO_MANY_API_KEYS'],
      handler({ caller, body, context }) {
        const { record, key } = core.apiKeys.create(caller.user, { name: body.name, expiresAt: body.expires_at }, context)
        return { body: apiKeyRead(record, key) }
      },
    }),

    route({
      method: 'DELETE', path: '/api/v1/api_key/:id', caller: 'user', tag: 'api keys',
      summary: 'Delete one of your API keys', params: S.idParam, response: S.detail, errors: ['API_KEY_NOT_FOUND'],
      handler({ caller, params, context }) {
        core.apiKeys.remove(caller.user, params.id, context)
        return { body: { detail: 'API Key deleted' } }
      },
    }),
  ]
}
