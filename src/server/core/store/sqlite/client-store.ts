// ClientStore over SQLite: registered OAuth clients. Only a hash of a client's secret is stored.

import type { Db } from './database.ts'
import { readStoredJson } from '../../stored-json.ts'
import type { ClientGrantType, ClientStore, OAuthClient, TokenEndpointAuthMethod } from '../types.ts'

interface ClientRow {
  client_id: string
  client_name: string
  secret_hash: string | null
  redirect_uris: string
  post_logout_redirect_uris: string
  grant_types: string
  token_endpoint_auth_method: string
  scope: string
  backchannel_logout_uri: string | null
  backchannel_logout_session_required: number
  allow_private_backchannel: number
  first_party: number
  created_at: number
  updated_at: number
  secret_rotated_at: number | null
}

/** A stored JSON array of strings; anything else (never written by us) reads as empty. */
function strings(text: string): string[] {
  const stored = readStoredJson(text)
  return stored.ok && Array.isArray(stored.value) ? stored.value.filter((v): v is string => typeof v === 'string') : []
}

const toClient = (r: ClientRow): OAuthClient => ({
  id: r.client_id,
  name: r.client_name,
  secretHash: r.secret_hash,
  redirectUris: strings(r.redirect_uris),
  postLogoutRedirectUris: strings(r.post_logout_redirect_uris),
  grantTypes: strings(r.grant_types) as ClientGrantType[],
  tokenEndpointAuthMethod: r.token_endpoint_auth_method as TokenEndpointAuthMethod,
  scope: r.scope,
  backchannelLogoutUri: r.backchannel_logout_uri,
  backchannelLogoutSessionRequired: r.backchannel_logout_session_required === 1,
  allowPrivateBackchannel: r.allow_private_backchannel === 1,
  firstParty: r.first_party === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  secretRotatedAt: r.secret_rotated_at,
})

const toRow = (c: OAuthClient): ClientRow => ({
  client_id: c.id,
  client_name: c.name,
  secret_hash: c.secretHash,
  redirect_uris: JSON.stringify(c.redirectUris),
  post_logout_redirect_uris: JSON.stringify(c.postLogoutRedirectUris),
  grant_types: JSON.stringify(c.grantTypes),
  token_endpoint_auth_method: c.tokenEndpointAuthMethod,
  scope: c.scope,
  backchannel_logout_uri: c.backchannelLogoutUri,
  backchannel_logout_session_required: c.backchannelLogoutSessionRequired ? 1 : 0,
  allow_private_backchannel: c.allowPrivateBackchannel ? 1 : 0,
  first_party: c.firstParty ? 1 : 0,
  created_at: c.createdAt,
  updated_at: c.updatedAt,
  secret_rotated_at: c.secretRotatedAt,
})

const COLUMNS = [
  'client_id', 'client_name', 'secret_hash', 'redirect_uris', 'post_logout_redirect_uris', 'grant_types', 'token_endpoint_auth_method', 'scope',
  'backchannel_logout_uri', 'backchannel_logout_session_required', 'allow_private_backchannel', 'first_party', 'created_at', 'updated_at', 'secret_rotated_at',
] as const

export function createClientStore(db: Db): ClientStore {
  const insert = db.prepare(`INSERT INTO oauth_clients (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => '@' + c).join(', ')})`)
  const byId = db.prepare('SELECT * FROM oauth_clients WHERE client_id = ?')
  const list = db.prepare('SELECT * FROM oauth_clients ORDER BY created_at, client_id')
  const replace = db.prepare(`UPDATE oauth_clients SET ${COLUMNS.filter((c) => c !== 'client_id').map((c) => `${c} = @${c}`).join(', ')} WHERE client_id = @client_id`)
  const remove = db.prepare('DELETE FROM oauth_clients WHERE client_id = ?')
  return {
    insert: (c) => void insert.run(toRow(c)),
    byId: (id) => {
      const row = byId.get(id) as ClientRow | undefined
      return row ? toClient(row) : null
    },
    list: () => (list.all() as ClientRow[]).map(toClient),
    replace: (c) => replace.run(toRow(c)).changes > 0,
    remove: (id) => remove.run(id).changes > 0,
  }
}
