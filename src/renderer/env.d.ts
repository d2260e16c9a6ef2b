// Ambient types for the console: Vite's asset imports, and the bridge the desktop preload adds.
/// <reference types="vite/client" />

import type { DesktopBridge } from '../shared/ipc.ts'

declare global {
  interface Window {
    /** Present only inside the desktop app; a plain browser has no preload. */
    readonly desktop?: DesktopBridge
  }
}
