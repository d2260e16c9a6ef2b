// The desktop app's lifecycle decisions: closing into the tray or quitting, the tray menu, a second
// launch, and a quit that closes the embedded server exactly once. Electron comes in as arguments.

import type { DesktopSettings } from './desktop-settings.ts'

export interface AppLike {
  quit(): void
  exit(exitCode: number): void
}

/** What the lifecycle needs of the console window (a BrowserWindow in the app). */
export interface WindowLike {
  isDestroyed(): boolean
  isMinimized(): boolean
  restore(): void
  show(): void
  focus(): void
  once(event: 'closed', listener: () => void): unknown
}

/** A tray menu entry; main turns these into an Electron Menu. */
export interface TrayMenuItem {
  readonly label?: string
  readonly type?: 'normal' | 'checkbox' | 'separator'
  readonly checked?: boolean
  readonly click?: () => void
}

export interface TrayLike {
  setMenu(items: readonly TrayMenuItem[]): void
}

export interface LifecycleDeps {
  readonly app: AppLike
  readonly server: { close(): Promise<void> }
  /** Creates the console window; it shows itself once its page is ready. */
  readonly openWindow: () => WindowLike
  readonly settings: DesktopSettings
  /** Persists the settings; throws when it cannot, and the old value then stays in force. */
  readonly saveSettings: (settings: DesktopSettings) => void
  readonly log: (message: string, err?: unknown) => void
}

export const TRAY_LABELS = Object.freeze({
  open: 'Open console',
  quitOnClose: 'Quit when the window closes',
  quit: 'Quit',
})

export function createLifecycle(deps: LifecycleDeps) {
  const { app, server, log } = deps
  let settings = deps.settings
  let window: WindowLike | null = null
  let tray: TrayLike | null = null
  let stopping = false

  function showWindow(): void {
    if (stopping) return
    if (window === null || window.isDestroyed()) {
      // Closed into the tray: the window was destroyed (its renderer's memory freed), so reopen it.
      const opened = deps.openWindow()
      window = opened
      opened.once('closed', () => {
        if (window === opened) window = null
      })
      return
    }
    if (window.isMinimized()) window.restore()
    window.show()
    window.focus()
  }

  function setQuitOnClose(quitOnClose: boolean): void {
    const next = Object.freeze({ ...settings, quitOnClose })
    deps.saveSettings(next)
    settings = next
    refreshTray()
  }

  function trayMenu(): TrayMenuItem[] {
    return [
      { label: TRAY_LABELS.open, click: showWindow },
      {
        label: TRAY_LABELS.quitOnClose,
        type: 'checkbox',
        checked: settings.quitOnClose,
        click: () => {
          try {
            setQuitOnClose(!settings.quitOnClose)
          } catch (err) {
            log('cannot save the desktop settings:', err)
            refreshTray() // Electron already flipped the checkbox: put back what is in force
          }
        },
      },
      { type: 'separator' },
      { label: TRAY_LABELS.quit, click: () => app.quit() },
    ]
  }

  function refreshTray(): void {
    tray?.setMenu(trayMenu())
  }

  return {
    /** Second launch, tray "Open console", dock click: bring the window back, recreating it if closed. */
    showWindow,
    setTray(next: TrayLike): void {
      tray = next
      refreshTray()
    },
    quitOnClose: (): boolean => settings.quitOnClose,
    setQuitOnClose,
    onWindowAllClosed(): void {
      // Without a tray there would be no way back to a running app but a second launch, and
      // nothing to quit it with: quit as if the setting said so.
      if (settings.quitOnClose || tray === null) app.quit()
    },
    /** Holds every quit until the server has closed (requests finished, database closed), then exits. */
    onBeforeQuit(event: { preventDefault(): void }): void {
      // app.exit() below ends the app without emitting before-quit again; a second quit request
      // (tray Quit twice, Cmd+Q during shutdown) must not close the server twice.
      event.preventDefault()
      if (stopping) return
      stopping = true
      server.close().then(
        () => app.exit(0),
        (err: unknown) => {
          log('error while closing the auth server:', err)
          app.exit(1)
        },
      )
    },
  }
}

export type Lifecycle = ReturnType<typeof createLifecycle>
