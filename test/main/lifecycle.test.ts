// The tray/close/quit decisions, driven through fakes of Electron's app, window and tray that
// behave as Electron does: quit() emits before-quit, closing the last window emits window-all-closed.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { DesktopSettings } from '../../src/main/desktop-settings.ts'
import { TRAY_LABELS, createLifecycle } from '../../src/main/lifecycle.ts'
import type { Lifecycle, TrayMenuItem, WindowLike } from '../../src/main/lifecycle.ts'

class FakeWindow implements WindowLike {
  destroyed = false
  minimized = false
  readonly calls: string[] = []
  private closedListeners: Array<() => void> = []
  isDestroyed = () => this.destroyed
  isMinimized = () => this.minimized
  restore = () => void this.calls.push('restore')
  show = () => void this.calls.push('show')
  focus = () => void this.calls.push('focus')
  once(_event: 'closed', listener: () => void): void {
    this.closedListeners.push(listener)
  }
  /** What Electron does when the user closes it: destroyed, then 'closed'. */
  close(): void {
    this.destroyed = true
    for (const listener of this.closedListeners.splice(0)) listener()
  }
}

function harness(options: { quitOnClose?: boolean; tray?: boolean; closeFails?: boolean; saveFails?: boolean } = {}) {
  const windows: FakeWindow[] = []
  const exits: number[] = []
  const saved: DesktopSettings[] = []
  const logs: string[] = []
  const menus: Array<readonly TrayMenuItem[]> = []
  let quitRequests = 0
  let serverCloses = 0
  let finishClose: () => void = () => assert.fail('server.close() not called')
  const lifecycle: Lifecycle = createLifecycle({
    app: {
      quit() {
        quitRequests++
        const event = { prevented: false, preventDefault: () => void (event.prevented = true) }
        lifecycle.onBeforeQuit(event)
        assert.ok(event.prevented, 'before-quit must hold the quit until the server has closed')
      },
      exit: (code) => void exits.push(code),
    },
    server: {
      close() {
        serverCloses++
        return new Promise<void>((resolve, reject) => {
          finishClose = options.closeFails ? () => reject(new Error('disk gone')) : resolve
        })
      },
    },
    openWindow() {
      const win = new FakeWindow()
      windows.push(win)
      return win
    },
    settings: { quitOnClose: options.quitOnClose ?? false },
    saveSettings(settings) {
      if (options.saveFails) throw new Error('read-only config dir')
      saved.push(settings)
    },
    log: (message) => void logs.push(message),
  })
  if (options.tray ?? true) lifecycle.setTray({ setMenu: (items) => void menus.push(items) })
  return {
    lifecycle,
    windows,
    exits,
    saved,
    logs,
    menus,
    get quitRequests() {
      return quitRequests
    },
    get serverCloses() {
      return serverCloses
    },
    finishClose: () => finishClose(),
    /** The user closes the only window: Electron then emits window-all-closed. */
    closeWindow(win: FakeWindow) {
      win.close()
      lifecycle.onWindowAllClosed()
    },
    menuItem(label: string): TrayMenuItem {
      const item = menus.at(-1)?.find((i) => i.label === label)
      assert.ok(item, `tray menu has "${label}"`)
      return item
    },
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

test('closing the window with quit-on-close off keeps the app and its server running in the tray', async () => {
  const h = harness()
  h.lifecycle.showWindow()
  assert.equal(h.windows.length, 1)
  h.closeWindow(h.windows[0] as FakeWindow)
  await settle()
  assert.equal(h.quitRequests, 0)
  assert.equal(h.serverCloses, 0)
  assert.deepEqual(h.exits, [])
  // The tray's Open console brings back a new window, the closed one being gone.
  h.menuItem(TRAY_LABELS.open).click?.()
  assert.equal(h.windows.length, 2)
})

test('closing the window with quit-on-close on quits, closing the server and then exiting 0', async () => {
  const h = harness({ quitOnClose: true })
  h.lifecycle.showWindow()
  h.closeWindow(h.windows[0] as FakeWindow)
  assert.equal(h.quitRequests, 1)
  assert.equal(h.serverCloses, 1)
  await settle()
  assert.deepEqual(h.exits, [], 'no exit before the server has closed')
  h.finishClose()
  await settle()
  assert.deepEqual(h.exits, [0])
})

test('without a tray, closing the window quits whatever the setting says', () => {
  const h = harness({ tray: false })
  h.lifecycle.showWindow()
  h.closeWindow(h.windows[0] as FakeWindow)
  assert.equal(h.quitRequests, 1)
})

test('quit closes the server once even when requested twice, and exits once', async () => {
  const h = harness()
  h.lifecycle.showWindow()
  h.closeWindow(h.windows[0] as FakeWindow) // into the tray
  h.menuItem(TRAY_LABELS.quit).click?.()
  h.menuItem(TRAY_LABELS.quit).click?.()
  assert.equal(h.quitRequests, 2)
  assert.equal(h.serverCloses, 1)
  h.finishClose()
  await settle()
  assert.deepEqual(h.exits, [0])
  // A launch during shutdown opens nothing.
  h.lifecycle.showWindow()
  assert.equal(h.windows.length, 1)
})

test('a server that fails to close is logged and the app exits 1', async () => {
  const h = harness({ closeFails: true })
  h.menuItem(TRAY_LABELS.quit).click?.()
  h.finishClose()
  await settle()
  assert.deepEqual(h.exits, [1])
  assert.match(h.logs.join('\n'), /closing the auth server/)
})

test('a second launch restores and focuses the open window, or recreates a closed one', () => {
  const h = harness()
  h.lifecycle.showWindow()
  const first = h.windows[0] as FakeWindow
  first.minimized = true
  h.lifecycle.showWindow()
  assert.equal(h.windows.length, 1)
  assert.deepEqual(first.calls, ['restore', 'show', 'focus'])

  h.closeWindow(first)
  h.lifecycle.showWindow()
  assert.equal(h.windows.length, 2)
  const second = h.windows[1] as FakeWindow
  h.lifecycle.showWindow()
  assert.equal(h.windows.length, 2)
  assert.deepEqual(second.calls, ['show', 'focus'])
})

test('the tray menu: Open console, the quit-on-close checkbox, Quit', () => {
  const h = harness()
  const labels = h.menus.at(-1)?.map((item) => item.label ?? item.type)
  assert.deepEqual(labels, [TRAY_LABELS.open, TRAY_LABELS.quitOnClose, 'separator', TRAY_LABELS.quit])
  assert.equal(h.menuItem(TRAY_LABELS.quitOnClose).checked, false)
})

test('the tray checkbox saves quit-on-close, redraws the menu, and the next close quits', () => {
  const h = harness()
  h.lifecycle.showWindow()
  h.menuItem(TRAY_LABELS.quitOnClose).click?.()
  assert.deepEqual(h.saved, [{ quitOnClose: true }])
  assert.equal(h.lifecycle.quitOnClose(), true)
  assert.equal(h.menuItem(TRAY_LABELS.quitOnClose).checked, true)
  h.closeWindow(h.windows[0] as FakeWindow)
  assert.equal(h.quitRequests, 1)
})

test('a setting that cannot be saved stays as it was: the tray logs and redraws, the API throws', () => {
  const h = harness({ saveFails: true })
  const menusBefore = h.menus.length
  h.menuItem(TRAY_LABELS.quitOnClose).click?.()
  assert.equal(h.lifecycle.quitOnClose(), false)
  assert.equal(h.menus.length, menusBefore + 1)
  assert.equal(h.menuItem(TRAY_LABELS.quitOnClose).checked, false)
  assert.match(h.logs.join('\n'), /cannot save/)
  assert.throws(() => h.lifecycle.setQuitOnClose(true), /read-only/)
  assert.equal(h.lifecycle.quitOnClose(), false)
})

test('a window already destroyed but not yet reported closed is replaced, not called', () => {
  const h = harness()
  h.lifecycle.showWindow()
  const first = h.windows[0] as FakeWindow
  first.destroyed = true // Electron throws on any call to a destroyed BrowserWindow
  h.lifecycle.showWindow()
  assert.deepEqual(first.calls, [])
  assert.equal(h.windows.length, 2)
})
