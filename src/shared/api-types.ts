// Wire shapes of the API: src/server/http/dto.ts writes them (its functions return these types,
// so the compiler keeps both sides in step) and the console reads them. Types only.

export type Iso = string

export interface UserRead {
  id: string
  username: string
  profile_image: string | null
  store_api_key: string | null
  is_active: boolean
  is_superuser: boolean
  /** Langflow's spelling. */
  create_at: Iso
  updated_at: Iso
  last_login_at: Iso | null
  optins: Readonly<Record<string, unknown>> | null
}

/** Langflow's UserRead plus what only the admin API shows: the lock-out and the OIDC profile. */
export interface AdminUser extends UserRead {
  locked_until: Iso | null
  email: string | null
  /** True when an admin set the email: they vouch for it. */
  email_verified: boolean
  /** The full name (OIDC's `name`). */
  name: string | null
  /** Groups an admin assigned; `admin` is not among them (is_superuser implies it). */
  groups: string[]
}

/** The admin's profile fields, on POST and PATCH /api/v1/admin/users. */
export interface AdminProfileInput {
  email?: string | null
  name?: string | null
  groups?: string[]
}

export interface UserChange {
  user: AdminUser
  revoked_sessions: string[]
  /** How many of the user's API keys the change revoked (a password reset revokes them all). */
  revoked_api_keys: number
}

/** Langflow's ApiKeyRead, plus `expires_at` (null: the key never expires). */
export interface ApiKeyRead {
  id: string
  name: string | null
  /** The full key at creation only; afterwards its first 8 characters and a mask. */
  api_key: string
  user_id: string
  created_at: Iso
  last_used_at: Iso | null
  total_uses: number
  is_active: boolean
  expires_at: Iso | null
}

/** An API key as admins see it: whose it is and how it is used, never the key itself. */
export interface AdminApiKey {
  id: string
  name: string | null
  /** The first 8 characters, which its owner also sees, to tell keys apart. */
  prefix: string
  user_id: string
  username: string
  created_at: Iso
  last_used_at: Iso | null
  total_uses: number
  expires_at: Iso | null
  expired: boolean
}

export interface AdminApiKeyPage {
  total_count: number
  api_keys: AdminApiKey[]
}

export type SessionState = 'active' | 'revoked' | 'expired'

export interface SessionRead {
  id: string
  user_id: string
  username: string | null
  state: SessionState
  created_at: Iso
  last_used_at: Iso | null
  expires_at: Iso
  ip: string | null
  user_agent: string | null
  generation: number
  revoked_at: Iso | null
  revoke_reason: string | null
  access_kid: string | null
  /** The OAuth client the session was issued to; null for Langflow's password API and the console. */
  client_id: string | null
}

export interface SessionCounts {
  active: number
  revoked: number
  expired: number
}

export interface SessionPage {
  total_count: number
  counts: SessionCounts
  sessions: SessionRead[]
}

export interface RefreshLink {
  generation: number
  issued_at: Iso
  expires_at: Iso
  issued_ip: string | null
  issued_user_agent: string | null
  used_at: Iso | null
  reuse_detected_at: Iso | null
  /** Each time it was presented again inside the grace window, by the client that rotated it, and answered. */
  grace_answers: GraceAnswerRead[]
}

export interface GraceAnswerRead {
  at: Iso
  ip: string | null
  user_agent: string | null
}

export interface SessionDetail {
  session: SessionRead
  chain: RefreshLink[]
}

export type Algorithm = 'HS256' | 'RS256' | 'RS512'

export interface KeyRead {
  kid: string
  alg: Algorithm
  state: 'active' | 'verify-only' | 'retired'
  source: 'generated' | 'file' | 'env' | 'imported'
  fingerprint: string
  created_at: Iso
  activated_at: Iso | null
  deactivated_at: Iso | null
  retire_after: Iso | null
  retired_at: Iso | null
  live_sessions: number
}

export interface KeyRing {
  algorithm: Algorithm
  active_kid: string
  /** The variable that pins the algorithm, and each algorithm's key, when the environment does. */
  pinned: { algorithm: string | null; keys: Record<Algorithm, string | null> }
  jwks_uri: string
  keys: KeyRead[]
}

export interface RotateResult {
  key: KeyRead
  revoked_count: number
  /** API keys revoked with the sessions (0 unless everyone was signed out). */
  revoked_api_keys: number
  retired_kids: string[]
}

export interface RevokeAllResult {
  revoked_count: number
  revoked_api_keys: number
}

export interface Setting {
  value: number
  source: 'default' | 'saved' | 'env'
  variable: string
  unit: string
  recommended: { min: number; max: number }
}

export type Settings = Record<string, Setting>

export interface Overview {
  generated_at: Iso
  users: { total: number; active: number; superusers: number }
  sessions: SessionCounts
  hourly: { hour: Iso; logins: number; failures: number; reuse_detections: number }[]
  reuse_detections: { last_24h: number; total: number }
  keys: { kid: string; alg: Algorithm; state: string; age_seconds: number; live_sessions: number }[]
}

export interface ChecklistItem {
  id: string
  title: string
  status: 'pass' | 'warn'
  why: string
}

export interface Checklist {
  passed: number
  warnings: number
  items: ChecklistItem[]
}

export interface AuditEventRead {
  id: number
  at: Iso
  type: string
  user_id: string | null
  username: string | null
  session_id: string | null
  ip: string | null
  user_agent: string | null
  detail: Readonly<Record<string, unknown>>
}

export interface AuditPage {
  total_count: number
  events: AuditEventRead[]
}

export interface Inspection {
  kind: 'access' | 'refresh' | 'unknown'
  verified: boolean
  reason: string | null
  kid: string | null
  active: boolean
  session: SessionRead | null
}

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none'
export type ClientGrantType = 'authorization_code' | 'refresh_token' | 'password'

/** A registered OAuth client in RFC 7591's names (never its secret), plus authdock's own fields. */
export interface ClientRead {
  client_id: string
  client_name: string
  redirect_uris: string[]
  post_logout_redirect_uris: string[]
  token_endpoint_auth_method: TokenEndpointAuthMethod
  grant_types: ClientGrantType[]
  /** Always ["code"]: the only response type the authorization endpoint answers. */
  response_types: string[]
  scope: string
  backchannel_logout_uri: string | null
  backchannel_logout_session_required: boolean
  allow_private_backchannel: boolean
  first_party: boolean
  /** RFC 7591: seconds since the epoch. */
  client_id_issued_at: number
  created_at: Iso
  updated_at: Iso
  secret_rotated_at: Iso | null
}

/** A client as registration and rotation answer it: with its secret, shown this once. */
export interface IssuedClientRead extends ClientRead {
  /** Absent for a public client. */
  client_secret?: string
  /** RFC 7591: 0, the secret does not expire; sent with a secret. */
  client_secret_expires_at?: number
}

export interface ClientList {
  clients: ClientRead[]
}

export interface DeletedClientRead {
  client_id: string
  revoked_sessions: string[]
}
