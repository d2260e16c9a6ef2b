// Locks a console window's contents and session to the embedded server: no navigation, popups,
// webviews, permissions or requests elsewhere, and a CSP on every console response lacking one.

import { isAllowedRequest, withConsoleCsp } from './content-policy.ts'
import { isSameOrigin } from './same-origin.ts'

export interface NavigationEventLike {
  readonly url: string
  preventDefault(): void
}

/** The parts of an Electron Session the guard sets. */
export interface SessionLike {
  setPermissionRequestHandler(handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void): void
  setPermissionCheckHandler(handler: () => boolean): void
  readonly webRequest: {
    onBeforeRequest(listener: (details: { url: string }, callback: (response: { cancel?: boolean }) => void) => void): void
    onHeadersReceived(
      listener: (
        details: { url: string; responseHeaders?: Record<string, string[]> },
        callback: (response: { responseHeaders?: Record<string, string[]> }) => void,
      ) => void,
    ): void
  }
}

/** The parts of an Electron WebContents the guard sets. */
export interface ContentsLike {
  on(event: 'will-navigate', listener: (event: NavigationEventLike) => void): unknown
  on(event: 'will-frame-navigate', listener: (event: NavigationEventLike) => void): unknown
  on(event: 'will-redirect', listener: (event: NavigationEventLike) => void): unknown
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown
  setWindowOpenHandler(handler: () => { action: 'deny' }): void
  readonly session: SessionLike
}

export function guardContents(contents: ContentsLike, origin: string): void {
  const stayHome = (event: NavigationEventLike) => {
    if (!isSameOrigin(event.url, origin)) event.preventDefault()
  }
  // will-navigate covers the main frame (links, location changes); will-frame-navigate adds
  // subframes, and will-redirect a server-side hop elsewhere.
  contents.on('will-navigate', stayHome)
  contents.on('will-frame-navigate', stayHome)
  contents.on('will-redirect', stayHome)
  // The console embeds nothing: a <webview> would be a second, unguarded browser.
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))

  const { session } = contents
  // The console needs no camera, notifications, geolocation, clipboard reads or the like; the
  // clipboard write it needs goes over IPC.
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  // No remote content, whatever a page or a bug would fetch: only the embedded server answers.
  session.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedRequest(details.url, origin) })
  })
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = withConsoleCsp(details.url, details.responseHeaders ?? {}, origin)
    callback(headers === null ? {} : { responseHeaders: headers })
  })
}
