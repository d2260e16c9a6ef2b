// createAuthCore: wires config, store, keys, tokens, sessions, users and login together.
// Knows nothing of HTTP or Electron; everything from the platform comes in as an argument.

import { join } from 'node:path'
import { createChecklist } from './admin/checklist.ts'
import { createKeyAdmin } from './admin/key-admin.ts'
import { createSignOut } from './admin/sign-out.ts'
import { createOverview } from './admin/overview.ts'
import { createTokenInspector } from './admin/token-inspector.ts'
import { createApiKeys } from './api-keys.ts'
import { createAudit } from './audit.ts'
import { createAuthenticator } from './authenticate.ts'
import { createAutoLogin } from './auto-login.ts'
import { createClients } from './clients/clients.ts'
import { createDeviceCookies } from './device-cookies.ts'
import type { Clock } from './clock.ts'
import { systemClock } from './clock.ts'
import type { Env } from './config.ts'
import { loadConfig } from './config.ts'
import { ensureConfigDir } from './config-dir.ts'
import { AuthError, ConfigError } from './errors.ts'
import { createIntrospection } from './introspection.ts'
import { createAuthorizationCodes } from './oauth/authorization-codes.ts'
import { createKeyRing } from './keys/key-ring.ts'
import { createLogin } from './login.ts'
import { createLoginThrottle } from './login-throttle.ts'
import { createSessions } from './sessions/sessions.ts'
import { createRuntimeSettings } from './settings.ts'
import { createSetup } from './setup.ts'
import { createSqliteStore } from './store/sqlite/index.ts'
import { createAccessTokens } from './tokens/access-tokens.ts'
import { createHashScheduler } from './users/hash-scheduler.ts'
import type { PasswordHasher } from './users/password-hasher.ts'
import { createPasswordHasher } from './users/password-hasher.ts'
import { createSignUp } from './users/signup.ts'
import { createUsers } from './users/users.ts'

export const DATABASE_FILE = 'authdock.db'

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

export interface AuthCoreDeps {
  readonly configDir: string
  readonly env: Env
  readonly clock?: Clock
  readonly log: Logger
}

const MAINTENANCE_INTERVAL_MS = 60_000

export async function createAuthCore({ configDir, env, clock = systemClock, log }: AuthCoreDeps) {
  for (const change of ensureConfigDir(configDir)) log.warn(change)
  const store = createSqliteStore(join(configDir, DATABASE_FILE), {
    onUnreadable: ({ table, column, id, reason }) => log.warn('a stored value cannot be shown and is answered without it', { table, column, id, reason }),
  })
  let hasher: PasswordHasher | undefined
  try {
    const { config, bootstrap, lowered } = loadConfig(env, store.settings.all())
    // Saved under an older, higher limit: kept as the new maximum, so the warning is given once.
    for (const l of lowered) {
      store.settings.set(l.name, String(l.value), clock.now())
      log.warn(`the saved ${l.name} (${l.saved}) is above what this version allows; lowered to ${l.value}`, { variable: l.name, saved: l.saved, value: l.value })
    }
    const audit = createAudit(store, clock, (err) => log.error('an event listener failed', { error: String(err) }))
    const settings = createRuntimeSettings({ config, store, clock, audit })
    const keys = await createKeyRing({
      store, configDir, clock, config,
      accessTokensValidUntil: settings.accessTokensValidUntil,
      onChange: ({ by, ...e }) => audit.record({ type: e.type, userId: by?.user.id, username: by?.user.username, context: by?.context, detail: { ...e } }),
      warn: (m) => log.warn(m),
    })
    const accessTokens = createAccessTokens(keys, clock, config.issuer)
    const sessions = createSessions({ store, clock, accessTokens, audit, settings, keysPending: keys.pending })
    hasher = createPasswordHasher({ cost: config.bcryptCost, workers: config.hashWorkers })
    const throttle = createLoginThrottle(clock)
    const apiKeys = createApiKeys({ store, clock, audit })
    const users = createUsers({ store, clock, hasher, sessions, apiKeys, audit, throttle, newUserIsActive: config.newUserIsActive })
    for (const name of users.rekeyUsernames()) {
      log.warn('this username now counts as the same name as another user: signing in by it reaches that other account until one of them is renamed', { username: name })
    }
    const passwordChecks = createHashScheduler({ hasher, workers: config.hashWorkers })
    const login = createLogin({
      users, sessions, hasher, checks: passwordChecks, throttle, audit, bcryptCost: config.bcryptCost,
      devices: createDeviceCookies(store.meta, clock),
      warn: (m, err) => log.warn(m, { error: String(err) }),
    })
    if (bootstrap !== null) await bootstrapSuperuser(users, bootstrap.username, bootstrap.password, log)
    const setup = createSetup({ users, audit, clock })
    // Warm the dummy hash now so the first unknown-user login costs what a real one does.
    hasher.dummyHash().catch((err: unknown) => log.warn('could not prepare the dummy password hash', { error: String(err) }))
    let purging = false
    const purgeAudit = () => {
      if (purging) return
      purging = true
      audit
        .purge(settings.auditRetentionDays())
        .catch((err: unknown) => log.error('audit retention sweep failed', { error: String(err) }))
        .finally(() => void (purging = false))
    }
    const authorizationCodes = createAuthorizationCodes({ store, clock, sessions })
    const maintain = () => {
      keys.retireDue()
      sessions.sweep()
      authorizationCodes.sweep()
      purgeAudit()
    }
    // The key ring has just retired what was due and the live set holds no expired session:
    // only the audit table may have aged past its retention while the server was down.
    purgeAudit()
    const timer = setInterval(maintain, MAINTENANCE_INTERVAL_MS)
    timer.unref()
    const ownHasher = hasher
    const introspection = createIntrospection({ store, clock, accessTokens, sessions })
    const signOut = createSignOut({ sessions, apiKeys })

    return {
      config,
      settings,
      configDir,
      clock,
      audit,
      keys,
      accessTokens,
      sessions,
      users,
      login,
      signUp: createSignUp({ users, config }),
      autoLogin: createAutoLogin({ users, sessions, config }),
      apiKeys,
      clients: createClients({ store, clock, audit, sessions }),
      throttle,
      passwordChecks,
      setup,
      authenticate: createAuthenticator({ store, clock, accessTokens, sessions, apiKeys }),
      introspection,
      authorizationCodes,
      inspectToken: createTokenInspector({ accessTokens, keys, sessions, introspection, store }),
      keyAdmin: createKeyAdmin({ keys, sessions, signOut }),
      signOut,
      overview: createOverview({ store, clock, audit, sessions, keys }),
      checklist: createChecklist({ config, configDir, settings, keys }),
      async close(): Promise<void> {
        clearInterval(timer)
        await ownHasher.close()
        store.close()
      },
    }
  } catch (err) {
    await hasher?.close()
    store.close()
    throw err
  }
}

async function bootstrapSuperuser(users: ReturnType<typeof createUsers>, username: string, password: string, log: Logger): Promise<void> {
  try {
    const created = await users.ensureSuperuser(username, password)
    if (created) log.info('created superuser from LANGFLOW_SUPERUSER', { username: created.username })
  } catch (err) {
    if (err instanceof AuthError) {
      const variable = err.code === 'WEAK_PASSWORD' ? 'LANGFLOW_SUPERUSER_PASSWORD' : 'LANGFLOW_SUPERUSER'
      throw new ConfigError(`${variable}: ${String(err.detail)}`, { cause: err })
    }
    throw err
  }
}

export type AuthCore = Awaited<ReturnType<typeof createAuthCore>>
