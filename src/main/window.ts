// The console window: sandboxed, given the desktop bridge, and kept on the embedded server's origin.

import { join } from 'node:path'
import { BrowserWindow } from 'electron'
import { guardContents } from './window-guard.ts'

// Paths inside out/: this file is bundled into out/main/index.js.
const PRELOAD = join(import.meta.dirname, '../preload/index.cjs')
const ICON = join(import.meta.dirname, '../../resources/icon.png')

export function createConsoleWindow(url: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1100,
    height: 760,
    title: 'authdock',
    icon: ICON,
    show: false,
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      nodeIntegration: false,
      // Sandboxed, so the page and the preload get no Node.js. The catch: a sandboxed preload runs
      // as a classic script, not ESM, so electron.vite.config.ts builds it as CommonJS
      // (index.cjs). The ESM preload electron-vite emits by default (index.mjs) would need
      // sandbox: false, too high a price for a window that holds an auth admin session.
      sandbox: true,
      webviewTag: false,
    },
  })

  // Before loadURL, so that the very first request is already filtered.
  guardContents(win.webContents, new URL(url).origin)

  win.once('ready-to-show', () => win.show())
  win.webContents.loadURL(url).catch((err: unknown) => {
    console.error(`authdock: cannot load the console at ${url}:`, err)
    win.show() // shows Chromium's error page rather than an invisible window
  })
  return win
}
