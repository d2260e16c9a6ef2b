// The origin check shared by the window's navigation guard and the IPC sender check.

/** Whether `url` parses and belongs to `origin` (scheme, host and port all equal). */
export function isSameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin
  } catch {
    return false
  }
}
