// Worker thread for bcryptjs: hashing and comparing here keeps slow, deliberately costly work off
// the server's event loop. Plain JavaScript so it loads the same from source (tsx) and from the
// Electron bundle, where it is built next to the main entry.

import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'
import { parentPort } from 'node:worker_threads'
import bcrypt from 'bcryptjs'

// On Linux a thread has its own nice value. When bcrypt and the event loop share a core, nice 10
// gives this thread about a tenth of it (CFS weights 110 : 1024): requests keep their latency and
// logins still progress; at 19 a saturated server finished no login at all (bench/README.md).
// Elsewhere, or where not permitted, the thread simply keeps the process's priority.
const WORKER_NICE = 10
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
  if (Number.isInteger(tid)) setPriority(tid, WORKER_NICE)
} catch {
  // no /proc (macOS, Windows): nothing to do
}

parentPort?.on('message', async (task) => {
  try {
    const result =
      task.op === 'hash' ? await bcrypt.hash(task.password, task.cost) : await bcrypt.compare(task.password, task.hash)
    parentPort?.postMessage({ id: task.id, result })
  } catch (err) {
    parentPort?.postMessage({ id: task.id, error: err instanceof Error ? err.message : String(err) })
  }
})
