// A small JSON-lines logger on stderr. Callers pass fields, never secrets: no tokens, passwords,
// keys or setup codes go through here.

import type { Logger } from './core/core.ts'

type Level = 'info' | 'warn' | 'error'

export function createLogger(write: (line: string) => void = (l) => process.stderr.write(l), quiet = false): Logger {
  const emit = (level: Level) => (message: string, fields: Record<string, unknown> = {}) => {
    if (quiet && level === 'info') return
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields })}\n`)
  }
  return { info: emit('info'), warn: emit('warn'), error: emit('error') }
}
