// The IPC contract between main and preload: channel names, their signatures, and window.desktop.

/** Channels the console may invoke, keyed by name, with the main-side handler's signature. */
export interface DesktopApi {
  /** The first-run setup code while no user exists, else null. Never sent over HTTP. */
  'setup:code': () => Promise<string | null>
}

export type DesktopChannel = keyof DesktopApi

/** What the preload exposes to the console as `window.desktop`. */
export interface DesktopBridge {
  setupCode: DesktopApi['setup:code']
}
