// Seed 004's "JWT Auth Security Checklist", evaluated against the running configuration: each
// item passes or warns, and says why in words an admin can act on.

import { statSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from '../config.ts'
import { configDirProblems } from '../config-permissions.ts'
import type { KeyRing } from '../keys/key-ring.ts'
import { GENERATE_SECRET_HINT, MIN_SECRET_BITS, secretStrength } from '../keys/secret-strength.ts'
import type { RuntimeSettings } from '../settings.ts'

export interface ChecklistItem {
  readonly id: string
  readonly title: string
  readonly status: 'pass' | 'warn'
  readonly why: string
}

const RECOMMENDED_ACCESS_SECONDS = 30 * 60
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/i

const item = (id: string, title: string, ok: boolean, pass: string, warn: string): ChecklistItem =>
  ({ id, title, status: ok ? 'pass' : 'warn', why: ok ? pass : warn })

/** An HS256 secret is strong when it is long and hard to guess, not merely long (secret-strength.ts). */
function secretStrengthItem(secret: string): ChecklistItem {
  const { bits, problem } = secretStrength(secret)
  const short = Buffer.byteLength(secret) < 32
  return item('key_strength', 'Strong signing key', !short && problem === null,
    `The HS256 secret has an estimated ${bits} bits of entropy (${MIN_SECRET_BITS} or more)`,
    `The HS256 secret ${short ? 'is shorter than 32 bytes' : problem}: anyone who guesses it signs tokens for any user; import a new one (${GENERATE_SECRET_HINT})`)
}

export function createChecklist(deps: { config: Config; configDir: string; settings: RuntimeSettings; keys: KeyRing }) {
  const { config, configDir, settings, keys } = deps

  /** The modes as they are now: a chmod after start-up shows here. */
  function configDirItem(): ChecklistItem {
    const problems = configDirProblems(configDir)
    return item('config_dir', 'Config dir private to its owner', problems.length === 0,
      process.platform === 'win32' ? 'Windows keeps the config dir private to your profile' : `${configDir} and the files in it can be read and written by their owner only`,
      `${problems.join('; ')}. Another user who can write there can become a superuser at the next start`)
  }

  function keyStorage(): ChecklistItem {
    const title = 'Signing key kept secret'
    const record = keys.list().find((k) => k.state === 'active')
    if (record === undefined) return item('key_storage', title, false, '', 'No active signing key')
    if (record.source === 'env') return item('key_storage', title, true, `The key comes from the environment and is not written to disk`, '')
    const file = join(configDir, record.privateFile ?? '')
    try {
      const mode = statSync(file).mode & 0o777
      return item('key_storage', title, (mode & 0o077) === 0, `${record.privateFile} is readable by its owner only (mode ${mode.toString(8)})`,
        `${record.privateFile} has mode ${mode.toString(8)}: other users of this machine can read the signing key; run chmod 600 on it`)
    } catch {
      return item('key_storage', title, false, '', `${record.privateFile} cannot be checked`)
    }
  }

  /** `host`: the address the server is bound to (null before it listens). Waits for a key still being generated. */
  return async function checklist(host: string | null): Promise<ChecklistItem[]> {
    await keys.ready()
    const signer = keys.signer()
    const access = settings.accessTtlSeconds()
    const bits = signer.verifyKey.asymmetricKeyDetails?.modulusLength ?? 0
    const refresh = config.cookies.refresh
    const loopback = host !== null && LOOPBACK.test(host)
    return [
      item('algorithm', 'A standard signing algorithm', true, `${signer.alg}, bound to its key id: a token cannot choose another algorithm`, ''),
      signer.alg === 'HS256'
        ? secretStrengthItem(signer.verifyKey.export().toString('utf8'))
        : item('key_strength', 'Strong signing key', bits >= 2048, `RSA-${bits}`, `RSA-${bits} is below 2048 bits`),
      keyStorage(),
      configDirItem(),
      item('access_lifetime', 'Short-lived access tokens', access <= RECOMMENDED_ACCESS_SECONDS,
        `Access tokens live ${access} s (30 min or less)`,
        `Access tokens live ${access} s; 30 minutes or less is recommended. Revocation reaches them at once here, but a token copied elsewhere stays valid for a JWKS-only verifier until it expires`),
      item('refresh_rotation', 'Refresh tokens rotate on every use', true,
        `Each refresh token works once; a replay revokes the session (grace window ${settings.refreshGraceSeconds()} s for parallel tabs of the client that used it)`, ''),
      item('bcrypt_cost', 'bcrypt cost 12 or more', config.bcryptCost >= 12, `bcrypt cost ${config.bcryptCost}`,
        `bcrypt cost ${config.bcryptCost}: 10 is the minimum, 12 is recommended (AUTHDOCK_BCRYPT_COST)`),
      item('token_type', 'Token type checked on every decode', true, "Only tokens with type 'access' are accepted as access tokens", ''),
      item('www_authenticate', '401 answers say WWW-Authenticate: Bearer', true, 'Every 401 carries the header', ''),
      item('transport', 'HTTPS, or reachable from this machine only', loopback,
        `Bound to ${host ?? 'loopback'}: only this machine can reach the server`,
        `Bound to ${host ?? 'an unknown address'}: other machines can reach it; serve it behind a TLS proxy so tokens and passwords never cross the network in clear`),
      item('refresh_cookie', 'Refresh cookie HttpOnly, Secure, SameSite=Strict', refresh.httpOnly && refresh.secure && refresh.sameSite === 'strict',
        'refresh_token_lf is HttpOnly, Secure and SameSite=Strict',
        `refresh_token_lf is${refresh.httpOnly ? '' : ' not HttpOnly,'}${refresh.secure ? '' : ' not Secure,'} SameSite=${refresh.sameSite} (LANGFLOW_REFRESH_*)`),
      item('server_logout', 'Logout revokes on the server', true, 'Logout ends the session server-side; its access tokens stop working at once', ''),
      item('auto_login', 'Auto-login off', !config.autoLogin, 'LANGFLOW_AUTO_LOGIN is off',
        'LANGFLOW_AUTO_LOGIN is on: anyone who can reach the server gets a superuser session without a password'),
    ]
  }
}

export type Checklist = ReturnType<typeof createChecklist>
