// Preload: exposes the typed desktop bridge as window.desktop; nothing else crosses into the page.

import { contextBridge, ipcRenderer } from 'electron'
import type { DesktopApi, DesktopBridge, DesktopChannel } from '../shared/ipc.ts'

const call =
  <C extends DesktopChannel>(channel: C) =>
  (...args: Parameters<DesktopApi[C]>) =>
    ipcRenderer.invoke(channel, ...args) as ReturnType<DesktopApi[C]>

const bridge: DesktopBridge = {
  setupCode: call('setup:code'),
}

contextBridge.exposeInMainWorld('desktop', bridge)
