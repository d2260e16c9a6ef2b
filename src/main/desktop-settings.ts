// The desktop app's own settings (desktop.json in the config dir): read leniently, written atomically.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from '../server/core/files.ts'

export const DESKTOP_SETTINGS_FILE = 'desktop.json'

export interface DesktopSettings {
  /** Closing the window quits the app and its server; false keeps both running in the tray. */
  readonly quitOnClose: boolean
}

// Local apps log in against the embedded server, so closing the window must not cut them off
// unless the user asked for it.
export const DEFAULT_DESKTOP_SETTINGS: DesktopSettings = Object.freeze({ quitOnClose: false })

/**
 * The saved settings, or the defaults for whatever is missing or unreadable: a damaged file must
 * never stop the app (and its auth server) from starting. Problems other than a missing file go
 * to `warn`.
 */
export function readDesktopSettings(configDir: string, warn: (message: string) => void): DesktopSettings {
  const path = join(configDir, DESKTOP_SETTINGS_FILE)
  let source: string
  try {
    source = readFileSync(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warn(`cannot read ${path}, using the defaults: ${(err as Error).message}`)
    return DEFAULT_DESKTOP_SETTINGS
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(source)
  } catch (err) {
    warn(`${path} is not valid JSON, using the defaults: ${(err as Error).message}`)
    return DEFAULT_DESKTOP_SETTINGS
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    warn(`${path} does not hold a JSON object, using the defaults`)
    return DEFAULT_DESKTOP_SETTINGS
  }
  const { quitOnClose } = parsed as Record<string, unknown>
  if (quitOnClose === undefined) return DEFAULT_DESKTOP_SETTINGS
  if (typeof quitOnClose !== 'boolean') {
    warn(`${path}: quitOnClose must be true or false, using the default`)
    return DEFAULT_DESKTOP_SETTINGS
  }
  return Object.freeze({ quitOnClose })
}

/** Replaces desktop.json whole (temp file + rename), so a crash mid-write leaves the old one. */
export function writeDesktopSettings(configDir: string, settings: DesktopSettings): void {
  const data = `${JSON.stringify({ quitOnClose: settings.quitOnClose }, null, 2)}\n`
  // 0600 like the rest of the config dir's files: nothing secret, but nobody else's to change.
  writeFileAtomic(join(configDir, DESKTOP_SETTINGS_FILE), data, 0o600)
}
