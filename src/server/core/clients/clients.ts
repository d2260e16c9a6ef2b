// The registry of OAuth clients ("local apps") the authorization and token endpoints serve:
// registering, changing and deleting them (each audited; a deletion ends the client's sessions),
// their secrets (shown once, stored as SHA-256), and authenticating a client at the token endpoint.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Audit } from '../audit.ts'
import type { Clock } from '../clock.ts'
import { AuthError } from '../errors.ts'
import type { Sessions } from '../sessions/sessions.ts'
import type { OAuthClient, Store, TokenEndpointAuthMethod } from '../store/types.ts'
import type { Actor } from '../users/users.ts'
import type { ClientInput, ClientMetadata, ClientPatch } from './client-metadata.ts'
import { changedFields, isPublic, patched, validated, withDefaults } from './client-metadata.ts'

/** A client with the secret it was just given: the only moment the secret exists outside the caller. */
export interface IssuedClient {
  readonly client: OAuthClient
  /** null for a public client. */
  readonly secret: string | null
}

export interface DeletedClient {
  readonly client: OAuthClient
  readonly revokedSessions: readonly string[]
}

/** Longer than any secret this registry issues (43 characters). */
const MAX_SECRET_LENGTH = 512

/** 32 random bytes, base64url: high entropy, so a fast hash protects them at rest. */
const newSecret = (): string => randomBytes(32).toString('base64url')
const hashOf = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest()
const secretHash = (secret: string): string => hashOf(secret).toString('hex')
/** 24 random bytes, base64url (32 characters): URL-safe and not guessable. */
const newClientId = (): string => randomBytes(24).toString('base64url')

const failed = (): AuthError => new AuthError('INVALID_CLIENT', 'Client authentication failed')

export const metadataOf = (c: OAuthClient): ClientMetadata => ({
  name: c.name, redirectUris: c.redirectUris, postLogoutRedirectUris: c.postLogoutRedirectUris,
  tokenEndpointAuthMethod: c.tokenEndpointAuthMethod, grantTypes: c.grantTypes, scope: c.scope,
  backchannelLogoutUri: c.backchannelLogoutUri, backchannelLogoutSessionRequired: c.backchannelLogoutSessionRequired,
  allowPrivateBackchannel: c.allowPrivateBackchannel, firstParty: c.firstParty,
})

export function createClients(deps: { store: Store; clock: Clock; audit: Audit; sessions: Sessions }) {
  const { store, clock, audit, sessions } = deps
  // Compared against for an unknown or public client, so every refusal does the same work.
  const dummyHash = hashOf(newSecret())

  function existing(id: string): OAuthClient {
    const client = id.length > 200 ? null : store.clients.byId(id)
    if (client === null) throw new AuthError('CLIENT_NOT_FOUND', 'Client not found')
    return client
  }

  const actorFields = (actor: Actor) => ({ userId: actor.user.id, username: actor.user.username, sessionId: actor.sessionId, context: actor.context })

  return {
    /** Registers a client; a confidential one gets its secret here, and never again. */
    create(input: ClientInput, actor: Actor): IssuedClient {
      const metadata = validated(withDefaults(input))
      const now = clock.now()
      const secret = isPublic(metadata.tokenEndpointAuthMethod) ? null : newSecret()
      const client: OAuthClient = {
        ...metadata, id: newClientId(), secretHash: secret === null ? null : secretHash(secret),
        createdAt: now, updatedAt: now, secretRotatedAt: null,
      }
      const event = store.transaction(() => {
        store.clients.insert(client)
        return audit.write({ type: 'client_created', ...actorFields(actor), detail: { client_id: client.id, client_name: client.name, token_endpoint_auth_method: client.tokenEndpointAuthMethod } })
      })
      audit.publish(event)
      return { client, secret }
    },

    /** Oldest first. */
    list: (): OAuthClient[] => store.clients.list(),

    byId: (id: string): OAuthClient | null => (id.length > 200 ? null : store.clients.byId(id)),
    /** The client, or CLIENT_NOT_FOUND. */
    get: existing,

    /**
     * Changes a client's metadata; the result passes the same rules as a registration. A client
     * cannot turn public or confidential: its secret (or its lack of one) is what it was built with.
     */
    update(id: string, patch: ClientPatch, actor: Actor): OAuthClient {
      const current = existing(id)
      const before = metadataOf(current)
      const after = validated(patched(before, patch))
      if (isPublic(before.tokenEndpointAuthMethod) !== isPublic(after.tokenEndpointAuthMethod)) {
        throw new AuthError('INVALID_INPUT', 'token_endpoint_auth_method cannot change between none (public) and a secret method (confidential): register a new client instead')
      }
      const changes = changedFields(before, after)
      if (changes.length === 0) return current
      const client: OAuthClient = { ...current, ...after, updatedAt: clock.now() }
      const event = store.transaction(() => {
        if (!store.clients.replace(client)) throw new AuthError('CLIENT_NOT_FOUND', 'Client not found')
        return audit.write({ type: 'client_updated', ...actorFields(actor), detail: { client_id: id, client_name: client.name, changes } })
      })
      audit.publish(event)
      return client
    },

    /** Deletes a client, then ends every live session it was issued (so none is issued after). */
    remove(id: string, actor: Actor): DeletedClient {
      const client = existing(id)
      const event = store.transaction(() => {
        if (!store.clients.remove(id)) throw new AuthError('CLIENT_NOT_FOUND', 'Client not found')
        return audit.write({ type: 'client_deleted', ...actorFields(actor), detail: { client_id: id, client_name: client.name } })
      })
      audit.publish(event)
      const revokedSessions = sessions.revokeClient(id, 'client_deleted', { context: actor.context, by: actor.user.id })
      return { client, revokedSessions }
    },

    /** A new secret for a confidential client; the old one stops working at once. */
    rotateSecret(id: string, actor: Actor): IssuedClient {
      const current = existing(id)
      if (current.secretHash === null || isPublic(current.tokenEndpointAuthMethod)) {
        throw new AuthError('INVALID_INPUT', 'This is a public client (token_endpoint_auth_method none): it has no secret to rotate')
      }
      const secret = newSecret()
      const now = clock.now()
      const client: OAuthClient = { ...current, secretHash: secretHash(secret), secretRotatedAt: now, updatedAt: now }
      const event = store.transaction(() => {
        if (!store.clients.replace(client)) throw new AuthError('CLIENT_NOT_FOUND', 'Client not found')
        return audit.write({ type: 'client_secret_rotated', ...actorFields(actor), detail: { client_id: id, client_name: client.name } })
      })
      audit.publish(event)
      return { client, secret }
    },

    /**
     * A client at the token endpoint: `method` is how it authenticated (Basic header, form
     * fields, or only its client_id), `presentedSecret` what it sent (null: none). A confidential
     * client must use its registered method with its secret; a public one `none` and no secret.
     * Refusals are INVALID_CLIENT (RFC 6749 §5.2).
     */
    authenticate(clientId: string, presentedSecret: string | null, method: TokenEndpointAuthMethod): OAuthClient {
      const client = clientId.length === 0 || clientId.length > 200 ? null : store.clients.byId(clientId)
      const presented = presentedSecret === null || presentedSecret.length > MAX_SECRET_LENGTH ? null : hashOf(presentedSecret)
      const expected = client?.secretHash == null ? null : Buffer.from(client.secretHash, 'hex')
      const usable = expected !== null && expected.length === dummyHash.length ? expected : null
      // Always one comparison of equal-length digests: the answer's timing says nothing of the secret.
      const equal = timingSafeEqual(presented ?? dummyHash, usable ?? dummyHash)
      const secretMatches = equal && presented !== null && usable !== null
      if (client === null) throw failed()
      if (isPublic(client.tokenEndpointAuthMethod)) {
        if (method !== 'none' || presentedSecret !== null) throw new AuthError('INVALID_CLIENT', 'This is a public client: it authenticates with its client_id only (none), without a secret')
        return client
      }
      if (method !== client.tokenEndpointAuthMethod) {
        throw new AuthError('INVALID_CLIENT', `This client authenticates with ${client.tokenEndpointAuthMethod}`)
      }
      if (!secretMatches) throw failed()
      return client
    },
  }
}

export type Clients = ReturnType<typeof createClients>
