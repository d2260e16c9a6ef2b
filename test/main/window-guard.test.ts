// guardContents on a fake WebContents and Session: what each Electron hook it sets decides.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CONSOLE_CSP } from '../../src/main/content-policy.ts'
import { guardContents } from '../../src/main/window-guard.ts'
import type { ContentsLike, NavigationEventLike, SessionLike } from '../../src/main/window-guard.ts'

const ORIGIN = 'http://127.0.0.1:41234'

type Listener = (event: NavigationEventLike) => void
type BeforeRequest = Parameters<SessionLike['webRequest']['onBeforeRequest']>[0]
type HeadersReceived = Parameters<SessionLike['webRequest']['onHeadersReceived']>[0]

function guarded() {
  const listeners = new Map<string, Listener>()
  const hooks: {
    windowOpen?: () => { action: 'deny' }
    permissionRequest?: Parameters<SessionLike['setPermissionRequestHandler']>[0]
    permissionCheck?: () => boolean
    beforeRequest?: BeforeRequest
    headersReceived?: HeadersReceived
  } = {}
  const session: SessionLike = {
    setPermissionRequestHandler: (handler) => void (hooks.permissionRequest = handler),
    setPermissionCheckHandler: (handler) => void (hooks.permissionCheck = handler),
    webRequest: {
      onBeforeRequest: (listener) => void (hooks.beforeRequest = listener),
      onHeadersReceived: (listener) => void (hooks.headersReceived = listener),
    },
  }
  const contents: ContentsLike = {
    on: (event: string, listener: Listener) => void listeners.set(event, listener),
    setWindowOpenHandler: (handler) => void (hooks.windowOpen = handler),
    session,
  }
  guardContents(contents, ORIGIN)
  /** Emits `name` for `url`; true when the guard prevented it. */
  const emit = (name: string, url: string): boolean => {
    const listener = listeners.get(name)
    assert.ok(listener, `${name} is guarded`)
    let prevented = false
    listener({ url, preventDefault: () => void (prevented = true) })
    return prevented
  }
  return { emit, hooks }
}

test('navigation and redirects stay on the console origin, in the main frame and in subframes', () => {
  const { emit } = guarded()
  for (const name of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
    assert.equal(emit(name, `${ORIGIN}/sessions`), false, name)
    assert.equal(emit(name, 'https://evil.example/'), true, name)
    assert.equal(emit(name, 'http://localhost:41234/'), true, name)
    assert.equal(emit(name, 'file:///etc/passwd'), true, name)
  }
})

test('webviews are never attached, popups never open, permissions are never granted', () => {
  const { emit, hooks } = guarded()
  assert.equal(emit('will-attach-webview', `${ORIGIN}/`), true)
  assert.deepEqual(hooks.windowOpen?.(), { action: 'deny' })
  const answers: boolean[] = []
  hooks.permissionRequest?.({}, 'notifications', (granted) => answers.push(granted))
  hooks.permissionRequest?.({}, 'clipboard-read', (granted) => answers.push(granted))
  assert.deepEqual(answers, [false, false])
  assert.equal(hooks.permissionCheck?.(), false)
})

test('the session cancels requests that leave the console origin', () => {
  const { hooks } = guarded()
  const cancelled = (url: string) => {
    let response: { cancel?: boolean } | undefined
    hooks.beforeRequest?.({ url }, (r) => void (response = r))
    assert.ok(response, 'the callback is always called, or the request would hang')
    return response.cancel
  }
  assert.equal(cancelled(`${ORIGIN}/api/v1/users`), false)
  assert.equal(cancelled('https://cdn.example/lib.js'), true)
})

test('the session adds the CSP to console responses lacking one, and leaves others alone', () => {
  const { hooks } = guarded()
  const respond = (url: string, responseHeaders?: Record<string, string[]>) => {
    let response: { responseHeaders?: Record<string, string[]> } | undefined
    hooks.headersReceived?.({ url, responseHeaders }, (r) => void (response = r))
    assert.ok(response, 'the callback is always called, or the response would hang')
    return response
  }
  assert.deepEqual(respond(`${ORIGIN}/`, { 'content-type': ['text/html'] }).responseHeaders, {
    'content-type': ['text/html'],
    'Content-Security-Policy': [CONSOLE_CSP],
  })
  assert.deepEqual(respond(`${ORIGIN}/`)?.responseHeaders?.['Content-Security-Policy'], [CONSOLE_CSP])
  assert.deepEqual(respond(`${ORIGIN}/`, { 'content-security-policy': ["default-src 'none'"] }), {})
  assert.deepEqual(respond('devtools://devtools/bundled/devtools_app.html', {}), {})
})
