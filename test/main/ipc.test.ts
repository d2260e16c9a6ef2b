// The desktop bridge's IPC: every channel registered, only the console's frames answered, and
// each argument validated before anything happens. Drives registerHandlers() through a fake ipcMain.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { COPY_MAX_BYTES, createDesktopHandlers } from '../../src/main/ipc/desktop.ts'
import { isTrustedSender, registerHandlers } from '../../src/main/ipc/handle.ts'
import type { IpcMainLike, InvokeEventLike } from '../../src/main/ipc/handle.ts'
import { AuthError } from '../../src/server/core/errors.ts'
import type { DesktopChannel } from '../../src/shared/ipc.ts'

const ORIGIN = 'http://127.0.0.1:41234'
const CONSOLE = `${ORIGIN}/users`
const CHANNELS: DesktopChannel[] = [
  'setup:code',
  'desktop:open-config-dir',
  'desktop:copy',
  'desktop:get-quit-on-close',
  'desktop:set-quit-on-close',
]

function harness(options: { openPathFails?: string } = {}) {
  const listeners = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>()
  const ipc: IpcMainLike = {
    handle: (channel, listener) => void listeners.set(channel, listener),
    removeHandler: (channel) => void listeners.delete(channel),
  }
  const clipboard: string[] = []
  const opened: string[] = []
  let quitOnClose = false
  const unregister = registerHandlers(
    ipc,
    ORIGIN,
    createDesktopHandlers({
      configDir: 'config-dir',
      openPath: async (path) => {
        opened.push(path)
        return options.openPathFails ?? ''
      },
      writeClipboard: (text) => void clipboard.push(text),
      setupCode: () => 'ABCDE-FGHJK-MNPQR',
      quitOnClose: () => quitOnClose,
      setQuitOnClose: (value) => void (quitOnClose = value),
    }),
  )
  /** What ipcRenderer.invoke(channel, ...args) from a frame at `frameUrl` gets (null: frame gone). */
  async function invoke(frameUrl: string | null, channel: string, ...args: unknown[]): Promise<unknown> {
    const listener = listeners.get(channel)
    assert.ok(listener, `${channel} is handled`)
    return listener({ senderFrame: frameUrl === null ? null : { url: frameUrl } }, ...args)
  }
  return { listeners, unregister, invoke, clipboard, opened, quitOnClose: () => quitOnClose }
}

const rejectsWith = (promise: Promise<unknown>, code: string) =>
  assert.rejects(promise, (err: unknown) => err instanceof AuthError && err.code === code)

test('every channel of the contract is handled, and the undo removes them all', () => {
  const h = harness()
  assert.deepEqual([...h.listeners.keys()].sort(), [...CHANNELS].sort())
  h.unregister()
  assert.equal(h.listeners.size, 0)
})

test('the console frame gets its answers', async () => {
  const h = harness()
  assert.equal(await h.invoke(CONSOLE, 'setup:code'), 'ABCDE-FGHJK-MNPQR')
  await h.invoke(CONSOLE, 'desktop:copy', 'a public key')
  assert.deepEqual(h.clipboard, ['a public key'])
  await h.invoke(CONSOLE, 'desktop:open-config-dir')
  assert.deepEqual(h.opened, ['config-dir'])
  assert.equal(await h.invoke(CONSOLE, 'desktop:get-quit-on-close'), false)
  await h.invoke(CONSOLE, 'desktop:set-quit-on-close', true)
  assert.equal(await h.invoke(CONSOLE, 'desktop:get-quit-on-close'), true)
})

test('frames from anywhere but the console are refused before the handler runs', async () => {
  const h = harness()
  const strangers = [
    'https://evil.example/',
    'http://127.0.0.1:41235/', // another local server
    'http://localhost:41234/', // same server, different origin
    'https://127.0.0.1:41234/',
    'about:blank',
    'not a url',
    null, // the frame has navigated or been destroyed
  ]
  for (const frame of strangers) {
    for (const channel of CHANNELS) {
      const args = channel === 'desktop:copy' ? ['secret'] : channel === 'desktop:set-quit-on-close' ? [true] : []
      await rejectsWith(h.invoke(frame, channel, ...args), 'FORBIDDEN')
    }
  }
  assert.deepEqual(h.clipboard, [])
  assert.deepEqual(h.opened, [])
  assert.equal(h.quitOnClose(), false)
})

test('isTrustedSender: the console origin only', () => {
  assert.equal(isTrustedSender(`${ORIGIN}/`, ORIGIN), true)
  assert.equal(isTrustedSender(`${ORIGIN}/sessions?id=1#x`, ORIGIN), true)
  assert.equal(isTrustedSender(undefined, ORIGIN), false)
  assert.equal(isTrustedSender('', ORIGIN), false)
  assert.equal(isTrustedSender('http://127.0.0.1:41234.evil.example/', ORIGIN), false)
  assert.equal(isTrustedSender('http://127.0.0.1/', ORIGIN), false)
})

test('desktop:copy takes one string of at most 64 KiB of UTF-8', async () => {
  const h = harness()
  for (const args of [[], [42], [{ text: 'x' }], [null], [undefined], ['a', 'b']]) {
    await rejectsWith(h.invoke(CONSOLE, 'desktop:copy', ...args), 'INVALID_INPUT')
  }
  // Measured in bytes: under 64 Ki characters, but over 64 KiB once encoded.
  const wide = 'é'.repeat(COPY_MAX_BYTES / 2 + 1)
  assert.ok(wide.length < COPY_MAX_BYTES)
  await rejectsWith(h.invoke(CONSOLE, 'desktop:copy', wide), 'INVALID_INPUT')
  await rejectsWith(h.invoke(CONSOLE, 'desktop:copy', 'x'.repeat(COPY_MAX_BYTES + 1)), 'INVALID_INPUT')
  assert.deepEqual(h.clipboard, [])
  const largest = 'x'.repeat(COPY_MAX_BYTES)
  await h.invoke(CONSOLE, 'desktop:copy', largest)
  await h.invoke(CONSOLE, 'desktop:copy', '')
  assert.deepEqual(h.clipboard, [largest, ''])
})

test('desktop:set-quit-on-close takes exactly one boolean', async () => {
  const h = harness()
  for (const args of [[], ['true'], [1], [null], [{}], [true, true]]) {
    await rejectsWith(h.invoke(CONSOLE, 'desktop:set-quit-on-close', ...args), 'INVALID_INPUT')
  }
  assert.equal(h.quitOnClose(), false)
  await h.invoke(CONSOLE, 'desktop:set-quit-on-close', true)
  assert.equal(h.quitOnClose(), true)
})

test('channels without arguments refuse any', async () => {
  const h = harness()
  for (const channel of ['setup:code', 'desktop:open-config-dir', 'desktop:get-quit-on-close']) {
    await rejectsWith(h.invoke(CONSOLE, channel, 'extra'), 'INVALID_INPUT')
  }
  assert.deepEqual(h.opened, [])
})

test('desktop:open-config-dir rejects with the reason the system could not open it', async () => {
  const h = harness({ openPathFails: 'Failed to open path' })
  await assert.rejects(h.invoke(CONSOLE, 'desktop:open-config-dir'), /config-dir: Failed to open path/)
})
