// Loaded with --import before the CLI: a full disk for Node's own writes to files whose path
// matches FAULTS_ENOSPC (a regex), as a real one fails them: open succeeds, write gets ENOSPC.
// SQLite writes through its own C code and is not affected. Plain JS: worker threads load it too.

import fs from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'

const pattern = process.env.FAULTS_ENOSPC
if (pattern !== undefined) {
  const match = new RegExp(pattern)
  const full = new Set()
  const { openSync, writeSync, closeSync } = fs
  fs.openSync = (path, ...rest) => {
    const fd = openSync(path, ...rest)
    if (match.test(String(path))) full.add(fd)
    return fd
  }
  fs.writeSync = (fd, ...rest) => {
    if (full.has(fd)) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' })
    return writeSync(fd, ...rest)
  }
  fs.closeSync = (fd) => {
    full.delete(fd)
    closeSync(fd)
  }
  // Named imports of node:fs (import { writeSync } from 'node:fs') see the patched functions too.
  syncBuiltinESMExports()
}
