// The one wrapper over ipcMain.handle: checks who is asking before a handler sees its arguments.

import { AuthError } from '../../server/core/errors.ts'
import type { DesktopApi, DesktopChannel } from '../../shared/ipc.ts'
import { isSameOrigin } from '../same-origin.ts'

/** What a handler learns of the invoking frame (Electron's IpcMainInvokeEvent has more). */
export interface InvokeEventLike {
  readonly senderFrame: { readonly url: string } | null
}

/** The part of Electron's ipcMain used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void
  removeHandler(channel: string): void
}

/**
 * A handler per channel. Arguments come from the page as `unknown[]`: each handler validates
 * them before use, so a compromised or buggy page gets a refusal, never a half-done action.
 */
export type DesktopHandlers = {
  readonly [C in DesktopChannel]: (...args: unknown[]) => ReturnType<DesktopApi[C]>
}

/**
 * Whether a frame at `frameUrl` may use the bridge: only the console, loaded from the embedded
 * server's `origin`. A frame that navigated elsewhere, a subframe from another origin, or a frame
 * already gone (Electron gives null) is refused.
 */
export function isTrustedSender(frameUrl: string | undefined, origin: string): boolean {
  return frameUrl !== undefined && isSameOrigin(frameUrl, origin)
}

/** Registers every handler on `ipc`, answering only the console's frames. Returns the undo. */
export function registerHandlers(ipc: IpcMainLike, origin: string, handlers: DesktopHandlers): () => void {
  const channels = Object.keys(handlers) as DesktopChannel[]
  for (const channel of channels) {
    const handler = handlers[channel]
    // async, so that a refusal reaches the page as a rejected invoke() like any handler's error.
    ipc.handle(channel, async (event, ...args) => {
      if (!isTrustedSender(event.senderFrame?.url, origin)) {
        throw new AuthError('FORBIDDEN', `${channel}: refused for a frame outside the console`)
      }
      return handler(...args)
    })
  }
  return () => {
    for (const channel of channels) ipc.removeHandler(channel)
  }
}
