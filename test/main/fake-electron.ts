// A stand-in for the parts of Electron that src/main uses, run inside a forked child so that
// src/main/index.ts executes unchanged. It reports to the parent test over the fork channel and
// obeys its commands (close the window, launch again, click the tray, invoke over IPC).

import { EventEmitter } from 'node:events'

export type ChildReport =
  | { type: 'window'; url: string; webPreferences: Record<string, unknown>; guards: string[] }
  | { type: 'tray-menu'; items: Array<{ label?: string; type?: string; checked?: boolean }> }
  | { type: 'reply'; id: number; ok: boolean; value?: unknown; error?: string }
  | { type: 'error-box'; title: string; content: string }

export type ParentCommand =
  | { type: 'close-window' }
  | { type: 'second-instance' }
  | { type: 'tray'; label: string }
  | { type: 'invoke'; id: number; frameUrl: string; channel: string; args: unknown[] }

interface MenuItem {
  label?: string
  type?: string
  checked?: boolean
  click?: () => void
}

const report = (message: ChildReport) => process.send?.(message)

function preventable() {
  const event = { defaultPrevented: false, preventDefault: () => void (event.defaultPrevented = true) }
  return event
}

class FakeApp extends EventEmitter {
  setName(): void {}
  requestSingleInstanceLock(): boolean {
    return true
  }
  getPath(name: string): string {
    throw new Error(`app.getPath(${name}): the test sets LANGFLOW_CONFIG_DIR`)
  }
  whenReady(): Promise<void> {
    return Promise.resolve()
  }
  quit(): void {
    const event = preventable()
    this.emit('before-quit', event)
    if (!event.defaultPrevented) this.exit(0)
  }
  exit(code: number): never {
    process.exit(code)
  }
}
export const app = new FakeApp()

const windows: BrowserWindow[] = []

class FakeContents extends EventEmitter {
  private readonly guards: string[] = []
  readonly session = {
    setPermissionRequestHandler: () => void this.guards.push('permission-request'),
    setPermissionCheckHandler: () => void this.guards.push('permission-check'),
    webRequest: {
      onBeforeRequest: () => void this.guards.push('before-request'),
      onHeadersReceived: () => void this.guards.push('headers-received'),
    },
  }
  constructor(private readonly webPreferences: Record<string, unknown>) {
    super()
  }
  setWindowOpenHandler(): void {
    this.guards.push('window-open')
  }
  async loadURL(url: string): Promise<void> {
    const guards = [...this.guards, ...this.eventNames().map(String)].sort()
    report({ type: 'window', url, webPreferences: this.webPreferences, guards })
  }
}

export class BrowserWindow extends EventEmitter {
  readonly webContents: FakeContents
  private destroyed = false
  constructor(options: { webPreferences: Record<string, unknown> }) {
    super()
    this.webContents = new FakeContents(options.webPreferences)
    windows.push(this)
  }
  isDestroyed = () => this.destroyed
  isMinimized = () => false
  restore(): void {}
  show(): void {}
  focus(): void {}
  /** As Electron: destroyed, 'closed', then window-all-closed when it was the last one. */
  close(): void {
    this.destroyed = true
    this.emit('closed')
    if (!windows.every((w) => w.isDestroyed())) return
    // Electron quits on its own when nobody listens for window-all-closed.
    if (app.listenerCount('window-all-closed') === 0) app.quit()
    else app.emit('window-all-closed')
  }
}

let trayMenu: MenuItem[] = []
export class Tray extends EventEmitter {
  setToolTip(): void {}
  setContextMenu(items: MenuItem[]): void {
    trayMenu = items
    report({ type: 'tray-menu', items: items.map(({ label, type, checked }) => ({ label, type, checked })) })
  }
}

export const Menu = { buildFromTemplate: (items: MenuItem[]) => items }
export const nativeImage = { createFromPath: (path: string) => ({ path }) }
export const clipboard = { writeText: (_text: string) => {} }
export const shell = { openPath: async (_path: string) => '' }
export const dialog = {
  showErrorBox: (title: string, content: string) => report({ type: 'error-box', title, content }),
}

type Listener = (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => unknown
const handlers = new Map<string, Listener>()
export const ipcMain = {
  handle: (channel: string, listener: Listener) => void handlers.set(channel, listener),
  removeHandler: (channel: string) => void handlers.delete(channel),
}

process.on('message', (command: ParentCommand) => {
  if (command.type === 'close-window') windows.filter((w) => !w.isDestroyed()).at(-1)?.close()
  if (command.type === 'second-instance') app.emit('second-instance')
  if (command.type === 'tray') trayMenu.find((item) => item.label === command.label)?.click?.()
  if (command.type === 'invoke') {
    const { id } = command
    Promise.resolve()
      .then(() => {
        const listener = handlers.get(command.channel)
        if (!listener) throw new Error(`no handler for ${command.channel}`)
        return listener({ senderFrame: { url: command.frameUrl } }, ...command.args)
      })
      .then(
        (value) => report({ type: 'reply', id, ok: true, value }),
        (err: unknown) => report({ type: 'reply', id, ok: false, error: String(err) }),
      )
  }
})
