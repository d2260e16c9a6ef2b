// The one typed wrapper over ipcMain.handle: checks who is asking before a handler runs.

import { ipcMain } from 'electron'
import type { IpcMainInvokeEvent } from 'electron'
import type { DesktopApi, DesktopChannel } from '../../shared/ipc.ts'
import { isSameOrigin } from '../same-origin.ts'

/**
 * Registers `handler` for `channel`, answering only frames loaded from `origin` (the embedded
 * server): a frame that navigated elsewhere, or a subframe from another origin, gets an error.
 * Arguments come from the page: a handler that takes any must validate them.
 * Returns a function that removes the handler.
 */
export function handle<C extends DesktopChannel>(
  channel: C,
  origin: string,
  handler: (...args: Parameters<DesktopApi[C]>) => ReturnType<DesktopApi[C]>,
): () => void {
  ipcMain.handle(channel, (event: IpcMainInvokeEvent, ...args: Parameters<DesktopApi[C]>) => {
    const url = event.senderFrame?.url
    if (url === undefined || !isSameOrigin(url, origin)) throw new Error(`${channel}: refused for a frame outside the console`)
    return handler(...args)
  })
  return () => ipcMain.removeHandler(channel)
}
