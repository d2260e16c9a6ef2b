// The settings an admin may change while the server runs: token lifetimes, the refresh grace
// window and audit retention. A change applies to what is issued from then on, is saved in the
// settings table (so it survives a restart), and is refused for a variable the environment pins.

import type { Audit } from './audit.ts'
import type { Clock } from './clock.ts'
import type { Config, SettingName, Source } from './config.ts'
import { parseSetting } from './config.ts'
import { AuthError, ConfigError } from './errors.ts'
import type { Store } from './store/types.ts'
import type { Actor } from './users/users.ts'

interface Tunable {
  readonly variable: SettingName
  readonly unit: 'seconds' | 'days'
  /** The range seed 004 and common practice recommend; outside it the checklist warns. */
  readonly recommended: { readonly min: number; readonly max: number }
}

/** Wire name → its variable. */
export const TUNABLES = {
  access_token_expire_seconds: { variable: 'LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS', unit: 'seconds', recommended: { min: 300, max: 1800 } },
  refresh_token_expire_seconds: { variable: 'LANGFLOW_REFRESH_TOKEN_EXPIRE_SECONDS', unit: 'seconds', recommended: { min: 86_400, max: 30 * 86_400 } },
  refresh_grace_seconds: { variable: 'AUTHDOCK_REFRESH_GRACE_SECONDS', unit: 'seconds', recommended: { min: 0, max: 15 } },
  audit_retention_days: { variable: 'AUTHDOCK_AUDIT_RETENTION_DAYS', unit: 'days', recommended: { min: 30, max: 365 } },
} as const satisfies Record<string, Tunable>

export type TunableName = keyof typeof TUNABLES
const LAST_ACCESS_TTL_META = 'access_ttl_seconds'
const LONGER_TOKENS_META = 'longer_access_tokens_until'
const NAMES = Object.keys(TUNABLES) as TunableName[]

export function createRuntimeSettings(deps: { config: Config; store: Store; clock: Clock; audit: Audit }) {
  const { config, store, clock, audit } = deps
  const values: Record<TunableName, number> = {
    access_token_expire_seconds: config.accessTtlSeconds,
    refresh_token_expire_seconds: config.refreshTtlSeconds,
    refresh_grace_seconds: config.refreshGraceSeconds,
    audit_retention_days: config.auditRetentionDays,
  }
  const sources: Record<TunableName, Source> = Object.fromEntries(NAMES.map((n) => [n, config.sources[TUNABLES[n].variable]])) as Record<TunableName, Source>

  // Tokens issued under an earlier, longer access lifetime outlive the current one: remember until
  // when (across restarts too, as env may have lowered it), so no key retires under them.
  const longerTokensUntil = (): number => Number(store.meta.get(LONGER_TOKENS_META) ?? 0)
  function lowerAccessLifetime(fromSeconds: number, toSeconds: number): void {
    if (toSeconds >= fromSeconds) return
    const until = Math.max(longerTokensUntil(), clock.now() + fromSeconds * 1000)
    store.meta.set(LONGER_TOKENS_META, String(until))
  }
  const lastRun = Number(store.meta.get(LAST_ACCESS_TTL_META) ?? values.access_token_expire_seconds)
  store.transaction(() => {
    lowerAccessLifetime(lastRun, values.access_token_expire_seconds)
    store.meta.set(LAST_ACCESS_TTL_META, String(values.access_token_expire_seconds))
  })

  return {
    accessTtlSeconds: (): number => values.access_token_expire_seconds,
    /** When the last access token issued so far (under this lifetime or an earlier, longer one) expires. */
    accessTokensValidUntil: (): number => Math.max(clock.now() + values.access_token_expire_seconds * 1000, longerTokensUntil()),
    refreshTtlSeconds: (): number => values.refresh_token_expire_seconds,
    refreshGraceSeconds: (): number => values.refresh_grace_seconds,
    auditRetentionDays: (): number => values.audit_retention_days,

    describe() {
      return Object.fromEntries(
        NAMES.map((n) => [n, { value: values[n], source: sources[n], variable: TUNABLES[n].variable, unit: TUNABLES[n].unit, recommended: TUNABLES[n].recommended }]),
      ) as Record<TunableName, { value: number; source: Source; variable: string; unit: string; recommended: { min: number; max: number } }>
    },

    /** Validates every field first, then saves them all in one transaction; returns what changed. */
    update(patch: Record<string, unknown>, actor: Actor): Partial<Record<TunableName, { from: number; to: number }>> {
      const parsed: Partial<Record<TunableName, number>> = {}
      for (const [name, raw] of Object.entries(patch)) {
        if (!Object.hasOwn(TUNABLES, name)) throw new AuthError('INVALID_INPUT', `Unknown setting "${name}"; known: ${NAMES.join(', ')}`)
        const tunable = TUNABLES[name as TunableName]
        if (sources[name as TunableName] === 'env') {
          throw new AuthError('ENV_PINNED', `${name} is set by ${tunable.variable}; change it there`, { fields: { variable: tunable.variable } })
        }
        if (typeof raw !== 'number' || !Number.isInteger(raw)) throw new AuthError('INVALID_INPUT', `${name} must be a whole number of ${tunable.unit}`)
        try {
          parsed[name as TunableName] = parseSetting(tunable.variable, String(raw)) as number
        } catch (err) {
          if (err instanceof ConfigError) throw new AuthError('INVALID_INPUT', err.message.replace(tunable.variable, name))
          throw err
        }
      }
      const changes: Partial<Record<TunableName, { from: number; to: number }>> = {}
      for (const [name, to] of Object.entries(parsed) as [TunableName, number][]) {
        if (values[name] !== to) changes[name] = { from: values[name], to }
      }
      if (Object.keys(changes).length === 0) return changes
      const now = clock.now()
      store.transaction(() => {
        for (const [name, change] of Object.entries(changes) as [TunableName, { to: number }][]) store.settings.set(TUNABLES[name].variable, String(change.to), now)
        const access = changes.access_token_expire_seconds
        if (access !== undefined) {
          lowerAccessLifetime(access.from, access.to)
          store.meta.set(LAST_ACCESS_TTL_META, String(access.to))
        }
      })
      for (const [name, change] of Object.entries(changes) as [TunableName, { to: number }][]) {
        values[name] = change.to
        sources[name] = 'saved'
      }
      audit.record({ type: 'settings_changed', userId: actor.user.id, username: actor.user.username, context: actor.context, detail: { changes } })
      return changes
    },
  }
}

export type RuntimeSettings = ReturnType<typeof createRuntimeSettings>
