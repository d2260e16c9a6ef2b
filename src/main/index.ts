// Electron main: wires Electron into the lifecycle, the IPC handlers and the window guard. One
// instance, the embedded auth server in-process, a console window on it, and a tray that outlives it.

import { join, resolve } from 'node:path'
import { app, clipboard, dialog, ipcMain, Menu, nativeImage, shell, Tray } from 'electron'
import type { Env } from '../server/core/config.ts'
import { withDotEnv } from '../server/core/config-dir.ts'
import { ConfigError, createAuthServer } from '../server/index.ts'
import { watchLauncher } from '../server/launcher-pipe.ts'
import type { AuthServer } from '../server/index.ts'
import { readDesktopSettings, writeDesktopSettings } from './desktop-settings.ts'
import { createDesktopHandlers } from './ipc/desktop.ts'
import { registerHandlers } from './ipc/handle.ts'
import { createLifecycle } from './lifecycle.ts'
import type { TrayLike } from './lifecycle.ts'
import { createConsoleWindow } from './window.ts'

// The built console (out/renderer, beside this bundle's out/main), served by the server at `/`.
const CONSOLE_DIR = join(import.meta.dirname, '../renderer')
// 16 px; nativeImage picks up tray@2x.png beside it on high-DPI screens.
const TRAY_ICON = join(import.meta.dirname, '../../resources/tray.png')
// Loopback only, whatever AUTHDOCK_HOST says: the desktop app's own window is its client.
// To serve other machines, run the headless server (`npm run serve`) instead.
const HOST = '127.0.0.1'

// Before anything reads app.getPath('userData'), which is named after the app.
app.setName('authdock')

if (app.requestSingleInstanceLock()) {
  void run()
} else {
  // The first instance gets 'second-instance' and shows its window; this one just leaves.
  app.exit(0)
}

async function run(): Promise<void> {
  // Set once Electron is ready and the server is up; a launch before then just opens the window.
  let showWindow: (() => void) | null = null
  app.on('second-instance', () => showWindow?.())
  app.on('activate', () => showWindow?.()) // macOS: a click on the dock icon

  // As in the CLI: variables already set win over ./.env; the config dir's .env is read by the server.
  const env = withDotEnv(process.env, join(process.cwd(), '.env'))
  const configDir = env.LANGFLOW_CONFIG_DIR ? resolve(env.LANGFLOW_CONFIG_DIR) : app.getPath('userData')

  // The server starts while Electron gets ready; it needs nothing from Electron.
  const ready = app.whenReady()
  let started: { server: AuthServer; url: string }
  try {
    started = await startServer(env, configDir)
  } catch (err) {
    return failToStart(err)
  }
  const { server, url } = started
  // The first key of a new config dir is generated after listening; if it cannot be written (a
  // full disk), nothing could log in: stop as the CLI does, with the message in a dialog.
  server.core.keys.pending()?.catch(async (err: unknown) => {
    await server.close().catch(() => {})
    await failToStart(err)
  })

  const lifecycle = createLifecycle({
    app,
    server,
    openWindow: () => createConsoleWindow(`${url}/`),
    settings: readDesktopSettings(configDir, (message) => console.warn(`authdock: ${message}`)),
    saveSettings: (settings) => writeDesktopSettings(configDir, settings),
    log: (message, err) => console.error(`authdock: ${message}`, err),
  })
  app.on('before-quit', (event) => lifecycle.onBeforeQuit(event))
  app.on('window-all-closed', () => lifecycle.onWindowAllClosed())
  // `npm start` runs the app in a process group of its own: a launcher killed outright relays no
  // signal, and its pipe closing is the only notice. Quit as the tray's Quit does.
  watchLauncher(process.env, () => void ready.then(() => app.quit()))

  await ready
  registerHandlers(
    ipcMain,
    new URL(url).origin,
    createDesktopHandlers({
      configDir,
      openPath: (path) => shell.openPath(path),
      writeClipboard: (text) => clipboard.writeText(text),
      setupCode: () => server.setupCode(),
      quitOnClose: lifecycle.quitOnClose,
      setQuitOnClose: lifecycle.setQuitOnClose,
    }),
  )
  lifecycle.setTray(createTray(url, lifecycle.showWindow))
  showWindow = lifecycle.showWindow
  showWindow()
}

function createTray(url: string, onClick: () => void): TrayLike {
  const tray = new Tray(nativeImage.createFromPath(TRAY_ICON))
  tray.setToolTip(`authdock: auth server on ${url}`)
  // Windows opens the menu on a right click only; a left click brings the console back.
  tray.on('click', onClick)
  // The returned object keeps `tray` referenced: a collected Tray disappears from the screen.
  return { setMenu: (items) => tray.setContextMenu(Menu.buildFromTemplate([...items])) }
}

async function startServer(env: Env, configDir: string): Promise<{ server: AuthServer; url: string }> {
  const server = await createAuthServer({ configDir, env, consoleDir: CONSOLE_DIR })
  try {
    // AUTHDOCK_PORT when set (validated by the server's config); else any free port, so that a
    // headless server on the default port, or another profile, never blocks the desktop app.
    const { config } = server.core
    const { url } = await server.listen(config.sources.AUTHDOCK_PORT === 'env' ? config.port : 0, HOST)
    return { server, url }
  } catch (err) {
    await server.close()
    throw err
  }
}

async function failToStart(err: unknown): Promise<void> {
  // A ConfigError's message is written for the operator; anything else also gets its stack.
  if (!(err instanceof ConfigError)) console.error(err)
  // After ready, so that Linux shows a dialog rather than printing to stderr.
  await app.whenReady()
  dialog.showErrorBox('authdock could not start', err instanceof Error ? err.message : String(err))
  app.exit(1)
}
