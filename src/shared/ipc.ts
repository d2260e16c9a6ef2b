// The IPC contract between main and preload: channel names, their signatures, and window.desktop.

/**
 * Channels the console may invoke, keyed by name, with the main-side handler's signature. Only
 * what a desktop alone can do goes here; everything else is the server's HTTP admin API.
 */
export interface DesktopApi {
  /** The first-run setup code while no user exists, else null. Never sent over HTTP. */
  'setup:code': () => Promise<string | null>
  /** Opens the config dir (database, keys, .env, desktop.json) in the system's file manager. */
  'desktop:open-config-dir': () => Promise<void>
  /** Puts `text` on the clipboard; at most 64 KiB of UTF-8, or the call is refused. */
  'desktop:copy': (text: string) => Promise<void>
  /** Whether closing the window quits the app (and its server) instead of keeping it in the tray. */
  'desktop:get-quit-on-close': () => Promise<boolean>
  /** Saves that choice in the config dir's desktop.json. */
  'desktop:set-quit-on-close': (quitOnClose: boolean) => Promise<void>
}

export type DesktopChannel = keyof DesktopApi

/** What the preload exposes to the console as `window.desktop`. */
export interface DesktopBridge {
  setupCode: DesktopApi['setup:code']
  openConfigDir: DesktopApi['desktop:open-config-dir']
  copy: DesktopApi['desktop:copy']
  getQuitOnClose: DesktopApi['desktop:get-quit-on-close']
  setQuitOnClose: DesktopApi['desktop:set-quit-on-close']
}
