// Scenario 3's floor: bcryptjs's own cost, in process, no HTTP. Run by run.mjs pinned to the
// server's core while nothing else runs there. Usage: node bcrypt-cost.mjs COST N; prints one JSON
// line with the median of N compareSync and of N (async) compare of a right password.

import bcrypt from 'bcryptjs'

const cost = Number(process.argv[2] ?? 12)
const n = Number(process.argv[3] ?? 9)
const password = 'bench-password-123'
const hash = bcrypt.hashSync(password, cost)
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const sync = []
for (let i = 0; i < n; i++) {
  const t = performance.now()
  if (!bcrypt.compareSync(password, hash)) throw new Error('compareSync failed')
  sync.push(performance.now() - t)
}
const async_ = []
for (let i = 0; i < n; i++) {
  const t = performance.now()
  if (!(await bcrypt.compare(password, hash))) throw new Error('compare failed')
  async_.push(performance.now() - t)
}
process.stdout.write(JSON.stringify({ cost, n, compareSyncMs: median(sync), compareMs: median(async_) }) + '\n')
