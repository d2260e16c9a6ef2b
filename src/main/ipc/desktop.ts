// The desktop bridge's handlers: validate what the page sent, then do the one thing asked.

import { AuthError } from '../../server/core/errors.ts'
import type { DesktopHandlers } from './handle.ts'

// Enough for any key, token or JWKS the console copies; a page asking for more is misbehaving,
// and the clipboard is shared with every other app on the machine.
export const COPY_MAX_BYTES = 64 * 1024

export interface DesktopDeps {
  readonly configDir: string
  /** Electron's shell.openPath: resolves to '' on success, else to an error message. */
  readonly openPath: (path: string) => Promise<string>
  readonly writeClipboard: (text: string) => void
  readonly setupCode: () => string | null
  readonly quitOnClose: () => boolean
  /** Persists the setting; throws if it cannot. */
  readonly setQuitOnClose: (quitOnClose: boolean) => void
}

export function createDesktopHandlers(deps: DesktopDeps): DesktopHandlers {
  return {
    'setup:code': async (...args) => {
      expectArity('setup:code', args, 0)
      return deps.setupCode()
    },
    'desktop:open-config-dir': async (...args) => {
      expectArity('desktop:open-config-dir', args, 0)
      const failure = await deps.openPath(deps.configDir)
      if (failure !== '') throw new Error(`cannot open ${deps.configDir}: ${failure}`)
    },
    'desktop:copy': async (...args) => {
      expectArity('desktop:copy', args, 1)
      const [text] = args
      if (typeof text !== 'string') throw invalid('desktop:copy', 'expects a string')
      if (Buffer.byteLength(text, 'utf8') > COPY_MAX_BYTES) {
        throw invalid('desktop:copy', `takes at most ${COPY_MAX_BYTES} bytes`)
      }
      deps.writeClipboard(text)
    },
    'desktop:get-quit-on-close': async (...args) => {
      expectArity('desktop:get-quit-on-close', args, 0)
      return deps.quitOnClose()
    },
    'desktop:set-quit-on-close': async (...args) => {
      expectArity('desktop:set-quit-on-close', args, 1)
      const [quitOnClose] = args
      if (typeof quitOnClose !== 'boolean') throw invalid('desktop:set-quit-on-close', 'expects true or false')
      deps.setQuitOnClose(quitOnClose)
    },
  }
}

function expectArity(channel: string, args: readonly unknown[], count: number): void {
  if (args.length !== count) throw invalid(channel, `expects ${count} argument${count === 1 ? '' : 's'}, got ${args.length}`)
}

function invalid(channel: string, detail: string): AuthError {
  return new AuthError('INVALID_INPUT', `${channel} ${detail}`)
}
