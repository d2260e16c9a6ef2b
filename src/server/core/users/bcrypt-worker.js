// Worker thread for bcryptjs: hashing and comparing here keeps slow, deliberately costly work off
// the server's event loop. Plain JavaScript so it loads the same from source (tsx) and from the
// Electron bundle, where it is built next to the main entry.

import { parentPort } from 'node:worker_threads'
import bcrypt from 'bcryptjs'

parentPort?.on('message', async (task) => {
  try {
    const result =
      task.op === 'hash' ? await bcrypt.hash(task.password, task.cost) : await bcrypt.compare(task.password, task.hash)
    parentPort?.postMessage({ id: task.id, result })
  } catch (err) {
    parentPort?.postMessage({ id: task.id, error: err instanceof Error ? err.message : String(err) })
  }
})
