// Wire shapes, Langflow's spelling included (`create_at`), typed by src/shared/api-types.ts, which
// the console reads.

import type { AdminApiKey, ApiKeyRead, AuditEventRead, ClientRead, Inspection, IssuedClientRead, KeyRead, RefreshLink, SessionRead, Settings, UserRead } from '../../shared/api-types.ts'
import type { TokenInspection } from '../core/admin/token-inspector.ts'
import { toIso, toSeconds } from '../core/clock.ts'
import { AuthError } from '../core/errors.ts'
import type { Introspection } from '../core/introspection.ts'
import type { SettingChanges, SettingState, SettingsPatch, TunableName } from '../core/settings.ts'
import { TUNABLE_NAMES, TUNABLES } from '../core/settings.ts'
import type { ChainLink } from '../core/sessions/sessions.ts'
import type { ApiKey, ApiKeyWithUser, AuditEvent, KeyRecord, OAuthClient, Session, User } from '../core/store/types.ts'

/** The store hands out one object per user until it changes: its wire form is made once too. */
const userReads = new WeakMap<User, UserRead>()

export function userRead(u: User): UserRead {
  let read = userReads.get(u)
  if (read === undefined) userReads.set(u, (read = Object.freeze(userReadOf(u))))
  return read
}

const userReadOf = (u: User): UserRead => ({
  id: u.id,
  username: u.username,
  profile_image: u.profileImage,
  store_api_key: u.storeApiKey,
  is_active: u.isActive,
  is_superuser: u.isSuperuser,
  create_at: toIso(u.createdAt),
  updated_at: toIso(u.updatedAt),
  last_login_at: toIso(u.lastLoginAt),
  optins: u.optins,
})

const API_KEY_LENGTH = 46

export const apiKeyRead = (k: ApiKey, fullKey?: string): ApiKeyRead => ({
  id: k.id,
  name: k.name,
  // Langflow shows the first 8 characters and masks the rest; the full key exists only at creation.
  api_key: fullKey ?? k.keyPrefix + '*'.repeat(API_KEY_LENGTH - k.keyPrefix.length),
  user_id: k.userId,
  created_at: toIso(k.createdAt),
  last_used_at: toIso(k.lastUsedAt),
  total_uses: k.totalUses,
  is_active: k.isActive,
  expires_at: toIso(k.expiresAt),
})

export const adminApiKeyRead = (k: ApiKeyWithUser, now: number): AdminApiKey => ({
  id: k.id,
  name: k.name,
  prefix: k.keyPrefix,
  user_id: k.userId,
  username: k.username,
  created_at: toIso(k.createdAt),
  last_used_at: toIso(k.lastUsedAt),
  total_uses: k.totalUses,
  expires_at: toIso(k.expiresAt),
  expired: k.expiresAt !== null && k.expiresAt <= now,
})

export const tokenResponse = (t: { accessToken: string; refreshToken: string | null }) => ({
  access_token: t.accessToken,
  refresh_token: t.refreshToken,
  token_type: 'bearer',
})

export const sessionRead = (s: Session & { username?: string | null }, now: number): SessionRead => ({
  id: s.id,
  user_id: s.userId,
  username: s.username ?? null,
  state: s.revokedAt !== null ? 'revoked' : s.expiresAt <= now ? 'expired' : 'active',
  created_at: toIso(s.createdAt),
  last_used_at: toIso(s.lastUsedAt),
  expires_at: toIso(s.expiresAt),
  ip: s.ip,
  user_agent: s.userAgent,
  generation: s.generation,
  revoked_at: toIso(s.revokedAt),
  revoke_reason: s.revokeReason,
  access_kid: s.accessKid,
  client_id: s.clientId,
})

/** A client in RFC 7591's names; its secret never, except in issuedClientRead. */
export const clientRead = (c: OAuthClient): ClientRead => ({
  client_id: c.id,
  client_name: c.name,
  redirect_uris: [...c.redirectUris],
  post_logout_redirect_uris: [...c.postLogoutRedirectUris],
  token_endpoint_auth_method: c.tokenEndpointAuthMethod,
  grant_types: [...c.grantTypes],
  response_types: ['code'],
  scope: c.scope,
  backchannel_logout_uri: c.backchannelLogoutUri,
  backchannel_logout_session_required: c.backchannelLogoutSessionRequired,
  allow_private_backchannel: c.allowPrivateBackchannel,
  first_party: c.firstParty,
  client_id_issued_at: toSeconds(c.createdAt),
  created_at: toIso(c.createdAt),
  updated_at: toIso(c.updatedAt),
  secret_rotated_at: toIso(c.secretRotatedAt),
})

/** A client with the secret just issued (registration, rotation): the only answers that hold it. */
export const issuedClientRead = (r: { client: OAuthClient; secret: string | null }): IssuedClientRead => ({
  ...clientRead(r.client),
  ...(r.secret === null ? {} : { client_secret: r.secret, client_secret_expires_at: 0 }),
})

/** One link of a refresh-token family; the token itself is never stored, so never shown. */
export const refreshLinkRead = (r: ChainLink): RefreshLink => ({
  generation: r.generation,
  issued_at: toIso(r.issuedAt),
  expires_at: toIso(r.expiresAt),
  issued_ip: r.issuedIp,
  issued_user_agent: r.issuedUserAgent,
  used_at: toIso(r.usedAt),
  reuse_detected_at: toIso(r.reuseDetectedAt),
  grace_answers: r.graceAnswers.map((a) => ({ at: toIso(a.at), ip: a.ip, user_agent: a.userAgent })),
})

export const keyRead = (k: KeyRecord, liveSessions: number): KeyRead => ({
  kid: k.kid,
  alg: k.alg,
  state: k.state,
  source: k.source,
  fingerprint: k.fingerprint,
  created_at: toIso(k.createdAt),
  activated_at: toIso(k.activatedAt),
  deactivated_at: toIso(k.deactivatedAt),
  retire_after: toIso(k.retireAfter),
  retired_at: toIso(k.retiredAt),
  live_sessions: liveSessions,
})

export const auditRead = (e: AuditEvent): AuditEventRead => ({
  id: e.id,
  at: toIso(e.at),
  type: e.type,
  user_id: e.userId,
  username: e.username,
  session_id: e.sessionId,
  ip: e.ip,
  user_agent: e.userAgent,
  detail: e.detail,
})

/** RFC 7662 §2.2's claims for an active token, with Langflow's is_superuser beside them. */
export function introspectionRead(r: Extract<Introspection, { active: true }>, issuer: string) {
  return {
    active: true, sub: r.userId, username: r.username, exp: toSeconds(r.expiresAt), iat: toSeconds(r.issuedAt), sid: r.sessionId, type: r.type,
    // RFC 7662 token_type is the RFC 6749 §7.1 type: only an access token is a bearer token.
    ...(r.type === 'access' ? { token_type: 'Bearer' } : {}), is_superuser: r.isSuperuser,
    iss: issuer, ...(r.tokenId === null ? {} : { jti: r.tokenId }), ...(r.kid === null ? {} : { kid: r.kid }),
  }
}

const SETTING_OF_PUBLIC_NAME = new Map<string, TunableName>(TUNABLE_NAMES.map((n) => [TUNABLES[n].publicName, n]))

/** The settings by their public names (access_token_expire_seconds, …), as the console reads them. */
export const settingsRead = (settings: Readonly<Record<TunableName, SettingState>>): Settings =>
  Object.fromEntries(TUNABLE_NAMES.map((n) => [TUNABLES[n].publicName, settings[n]]))

export const settingChangesRead = (changes: SettingChanges): Record<string, { from: number; to: number }> =>
  Object.fromEntries(Object.entries(changes).map(([n, change]) => [TUNABLES[n as TunableName].publicName, change]))

/** A PATCH /admin/settings body as the core's patch; a name it does not know is refused. */
export function settingsPatchOf(body: Readonly<Record<string, unknown>>): SettingsPatch {
  const patch: Partial<Record<TunableName, unknown>> = {}
  for (const [name, value] of Object.entries(body)) {
    const setting = SETTING_OF_PUBLIC_NAME.get(name)
    if (setting === undefined) throw new AuthError('INVALID_INPUT', `Unknown setting "${name}"; known: ${[...SETTING_OF_PUBLIC_NAME.keys()].join(', ')}`)
    patch[setting] = value
  }
  return patch
}

/** The token inspector's answer; its session as the Sessions screen shows one. */
export const inspectionRead = (r: TokenInspection, now: number): Inspection => ({
  kind: r.kind,
  verified: r.verified,
  reason: r.reason,
  kid: r.kid,
  active: r.active,
  session: r.session === null ? null : sessionRead(r.session, now),
})
