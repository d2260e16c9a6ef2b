// The pipe from the launcher (scripts/start.mjs) that tells the server or app it started that the
// launcher is gone: killed without passing on a signal (SIGKILL, the OOM killer, a supervisor's hard
// stop), it leaves its child running in a process group of its own, holding the port and the lock.

import { fstatSync } from 'node:fs'
import { Socket } from 'node:net'

/** Set by the launcher in its child's environment: the number of the child's end of the pipe. */
export const LAUNCHER_FD_VARIABLE = 'AUTHDOCK_LAUNCHER_FD'

/**
 * Calls `onGone` once when the launcher's end of the pipe closes (the kernel closes it however the
 * launcher dies). Does nothing for a process no launcher started: no variable, or one that names
 * no pipe (a stale export in a shell must not stop a server started by hand).
 */
export function watchLauncher(env: Readonly<Record<string, string | undefined>>, onGone: () => void): void {
  const value = env[LAUNCHER_FD_VARIABLE]
  if (value === undefined || !/^\d{1,4}$/.test(value)) return
  const fd = Number(value)
  try {
    const stat = fstatSync(fd)
    if (!stat.isSocket() && !stat.isFIFO()) return
  } catch {
    return // not open in this process
  }
  const pipe = new Socket({ fd, readable: true, writable: false })
  let gone = false
  const once = () => {
    if (gone) return
    gone = true
    pipe.destroy()
    onGone()
  }
  // The launcher never writes: anything read is dropped, and only the end of the stream counts.
  pipe.on('data', () => {})
  pipe.once('end', once)
  pipe.once('close', once)
  pipe.once('error', once)
  // Never what keeps the process alive: a server that is closing exits without waiting on it.
  pipe.unref()
}
