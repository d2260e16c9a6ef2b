// A client's registration metadata: the defaults and the rules every create and update passes
// (RFC 7591 §2 in the core's names; the messages use the wire names an admin typed).

import { AuthError } from '../errors.ts'
import type { ClientGrantType, TokenEndpointAuthMethod } from '../store/types.ts'
import { checkBackchannelUri, checkRedirectUri } from './client-uris.ts'

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const satisfies readonly TokenEndpointAuthMethod[]
export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'password'] as const satisfies readonly ClientGrantType[]
export const DEFAULT_GRANT_TYPES: readonly ClientGrantType[] = ['authorization_code', 'refresh_token']
export const DEFAULT_SCOPE = 'openid profile email offline_access'

const MAX_NAME_LENGTH = 200
const MAX_URIS = 20
const MAX_SCOPE_LENGTH = 1000
/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/

export interface ClientMetadata {
  readonly name: string
  readonly redirectUris: readonly string[]
  readonly postLogoutRedirectUris: readonly string[]
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod
  readonly grantTypes: readonly ClientGrantType[]
  readonly scope: string
  readonly backchannelLogoutUri: string | null
  readonly backchannelLogoutSessionRequired: boolean
  readonly allowPrivateBackchannel: boolean
  readonly firstParty: boolean
}

/** What a registration gives; everything but the name has a default. */
export type ClientInput = { readonly name: string } & { readonly [K in Exclude<keyof ClientMetadata, 'name'>]?: ClientMetadata[K] | undefined }

/** What an update changes; an absent field keeps its value (backchannelLogoutUri: null removes it). */
export type ClientPatch = { readonly [K in keyof ClientMetadata]?: ClientMetadata[K] | undefined }

export const isPublic = (method: TokenEndpointAuthMethod): boolean => method === 'none'

export function withDefaults(input: ClientInput): ClientMetadata {
  return {
    name: input.name,
    redirectUris: input.redirectUris ?? [],
    postLogoutRedirectUris: input.postLogoutRedirectUris ?? [],
    tokenEndpointAuthMethod: input.tokenEndpointAuthMethod ?? 'client_secret_basic',
    grantTypes: input.grantTypes ?? DEFAULT_GRANT_TYPES,
    scope: input.scope ?? DEFAULT_SCOPE,
    backchannelLogoutUri: input.backchannelLogoutUri ?? null,
    backchannelLogoutSessionRequired: input.backchannelLogoutSessionRequired ?? false,
    allowPrivateBackchannel: input.allowPrivateBackchannel ?? false,
    firstParty: input.firstParty ?? false,
  }
}

/** `patch` over `current`, field by field. */
export function patched(current: ClientMetadata, patch: ClientPatch): ClientMetadata {
  const out: Record<string, unknown> = { ...current }
  for (const [name, value] of Object.entries(patch)) if (value !== undefined) out[name] = value
  return out as unknown as ClientMetadata
}

function uriList(field: string, uris: readonly string[], publicClient: boolean): string[] {
  if (!Array.isArray(uris) || uris.some((u) => typeof u !== 'string')) throw new AuthError('INVALID_INPUT', `${field} must be an array of URLs`)
  if (uris.length > MAX_URIS) throw new AuthError('INVALID_INPUT', `${field} may hold at most ${MAX_URIS} URIs`)
  for (const uri of uris) checkRedirectUri(field, uri, publicClient)
  return [...new Set(uris)]
}

function flag(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new AuthError('INVALID_INPUT', `${field} must be true or false`)
  return value
}

/** The metadata as it is stored, or INVALID_INPUT naming the first field that breaks a rule. */
export function validated(m: ClientMetadata): ClientMetadata {
  const name = typeof m.name === 'string' ? m.name.trim() : ''
  if (name.length === 0) throw new AuthError('INVALID_INPUT', 'client_name is required')
  if (name.length > MAX_NAME_LENGTH) throw new AuthError('INVALID_INPUT', `client_name must be at most ${MAX_NAME_LENGTH} characters`)

  const method = m.tokenEndpointAuthMethod
  if (!(AUTH_METHODS as readonly string[]).includes(method)) {
    throw new AuthError('INVALID_INPUT', `token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`)
  }
  const publicClient = isPublic(method)

  if (!Array.isArray(m.grantTypes) || m.grantTypes.some((g) => !(GRANT_TYPES as readonly string[]).includes(g))) {
    throw new AuthError('INVALID_INPUT', `grant_types must be a list of ${GRANT_TYPES.join(', ')}`)
  }
  const grantTypes = GRANT_TYPES.filter((g) => m.grantTypes.includes(g)) // one order, no repeats
  if (!grantTypes.includes('authorization_code') && !grantTypes.includes('password')) {
    throw new AuthError('INVALID_INPUT', 'grant_types must include authorization_code or password (refresh_token alone can never be used)')
  }

  const redirectUris = uriList('redirect_uris', m.redirectUris, publicClient)
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
    throw new AuthError('INVALID_INPUT', 'redirect_uris is required for the authorization_code grant: give at least one')
  }
  const postLogoutRedirectUris = uriList('post_logout_redirect_uris', m.postLogoutRedirectUris, publicClient)

  if (typeof m.scope !== 'string') throw new AuthError('INVALID_INPUT', 'scope must be a space-separated string')
  const scopes = [...new Set(m.scope.split(' ').filter((s) => s !== ''))]
  if (scopes.length === 0) throw new AuthError('INVALID_INPUT', 'scope must name at least one scope value')
  const bad = scopes.find((s) => !SCOPE_TOKEN.test(s))
  if (bad !== undefined) throw new AuthError('INVALID_INPUT', `scope: "${bad}" is not a valid scope value (RFC 6749 §3.3)`)
  const scope = scopes.join(' ')
  if (scope.length > MAX_SCOPE_LENGTH) throw new AuthError('INVALID_INPUT', `scope must be at most ${MAX_SCOPE_LENGTH} characters`)

  const allowPrivateBackchannel = flag('allow_private_backchannel', m.allowPrivateBackchannel)
  if (m.backchannelLogoutUri !== null) {
    if (typeof m.backchannelLogoutUri !== 'string') throw new AuthError('INVALID_INPUT', 'backchannel_logout_uri must be a URL or null')
    checkBackchannelUri(m.backchannelLogoutUri, allowPrivateBackchannel)
  }

  return {
    name, redirectUris, postLogoutRedirectUris, tokenEndpointAuthMethod: method, grantTypes, scope,
    backchannelLogoutUri: m.backchannelLogoutUri,
    backchannelLogoutSessionRequired: flag('backchannel_logout_session_required', m.backchannelLogoutSessionRequired),
    allowPrivateBackchannel,
    firstParty: flag('first_party', m.firstParty),
  }
}

/** The metadata fields whose values differ, in wire names (for the audit log). */
export function changedFields(before: ClientMetadata, after: ClientMetadata): string[] {
  const WIRE: Record<keyof ClientMetadata, string> = {
    name: 'client_name', redirectUris: 'redirect_uris', postLogoutRedirectUris: 'post_logout_redirect_uris',
    tokenEndpointAuthMethod: 'token_endpoint_auth_method', grantTypes: 'grant_types', scope: 'scope',
    backchannelLogoutUri: 'backchannel_logout_uri', backchannelLogoutSessionRequired: 'backchannel_logout_session_required',
    allowPrivateBackchannel: 'allow_private_backchannel', firstParty: 'first_party',
  }
  return (Object.keys(WIRE) as (keyof ClientMetadata)[])
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => WIRE[k])
}
