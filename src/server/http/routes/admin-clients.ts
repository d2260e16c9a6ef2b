// Admin: the OAuth clients ("local apps") that sign users in with authdock, in RFC 7591's metadata
// names. A confidential client's secret appears in two answers only: registration and rotation.

import type { z } from 'zod'
import type { ClientPatch } from '../../core/clients/client-metadata.ts'
import { clientRead, issuedClientRead } from '../dto.ts'
import { actorOf } from '../request.ts'
import type { Route } from '../route.ts'
import { route } from '../route.ts'
import type { RouteDeps } from '../route-table.ts'
import * as S from '../schemas.ts'

/** Wire names to the core's. */
function patchOf(body: z.output<typeof S.clientPatch>): ClientPatch {
  return {
    name: body.client_name,
    redirectUris: body.redirect_uris,
    postLogoutRedirectUris: body.post_logout_redirect_uris,
    tokenEndpointAuthMethod: body.token_endpoint_auth_method,
    grantTypes: body.grant_types,
    scope: body.scope,
    backchannelLogoutUri: body.backchannel_logout_uri,
    backchannelLogoutSessionRequired: body.backchannel_logout_session_required,
    allowPrivateBackchannel: body.allow_private_backchannel,
    firstParty: body.first_party,
  }
}

export function adminClientRoutes({ core }: RouteDeps): Route[] {
  const tag = 'admin: clients'
  return [
    route({
      method: 'POST', path: '/api/v1/admin/clients', caller: 'superuser', tag, status: 201,
      summary: 'Register a client; a confidential one gets its client_secret in this answer only',
      body: S.clientCreate, response: S.issuedClient,
      handler(call) {
        const issued = core.clients.create({ ...patchOf(call.body), name: call.body.client_name }, actorOf(call))
        return { body: issuedClientRead(issued) }
      },
    }),

    route({
      method: 'GET', path: '/api/v1/admin/clients', caller: 'superuser', tag,
      summary: 'Registered clients, oldest first (never their secrets)', response: S.clientList,
      handler: () => ({ body: { clients: core.clients.list().map(clientRead) } }),
    }),

    route({
      method: 'GET', path: '/api/v1/admin/clients/:id', caller: 'superuser', tag,
      summary: 'One client', params: S.idParam, response: S.clientRead, errors: ['CLIENT_NOT_FOUND'],
      handler({ params }) {
        return { body: clientRead(core.clients.get(params.id)) }
      },
    }),

    route({
      method: 'PATCH', path: '/api/v1/admin/clients/:id', caller: 'superuser', tag,
      summary: "Change a client's metadata (absent fields keep their values; backchannel_logout_uri: null removes it)",
      params: S.idParam, body: S.clientPatch, response: S.clientRead, errors: ['CLIENT_NOT_FOUND'],
      handler(call) {
        return { body: clientRead(core.clients.update(call.params.id, patchOf(call.body), actorOf(call))) }
      },
    }),

    route({
      method: 'DELETE', path: '/api/v1/admin/clients/:id', caller: 'superuser', tag,
      summary: 'Delete a client; every session it was issued ends', params: S.idParam, response: S.deletedClient, errors: ['CLIENT_NOT_FOUND'],
      handler(call) {
        const deleted = core.clients.remove(call.params.id, actorOf(call))
        return { body: { client_id: deleted.client.id, revoked_sessions: [...deleted.revokedSessions] } }
      },
    }),

    route({
      method: 'POST', path: '/api/v1/admin/clients/:id/rotate-secret', caller: 'superuser', tag,
      summary: "A new client_secret for a confidential client (in this answer only); the old one stops working at once",
      params: S.idParam, response: S.issuedClient, errors: ['CLIENT_NOT_FOUND', 'INVALID_INPUT'],
      handler(call) {
        return { body: issuedClientRead(core.clients.rotateSecret(call.params.id, actorOf(call))) }
      },
    }),
  ]
}
