// Preload: exposes the typed desktop bridge as window.desktop; nothing else crosses into the page.

import { contextBridge, ipcRenderer } from 'electron'
import type { DesktopApi, DesktopBridge, DesktopChannel } from '../shared/ipc.ts'

// Each method forwards its own arguments only: the page never gets ipcRenderer or a channel name.
const call =
  <C extends DesktopChannel>(channel: C) =>
  (...args: Parameters<DesktopApi[C]>) =>
    ipcRenderer.invoke(channel, ...args) as ReturnType<DesktopApi[C]>

const bridge: DesktopBridge = {
  setupCode: call('setup:code'),
  openConfigDir: call('desktop:open-config-dir'),
  copy: call('desktop:copy'),
  getQuitOnClose: call('desktop:get-quit-on-close'),
  setQuitOnClose: call('desktop:set-quit-on-close'),
}

contextBridge.exposeInMainWorld('desktop', bridge)
