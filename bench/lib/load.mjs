// The load generator, run by run.mjs as its own process pinned to the other core: autocannon's
// API (so that refresh can chain tokens); the first warmupSeconds of the run are not counted.
// Latency percentiles come from every response's own timing (autocannon's histogram is in whole
// milliseconds). Usage: node load.mjs '<json options>'; prints one JSON line.
//
// Options: url, path, method, headers, body, connections, seconds, warmupSeconds,
//          refreshTokensFile (refresh mode: a JSON array of refresh tokens, each sent once; every
//          answer's refresh_token goes back to the pool, so every request carries a token never used).

import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'

const opts = JSON.parse(process.argv[2])

const pool = opts.refreshTokensFile ? JSON.parse(readFileSync(opts.refreshTokensFile, 'utf8')) : null
let starved = 0
let lostTokens = 0

function requestsFor() {
  if (pool === null) return undefined
  return [{
    method: 'POST',
    path: opts.path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    setupRequest(req) {
      const token = pool.shift()
      if (token === undefined) starved += 1 // cannot happen with more tokens than connections
      return { ...req, body: `refresh_token=${encodeURIComponent(token ?? 'pool-starved')}` }
    },
    onResponse(status, body) {
      if (status !== 200) return void (lostTokens += 1)
      try {
        pool.push(JSON.parse(body).refresh_token)
      } catch {
        lostTokens += 1
      }
    },
  }]
}

// One autocannon run of warm-up + measured seconds; only responses completed after the warm-up
// count. (Two runs would drop the refresh tokens in flight when the first one stops.)
function run(warmupSeconds, seconds) {
  return new Promise((resolve, reject) => {
    const latencies = []
    const statuses = {}
    let ok = 0
    const t0 = performance.now()
    const from = t0 + warmupSeconds * 1000
    const windowStart = Date.now() + warmupSeconds * 1000
    const instance = autocannon({
      url: opts.url + opts.path,
      method: opts.method ?? 'GET',
      headers: opts.headers ?? {},
      body: opts.body,
      connections: opts.connections ?? 50,
      duration: warmupSeconds + seconds,
      timeout: 30,
      requests: requestsFor(),
    }, (err, result) => {
      if (err) return reject(err)
      resolve({ result, latencies, statuses, ok, elapsedS: (performance.now() - from) / 1000, window: [windowStart, Date.now()] })
    })
    instance.on('response', (_client, status, _bytes, ms) => {
      if (performance.now() < from) return
      statuses[status] = (statuses[status] ?? 0) + 1
      if (status >= 200 && status < 300) {
        ok += 1
        latencies.push(ms)
      }
    })
  })
}

const pct = (sorted, p) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))])

const { result, latencies, statuses, ok, elapsedS, window } = await run(opts.warmupSeconds ?? 0, opts.seconds)
const sorted = Float64Array.from(latencies).sort()
const mean = sorted.length === 0 ? null : sorted.reduce((a, b) => a + b, 0) / sorted.length
process.stdout.write(JSON.stringify({
  rps: ok / elapsedS,
  ok,
  measured: Object.values(statuses).reduce((a, b) => a + b, 0),
  failed: Object.entries(statuses).filter(([code]) => !code.startsWith('2')).reduce((a, [, n]) => a + n, 0),
  errors: result.errors,
  timeouts: result.timeouts,
  statuses,
  p50: pct(sorted, 50),
  p90: pct(sorted, 90),
  p99: pct(sorted, 99),
  max: sorted.length === 0 ? null : sorted[sorted.length - 1],
  mean,
  elapsedS,
  window, // the measured window, epoch ms
  ...(pool === null ? {} : { starved, lostTokens, poolLeft: pool.length }),
}) + '\n')
