// Where authdock keeps its database and keys, and the .env files read at start-up.

import { mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { ConfigError } from './errors.ts'
import type { Env } from './config.ts'
import { readTrustedFile, secureConfigDir } from './config-permissions.ts'

/** The per-user config dir for authdock on this OS, when LANGFLOW_CONFIG_DIR does not say. */
export function defaultConfigDir(env: Env, platform: NodeJS.Platform = process.platform): string {
  if (env.LANGFLOW_CONFIG_DIR) return resolve(env.LANGFLOW_CONFIG_DIR)
  const home = env.HOME || env.USERPROFILE || homedir()
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'authdock')
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'authdock')
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'authdock')
}

/**
 * Creates the dir (0700: it holds private keys) if missing, and checks who could have written it
 * and what is in it (config-permissions.ts). Returns what was tightened, one line each, to log.
 */
export function ensureConfigDir(dir: string): string[] {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw new ConfigError(`cannot create the config dir ${dir}: ${(err as Error).message}`, { cause: err })
  }
  return secureConfigDir(dir)
}

/**
 * Parses a .env file: KEY=value lines, optional `export`, # comments, single or double quotes
 * (double quotes understand \n, so a PEM fits on one line) and quoted values spanning lines.
 */
export function parseDotEnv(source: string): Record<string, string> {
  const out: Record<string, string> = {}
  const re = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("(?:\\.|[^"\\])*"|'[^']*'|[^\n]*)\s*$/gm
  for (const m of source.matchAll(re)) {
    const key = m[1] as string
    let value = (m[2] ?? '').trim()
    if (value.startsWith('"')) {
      value = value.slice(1, -1).replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1')
    } else if (value.startsWith("'")) {
      value = value.slice(1, -1)
    } else {
      value = value.replace(/\s+#.*$/, '')
    }
    out[key] = value
  }
  return out
}

/** Values from `file` for the variables `env` does not already set (set variables win). */
export function withDotEnv(env: Env, file: string): Env {
  const text = readTrustedFile(file) // another user's .env could name the superuser and their password
  if (text === null) return env
  const parsed = parseDotEnv(text)
  const merged: Record<string, string | undefined> = { ...parsed }
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v
  return merged
}
