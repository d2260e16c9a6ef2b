// Reads configuration once at start-up: defaults, then settings saved through the admin API, then
// the environment (which wins). Every value remembers where it came from, so the console can show
// what the environment pins. Nothing else in the server reads process.env.

import { availableParallelism } from 'node:os'
import { ConfigError } from './errors.ts'
import { parseHost } from './host-policy.ts'
import type { HostRule } from './host-policy.ts'
import { GENERATE_SECRET_HINT, secretStrength } from './keys/secret-strength.ts'

export const ALGORITHMS = ['HS256', 'RS256', 'RS512'] as const
export type Algorithm = (typeof ALGORITHMS)[number]
export type SameSite = 'lax' | 'strict' | 'none'
export type Source = 'env' | 'saved' | 'default'

export interface CookieSettings {
  readonly sameSite: SameSite
  readonly secure: boolean
  readonly httpOnly: boolean
}

export interface Config {
  readonly host: string
  readonly port: number
  readonly issuer: string
  readonly algorithm: Algorithm
  /** Key material pinned by the environment; null when the key ring manages its own. */
  readonly secretKey: string | null
  readonly privateKeyPem: string | null
  readonly publicKeyPem: string | null
  readonly accessTtlSeconds: number
  readonly refreshTtlSeconds: number
  readonly refreshGraceSeconds: number
  readonly auditRetentionDays: number
  /** The bootstrap superuser's name (auto-login signs in as this user); its password is not kept. */
  readonly superuser: string | null
  readonly newUserIsActive: boolean
  readonly autoLogin: boolean
  readonly enableSignup: boolean
  readonly bcryptCost: number
  readonly hashWorkers: number
  /** Other origins allowed to call the API from a browser, with credentials (exact origins). */
  readonly corsOrigins: readonly string[]
  /** Host headers answered besides loopback names and the issuer's host (host-policy.ts). */
  readonly allowedHosts: readonly HostRule[]
  /** Connections open at once; one more is closed as soon as it is accepted. */
  readonly maxConnections: number
  readonly cookies: {
    readonly access: CookieSettings
    readonly refresh: CookieSettings
    readonly domain: string | null
  }
  /** Where each variable's value came from, keyed by the variable's name. */
  readonly sources: Readonly<Record<SettingName, Source>>
}

/** The first superuser to create, kept out of Config so the password is not held for the run. */
export interface Bootstrap {
  readonly username: string
  readonly password: string
}

export type Env = Readonly<Record<string, string | undefined>>

type Parser<T> = (raw: string, name: string) => T

const MAX_LIFETIME_SECONDS = 10 * 365 * 24 * 3600

const text: Parser<string> = (raw) => raw
const bool: Parser<boolean> = (raw, name) => {
  const v = raw.trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(v)) return true
  if (['0', 'false', 'no', 'off'].includes(v)) return false
  throw new ConfigError(`${name} must be true or false, got "${raw}"`)
}
/** `unit` names what is counted ("seconds"); '' for a plain number such as a port. */
const integer = (min: number, max: number, unit: string): Parser<number> => (raw, name) => {
  const v = raw.trim()
  if (!/^-?\d+$/.test(v)) throw new ConfigError(`${name} must be a whole number${unit === '' ? '' : ` of ${unit}`}, got "${raw}"`)
  const n = Number(v)
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}${unit === '' ? '' : ` ${unit}`}, got ${n}`)
  return n
}
/**
 * The longest refresh grace window. Parallel tabs race within a second or two; a minute covers a
 * slow network with room to spare, and every second more is a second in which a copied token
 * still answers (from the same client fingerprint only: sessions.ts). sessions.ts also allows
 * for an access token issued this late by a grace answer. Older versions allowed 300.
 */
export const REFRESH_GRACE_MAX_SECONDS = 60
const lifetime = integer(1, MAX_LIFETIME_SECONDS, 'seconds')
const sameSite: Parser<SameSite> = (raw, name) => {
  const v = raw.trim().toLowerCase()
  if (v === 'lax' || v === 'strict' || v === 'none') return v
  throw new ConfigError(`${name} must be lax, strict or none, got "${raw}"`)
}
const algorithm: Parser<Algorithm> = (raw, name) => {
  const v = raw.trim().toUpperCase()
  if ((ALGORITHMS as readonly string[]).includes(v)) return v as Algorithm
  throw new ConfigError(`${name} must be one of ${ALGORITHMS.join(', ')}, got "${raw}"`)
}
/**
 * Comma-separated exact origins (scheme://host[:port], as browsers send them in Origin). Each is
 * compared byte for byte, so anything a browser would not send verbatim is refused here rather
 * than silently never matching; `*` is refused because these origins get credentials.
 */
const originList: Parser<readonly string[]> = (raw, name) =>
  Object.freeze(
    raw.split(',').map((o) => o.trim()).filter((o) => o !== '').map((origin) => {
      if (origin === '*' || origin === 'null') throw new ConfigError(`${name} must list exact origins, not "${origin}" (credentials are allowed to each listed origin)`)
      let url: URL
      try {
        url = new URL(origin)
      } catch {
        throw new ConfigError(`${name}: "${origin}" is not an origin such as https://app.example.com or http://127.0.0.1:3000`)
      }
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) {
        throw new ConfigError(`${name}: "${origin}" is not an exact origin; write it as ${url.protocol === 'http:' || url.protocol === 'https:' ? `"${url.origin}"` : 'http(s)://host[:port]'} (scheme, host and port only, no path or trailing slash)`)
      }
      return origin
    }),
  )
/**
 * Comma-separated host names or addresses, each optionally with a port (`auth.internal`,
 * `authdock:7861`, `[fd00::5]`), as they appear in a Host header. No scheme, path or wildcard:
 * a pattern that matched more than meant would undo what the list is for.
 */
const hostList: Parser<readonly HostRule[]> = (raw, name) =>
  Object.freeze(
    raw.split(',').map((h) => h.trim()).filter((h) => h !== '').map((entry) => {
      const rule = parseHost(entry)
      if (rule === null) throw new ConfigError(`${name}: "${entry}" is not a host such as auth.example.com or authdock:7861 (a name or address, optionally with a port; no scheme, path or wildcard)`)
      return Object.freeze(rule)
    }),
  )
const optional = <T>(p: Parser<T>): Parser<T | null> => (raw, name) => (raw.trim() === '' ? null : p(raw, name))

// One row per variable: its parser and default. `saved` marks those the admin API may persist.
const settings = {
  AUTHDOCK_HOST: { parse: text, fallback: '127.0.0.1' },
  AUTHDOCK_PORT: { parse: integer(0, 65535, ''), fallback: 7861 },
  AUTHDOCK_ISSUER: { parse: text, fallback: 'authdock' },
  LANGFLOW_ALGORITHM: { parse: algorithm, fallback: 'HS256' as Algorithm, saved: true },
  LANGFLOW_SECRET_KEY: { parse: optional(text), fallback: null },
  LANGFLOW_PRIVATE_KEY: { parse: optional(text), fallback: null },
  LANGFLOW_PUBLIC_KEY: { parse: optional(text), fallback: null },
  LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS: { parse: lifetime, fallback: 3600, saved: true },
  LANGFLOW_REFRESH_TOKEN_EXPIRE_SECONDS: { parse: lifetime, fallback: 604800, saved: true },
  // A larger value saved by an older version (up to 300) is lowered to the maximum, not refused.
  AUTHDOCK_REFRESH_GRACE_SECONDS: { parse: integer(0, REFRESH_GRACE_MAX_SECONDS, 'seconds'), fallback: 10, saved: true, savedAbove: REFRESH_GRACE_MAX_SECONDS },
  AUTHDOCK_AUDIT_RETENTION_DAYS: { parse: integer(1, 3650, 'days'), fallback: 90, saved: true },
  LANGFLOW_SUPERUSER: { parse: optional(text), fallback: null },
  LANGFLOW_NEW_USER_IS_ACTIVE: { parse: bool, fallback: false },
  LANGFLOW_AUTO_LOGIN: { parse: bool, fallback: false },
  LANGFLOW_ENABLE_SIGNUP: { parse: bool, fallback: false },
  AUTHDOCK_BCRYPT_COST: { parse: integer(10, 20, 'rounds'), fallback: 12 },
  AUTHDOCK_HASH_WORKERS: { parse: integer(1, 16, 'threads'), fallback: Math.max(1, availableParallelism() - 1) },
  LANGFLOW_ACCESS_SAME_SITE: { parse: sameSite, fallback: 'lax' as SameSite },
  LANGFLOW_ACCESS_SECURE: { parse: bool, fallback: false },
  LANGFLOW_ACCESS_HTTPONLY: { parse: bool, fallback: false },
  // Stricter than Langflow (SameSite=none): a refresh cookie is never needed on another site's request.
  LANGFLOW_REFRESH_SAME_SITE: { parse: sameSite, fallback: 'strict' as SameSite },
  LANGFLOW_REFRESH_SECURE: { parse: bool, fallback: true },
  LANGFLOW_REFRESH_HTTPONLY: { parse: bool, fallback: true },
  LANGFLOW_COOKIE_DOMAIN: { parse: optional(text), fallback: null },
  AUTHDOCK_CORS_ORIGINS: { parse: originList, fallback: Object.freeze([]) as readonly string[] },
  AUTHDOCK_ALLOWED_HOSTS: { parse: hostList, fallback: Object.freeze([]) as readonly HostRule[] },
  // Each connection is a file descriptor: well under the usual limits, far above what the local
  // apps and browsers of one machine hold open.
  AUTHDOCK_MAX_CONNECTIONS: { parse: integer(1, 1_000_000, 'connections'), fallback: 1024 },
} satisfies Record<string, { parse: Parser<unknown>; fallback: unknown; saved?: boolean; savedAbove?: number }>

export type SettingName = keyof typeof settings
export const SETTING_NAMES = Object.keys(settings) as SettingName[]

/** Parses a value for a setting the admin API saves; throws ConfigError with the reason. */
export function parseSetting(name: SettingName, raw: string): unknown {
  return settings[name].parse(raw, name)
}

type Values = { [K in SettingName]: ReturnType<(typeof settings)[K]['parse']> }

/** A saved value above what this version allows, used as that maximum; the caller saves it so. */
export interface LoweredSetting {
  readonly name: SettingName
  readonly saved: string
  readonly value: number
}

/** A saved whole number above `max` (written when the limit was higher): `max`; else null. */
function loweredTo(raw: string, max: number | undefined): number | null {
  return max !== undefined && /^\s*\d+\s*$/.test(raw) && Number(raw) > max ? max : null
}

/**
 * Turns env + saved settings into a frozen Config; throws ConfigError naming the variable. A value
 * in the environment must be valid; a saved one over a limit that has since been lowered is
 * lowered with it (and listed), so that an upgrade does not stop the server from starting.
 */
export function loadConfig(env: Env, saved: Readonly<Record<string, string>> = {}): { config: Config; bootstrap: Bootstrap | null; lowered: LoweredSetting[] } {
  const values = {} as Record<SettingName, unknown>
  const sources = {} as Record<SettingName, Source>
  const lower: LoweredSetting[] = []
  for (const name of SETTING_NAMES) {
    const def = settings[name]
    const fromEnv = env[name]
    const fromSaved = 'saved' in def ? saved[name] : undefined
    if (fromEnv !== undefined && fromEnv !== '') {
      values[name] = def.parse(fromEnv, name)
      sources[name] = 'env'
    } else if (fromSaved !== undefined) {
      const max = loweredTo(fromSaved, 'savedAbove' in def ? def.savedAbove : undefined)
      if (max !== null) lower.push({ name, saved: fromSaved, value: max })
      values[name] = max ?? def.parse(fromSaved, `saved setting ${name}`)
      sources[name] = 'saved'
    } else {
      values[name] = def.fallback
      sources[name] = 'default'
    }
  }
  const v = values as Values
  checkCookie('LANGFLOW_ACCESS', v.LANGFLOW_ACCESS_SAME_SITE, v.LANGFLOW_ACCESS_SECURE)
  checkCookie('LANGFLOW_REFRESH', v.LANGFLOW_REFRESH_SAME_SITE, v.LANGFLOW_REFRESH_SECURE)
  if (v.LANGFLOW_SECRET_KEY !== null && v.LANGFLOW_SECRET_KEY.length < 32) {
    throw new ConfigError(`LANGFLOW_SECRET_KEY must be at least 32 characters long (got ${v.LANGFLOW_SECRET_KEY.length}); ${GENERATE_SECRET_HINT}`)
  }
  const secretProblem = v.LANGFLOW_SECRET_KEY === null ? null : secretStrength(v.LANGFLOW_SECRET_KEY).problem
  if (secretProblem !== null) throw new ConfigError(`LANGFLOW_SECRET_KEY ${secretProblem}; ${GENERATE_SECRET_HINT}`)
  if (v.LANGFLOW_PUBLIC_KEY !== null && v.LANGFLOW_PRIVATE_KEY === null) {
    throw new ConfigError('LANGFLOW_PUBLIC_KEY is set without LANGFLOW_PRIVATE_KEY; the private key is needed to sign tokens')
  }

  const config: Config = Object.freeze({
    host: v.AUTHDOCK_HOST,
    port: v.AUTHDOCK_PORT,
    issuer: v.AUTHDOCK_ISSUER,
    algorithm: v.LANGFLOW_ALGORITHM,
    secretKey: v.LANGFLOW_SECRET_KEY,
    privateKeyPem: v.LANGFLOW_PRIVATE_KEY,
    publicKeyPem: v.LANGFLOW_PUBLIC_KEY,
    accessTtlSeconds: v.LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS,
    refreshTtlSeconds: v.LANGFLOW_REFRESH_TOKEN_EXPIRE_SECONDS,
    refreshGraceSeconds: v.AUTHDOCK_REFRESH_GRACE_SECONDS,
    auditRetentionDays: v.AUTHDOCK_AUDIT_RETENTION_DAYS,
    superuser: v.LANGFLOW_SUPERUSER?.trim() || null,
    newUserIsActive: v.LANGFLOW_NEW_USER_IS_ACTIVE,
    autoLogin: v.LANGFLOW_AUTO_LOGIN,
    enableSignup: v.LANGFLOW_ENABLE_SIGNUP,
    bcryptCost: v.AUTHDOCK_BCRYPT_COST,
    hashWorkers: v.AUTHDOCK_HASH_WORKERS,
    corsOrigins: v.AUTHDOCK_CORS_ORIGINS,
    allowedHosts: v.AUTHDOCK_ALLOWED_HOSTS,
    maxConnections: v.AUTHDOCK_MAX_CONNECTIONS,
    cookies: Object.freeze({
      access: Object.freeze({ sameSite: v.LANGFLOW_ACCESS_SAME_SITE, secure: v.LANGFLOW_ACCESS_SECURE, httpOnly: v.LANGFLOW_ACCESS_HTTPONLY }),
      refresh: Object.freeze({ sameSite: v.LANGFLOW_REFRESH_SAME_SITE, secure: v.LANGFLOW_REFRESH_SECURE, httpOnly: v.LANGFLOW_REFRESH_HTTPONLY }),
      domain: v.LANGFLOW_COOKIE_DOMAIN,
    }),
    sources: Object.freeze(sources),
  })
  return { config, bootstrap: readBootstrap(env), lowered: lower }
}

function checkCookie(prefix: string, site: SameSite, secure: boolean): void {
  // Browsers drop a SameSite=None cookie that is not Secure, which would look like a broken login.
  if (site === 'none' && !secure) {
    throw new ConfigError(`${prefix}_SAME_SITE=none requires ${prefix}_SECURE=true (browsers reject SameSite=None cookies that are not Secure)`)
  }
}

function readBootstrap(env: Env): Bootstrap | null {
  const username = env.LANGFLOW_SUPERUSER?.trim() ?? ''
  const password = env.LANGFLOW_SUPERUSER_PASSWORD ?? ''
  if (username === '' && password === '') return null
  if (username === '') throw new ConfigError('LANGFLOW_SUPERUSER_PASSWORD is set but LANGFLOW_SUPERUSER is not; set both or neither')
  if (password === '') throw new ConfigError('LANGFLOW_SUPERUSER is set but LANGFLOW_SUPERUSER_PASSWORD is not; set both or neither')
  // Langflow's old hard-coded default; newer Langflow refuses it at login (PR #13822).
  if (password === 'langflow') throw new ConfigError('LANGFLOW_SUPERUSER_PASSWORD must not be the legacy default "langflow"')
  return { username, password }
}
