// The load generator of scenario 1 when Debian's `wrk` is installed: a C load generator that keeps
// 50 connections busy with a fraction of the CPU autocannon needs, so the server rather than the
// load sets the pace (autocannon tops out near the bare-Node reference on one core of this VM).
// Run by run.mjs pinned to the load core; wrk inherits the pinning. One warm-up run (not counted),
// then the measured run; prints one JSON line of the same shape as load.mjs (window: the measured
// run, epoch ms). GET only, no refresh mode (that needs a client that chains tokens: load.mjs).
// Usage: node wrk.mjs '<json options: url, path, headers, connections, seconds, warmupSeconds>'

import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const opts = JSON.parse(process.argv[2])
const REPORT = join(dirname(fileURLToPath(import.meta.url)), 'wrk-report.lua')

/** One wrk run of `seconds`; its report (wrk-report.lua) and the epoch-ms window it ran in. */
function wrk(seconds) {
  const args = ['-t1', `-c${opts.connections ?? 50}`, `-d${Math.max(1, Math.round(seconds))}s`, '--timeout', '30s', '-s', REPORT]
  for (const [name, value] of Object.entries(opts.headers ?? {})) args.push('-H', `${name}: ${value}`)
  args.push(opts.url + opts.path)
  return new Promise((resolve, reject) => {
    const from = Date.now()
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d })
    child.stderr.setEncoding('utf8').on('data', (d) => { err += d })
    child.once('error', reject)
    child.once('exit', (code) => {
      const to = Date.now()
      const line = out.trim().split('\n').at(-1) ?? ''
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`wrk exited ${code}: ${err.trim()} ${out.trim()}`.slice(0, 1200)))
      resolve({ report: JSON.parse(line), window: [from, to] })
    })
  })
}

if ((opts.warmupSeconds ?? 0) > 0) await wrk(opts.warmupSeconds)
const { report: r, window } = await wrk(opts.seconds)
const ms = (us) => us / 1000
const elapsedS = r.durationUs / 1e6
const ok = r.requests - r.statusErrors
process.stdout.write(JSON.stringify({
  generator: 'wrk',
  rps: ok / elapsedS,
  ok,
  measured: r.requests,
  failed: r.statusErrors,
  errors: r.connectErrors + r.readErrors + r.writeErrors,
  timeouts: r.timeouts,
  statuses: r.statusErrors > 0 ? { '4xx/5xx': r.statusErrors, '2xx/3xx': ok } : { '2xx': ok },
  p50: ms(r.p50Us),
  p90: ms(r.p90Us),
  p99: ms(r.p99Us),
  max: ms(r.maxUs),
  mean: ms(r.meanUs),
  elapsedS,
  window,
}) + '\n')
