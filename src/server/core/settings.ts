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
  /**
   * What clients, error messages and the audit log call it: the variable without its prefix, in
   * lower case (Langflow's field names). The audit log keeps it, so it never changes with the code.
   */
  readonly publicName: string
  readonly unit: 'seconds' | 'days'
  /** The range common practice recommends; outside it the console warns. */
  readonly recommended: { readonly min: number; readonly max: number }
}

export const TUNABLES = {
  accessTtlSeconds: { variable: 'LANGFLOW_ACCESS_TOKEN_EXPIRE_SECONDS', publicName: 'access_token_expire_seconds', unit: 'seconds', recommended: { min: 300, max: 1800 } },
  refreshTtlSeconds: { variable: 'LANGFLOW_REFRESH_TOKEN_EXPIRE_SECONDS', publicName: 'refresh_token_expire_seconds', unit: 'seconds', recommended: { min: 86_400, max: 30 * 86_400 } },
  refreshGraceSeconds: { variable: 'AUTHDOCK_REFRESH_GRACE_SECONDS', publicName: 'refresh_grace_seconds', unit: 'seconds', recommended: { min: 0, max: 15 } },
  auditRetentionDays: { variable: 'AUTHDOCK_AUDIT_RETENTION_DAYS', publicName: 'audit_retention_days', unit: 'days', recommended: { min: 30, max: 365 } },
} as const satisfies Record<string, Tunable>

export type TunableName = keyof typeof TUNABLES
export const TUNABLE_NAMES = Object.keys(TUNABLES) as TunableName[]

export interface SettingState {
  readonly value: number
  readonly source: Source
  readonly variable: SettingName
  readonly unit: 'seconds' | 'days'
  readonly recommended: { readonly min: number; readonly max: number }
}

export type SettingsPatch = Readonly<Partial<Record<TunableName, unknown>>>
export type SettingChanges = Partial<Record<TunableName, { readonly from: number; readonly to: number }>>
const LAST_ACCESS_TTL_META = 'access_ttl_seconds'
const LONGER_TOKENS_META = 'longer_access_tokens_until'

export function createRuntimeSettings(deps: { config: Config; store: Store; clock: Clock; audit: Audit }) {
  const { config, store, clock, audit } = deps
  const values: Record<TunableName, number> = {
    accessTtlSeconds: config.accessTtlSeconds,
    refreshTtlSeconds: config.refreshTtlSeconds,
    refreshGraceSeconds: config.refreshGraceSeconds,
    auditRetentionDays: config.auditRetentionDays,
  }
  const sources: Record<TunableName, Source> = Object.fromEntries(TUNABLE_NAMES.map((n) => [n, config.sources[TUNABLES[n].variable]])) as Record<TunableName, Source>

  // Tokens issued under an earlier, longer access lifetime outlive the current one: remember until
  // when (across restarts too, as env may have lowered it), so no key retires under them.
  const longerTokensUntil = (): number => Number(store.meta.get(LONGER_TOKENS_META) ?? 0)
  function lowerAccessLifetime(fromSeconds: number, toSeconds: number): void {
    if (toSeconds >= fromSeconds) return
    const until = Math.max(longerTokensUntil(), clock.now() + fromSeconds * 1000)
    store.meta.set(LONGER_TOKENS_META, String(until))
  }
  const lastRun = Number(store.meta.get(LAST_ACCESS_TTL_META) ?? values.accessTtlSeconds)
  store.transaction(() => {
    lowerAccessLifetime(lastRun, values.accessTtlSeconds)
    store.meta.set(LAST_ACCESS_TTL_META, String(values.accessTtlSeconds))
  })

  return {
    accessTtlSeconds: (): number => values.accessTtlSeconds,
    /** When the last access token issued so far (under this lifetime or an earlier, longer one) expires. */
    accessTokensValidUntil: (): number => Math.max(clock.now() + values.accessTtlSeconds * 1000, longerTokensUntil()),
    refreshTtlSeconds: (): number => values.refreshTtlSeconds,
    refreshGraceSeconds: (): number => values.refreshGraceSeconds,
    auditRetentionDays: (): number => values.auditRetentionDays,

    describe(): Record<TunableName, SettingState> {
      return Object.fromEntries(
        TUNABLE_NAMES.map((n) => [n, { value: values[n], source: sources[n], variable: TUNABLES[n].variable, unit: TUNABLES[n].unit, recommended: TUNABLES[n].recommended }]),
      ) as Record<TunableName, SettingState>
    },

    /**
     * Validates every field first, then saves them all in one transaction; returns what changed.
     * Messages name a setting by its publicName, as the console and Langflow's clients know it.
     */
    update(patch: SettingsPatch, actor: Actor): SettingChanges {
      const parsed: Partial<Record<TunableName, number>> = {}
      for (const [key, raw] of Object.entries(patch)) {
        if (raw === undefined) continue
        if (!Object.hasOwn(TUNABLES, key)) throw new AuthError('INVALID_INPUT', `Unknown setting "${key}"`)
        const name = key as TunableName
        const tunable = TUNABLES[name]
        if (sources[name] === 'env') {
          throw new AuthError('ENV_PINNED', `${tunable.publicName} is set by ${tunable.variable}; change it there`, { fields: { variable: tunable.variable } })
        }
        if (typeof raw !== 'number' || !Number.isInteger(raw)) throw new AuthError('INVALID_INPUT', `${tunable.publicName} must be a whole number of ${tunable.unit}`)
        try {
          parsed[name] = parseSetting(tunable.variable, String(raw)) as number
        } catch (err) {
          if (err instanceof ConfigError) throw new AuthError('INVALID_INPUT', err.message.replace(tunable.variable, tunable.publicName))
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
        const access = changes.accessTtlSeconds
        if (access !== undefined) {
          lowerAccessLifetime(access.from, access.to)
          store.meta.set(LAST_ACCESS_TTL_META, String(access.to))
        }
      })
      for (const [name, change] of Object.entries(changes) as [TunableName, { to: number }][]) {
        values[name] = change.to
        sources[name] = 'saved'
      }
      // Keyed by publicName: the log is read long after, by versions whose code names may differ.
      const logged = Object.fromEntries(Object.entries(changes).map(([name, change]) => [TUNABLES[name as TunableName].publicName, change]))
      audit.record({ type: 'settings_changed', userId: actor.user.id, username: actor.user.username, context: actor.context, detail: { changes: logged } })
      return changes
    },
  }
}

export type RuntimeSettings = ReturnType<typeof createRuntimeSettings>
