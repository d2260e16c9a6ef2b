// Electron main: app lifecycle only. One instance, the embedded auth server in-process, one window on it.

import { join, resolve } from 'node:path'
import { app, dialog } from 'electron'
import type { BrowserWindow } from 'electron'
import type { Env } from '../server/core/config.ts'
import { withDotEnv } from '../server/core/config-dir.ts'
import { ConfigError, createAuthServer } from '../server/index.ts'
import type { AuthServer } from '../server/index.ts'
import { registerSetupIpc } from './ipc/setup.ts'
import { createConsoleWindow } from './window.ts'

// The built console (out/renderer, beside this bundle's out/main), served by the server at `/`.
const CONSOLE_DIR = join(import.meta.dirname, '../renderer')
// Loopback only, whatever AUTHDOCK_HOST says: the desktop app's own window is its client.
// To serve other machines, run the headless server (`npm run serve`) instead.
const HOST = '127.0.0.1'

// Before anything reads app.getPath('userData'), which is named after the app.
app.setName('authdock')

if (app.requestSingleInstanceLock()) {
  void run()
} else {
  // The first instance gets 'second-instance' and focuses its window; this one just leaves.
  app.exit(0)
}

async function run(): Promise<void> {
  let consoleWindow: BrowserWindow | null = null
  app.on('second-instance', () => {
    if (consoleWindow === null) return
    if (consoleWindow.isMinimized()) consoleWindow.restore()
    consoleWindow.focus()
  })

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

  let stopping = false
  app.on('before-quit', (event) => {
    // Hold the quit until in-flight requests finish and the database is closed; app.exit() then
    // ends the app without emitting before-quit again.
    event.preventDefault()
    if (stopping) return
    stopping = true
    server.close().then(
      () => app.exit(0),
      (err: unknown) => {
        console.error('authdock: error while closing the auth server:', err)
        app.exit(1)
      },
    )
  })
  // The window is the app: closing it stops the server rather than leaving one running unseen.
  app.on('window-all-closed', () => app.quit())

  await ready
  registerSetupIpc(server, new URL(url).origin)
  consoleWindow = createConsoleWindow(`${url}/`)
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
