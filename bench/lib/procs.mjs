// Child processes of the bench: each pinned to a core with taskset, its output kept (the tail),
// stopped with SIGTERM then SIGKILL, and every one still alive killed when the bench exits for any
// reason (error, SIGINT). Temp dirs are registered here too and removed at exit.

import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, rmSync } from 'node:fs'

const live = new Set()
const tempDirs = new Set()
const KEEP_CHARS = 64 * 1024

/** Starts `argv` pinned to `core`; the child's pid is the program's own (taskset execs it). */
export function spawnPinned(name, core, argv, { env = process.env, cwd } = {}) {
  const child = spawn('taskset', ['-c', String(core), ...argv], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  child.label = name
  child.out = ''
  child.err = ''
  live.add(child)
  const keep = (s) => (s.length > KEEP_CHARS ? s.slice(-KEEP_CHARS) : s)
  child.stdout.setEncoding('utf8').on('data', (d) => {
    child.out = keep(child.out + d)
    child.emit('out')
  })
  child.stderr.setEncoding('utf8').on('data', (d) => { child.err = keep(child.err + d) })
  child.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child)
      resolve({ code, signal })
    })
  })
  child.once('error', () => live.delete(child))
  return child
}

/** Resolves with the match (and when it came) once the child prints a line matching `re`. */
export function waitForLine(child, re, timeoutMs) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = re.exec(child.out)
      if (m) {
        done()
        resolve({ match: m, at: performance.now() })
      }
    }
    const onExit = ({ code, signal }) => {
      done()
      reject(new Error(`${child.label} exited (${code ?? signal}) before printing ${re}: ${(child.err || child.out).trim().slice(-800)}`))
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`${child.label} did not print ${re} within ${timeoutMs} ms: ${(child.err || child.out).trim().slice(-800)}`))
    }, timeoutMs)
    const done = () => {
      clearTimeout(timer)
      child.off('out', check)
    }
    child.on('out', check)
    child.exited.then(onExit)
    check()
  })
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export async function stop(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await child.exited
  clearTimeout(timer)
}

/** Runs a pinned child to its end and returns the JSON of its last stdout line. */
export async function runJson(name, core, argv, options) {
  const child = spawnPinned(name, core, argv, options)
  const { code, signal } = await child.exited
  const last = child.out.trim().split('\n').at(-1) ?? ''
  if (code !== 0) throw new Error(`${name} failed (${code ?? signal}): ${child.err.trim().slice(-1200)}`)
  try {
    return JSON.parse(last)
  } catch {
    throw new Error(`${name} printed no JSON: ${child.out.slice(-400)} ${child.err.slice(-400)}`)
  }
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 }
}

export const registerTempDir = (dir) => void tempDirs.add(dir)

export function removeTempDir(dir) {
  rmSync(dir, { recursive: true, force: true })
  tempDirs.delete(dir)
}

/** Synchronous last resort, for process 'exit': kill what is left, remove temp dirs. */
export function cleanupSync() {
  for (const child of live) {
    try {
      child.kill('SIGKILL')
    } catch {
      // already gone
    }
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
}

export async function stopAll() {
  await Promise.all([...live].map((c) => stop(c, 2000)))
}

/** One /proc/PID/stat: parent pid and CPU ticks (own, and of its reaped children). */
function statOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // fields from the 3rd on
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) }
  } catch {
    return null // gone
  }
}

/**
 * CPU time (clock ticks) of this process and every process under it (the servers, their helpers
 * such as tsx's esbuild, the load generator), including children already reaped.
 */
function ourTicks() {
  const all = new Map()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const s = statOf(name)
    if (s !== null) all.set(Number(name), s)
  }
  let total = 0
  for (const [pid, s] of all) {
    let p = pid
    for (let depth = 0; depth < 32 && p > 1 && p !== process.pid; depth++) p = all.get(p)?.ppid ?? 0
    if (p === process.pid) total += s.ticks + s.reaped
  }
  return total
}

function busyTicks() {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number)
  return user + nice + system + irq + softirq + steal
}

/**
 * Watches how much CPU went to anything but the bench's own processes (another job on the
 * machine, the hypervisor's steal) between start() and stop(): percent of one core.
 */
export function foreignCpu() {
  const t0 = performance.now()
  const busy0 = busyTicks()
  const ours0 = ourTicks()
  return () => {
    const seconds = (performance.now() - t0) / 1000
    const foreign = busyTicks() - busy0 - (ourTicks() - ours0)
    return Math.max(0, (foreign / 100 / seconds) * 100) // USER_HZ is 100 on Linux
  }
}

/** Busy and total clock ticks of each core, from /proc/stat's cpuN lines. */
function coreTicks() {
  const cores = []
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+) (.*)$/.exec(line)
    if (!m) continue
    const [user, nice, system, idle, iowait, irq, softirq, steal] = m[2].trim().split(/\s+/).map(Number)
    const busy = user + nice + system + irq + softirq + steal
    cores[Number(m[1])] = { busy, total: busy + idle + iowait }
  }
  return cores
}

/**
 * Samples a process's CPU ticks and every core's busy ticks every `everyMs` until stop(), so that
 * use can be computed over a window known only afterwards (the load generator's measured one,
 * after its warm-up): usage(from, to) in epoch ms gives the process's use in % of one core, and
 * each core's busy share in %, interpolating between the samples around each end.
 */
export function sampleCpu(pid, everyMs = 100) {
  const samples = []
  const take = () => {
    const s = statOf(pid)
    samples.push({ at: Date.now(), ticks: s?.ticks ?? NaN, cores: coreTicks() })
  }
  take()
  const timer = setInterval(take, everyMs)
  return {
    stop() {
      clearInterval(timer)
      take()
    },
    usage(from, to) {
      const at = (t) => {
        let i = samples.findIndex((s) => s.at >= t)
        if (i === -1) i = samples.length - 1
        const b = samples[i]
        const a = samples[Math.max(0, i - 1)]
        const f = b.at === a.at ? 1 : Math.min(1, Math.max(0, (t - a.at) / (b.at - a.at)))
        const mix = (x, y) => x + (y - x) * f
        return { ticks: mix(a.ticks, b.ticks), cores: b.cores.map((c, n) => ({ busy: mix(a.cores[n].busy, c.busy), total: mix(a.cores[n].total, c.total) })) }
      }
      const a = at(from)
      const b = at(to)
      const seconds = (to - from) / 1000
      return {
        processPct: ((b.ticks - a.ticks) / 100 / seconds) * 100, // USER_HZ is 100 on Linux
        corePct: b.cores.map((c, n) => ((c.busy - a.cores[n].busy) / Math.max(1, c.total - a.cores[n].total)) * 100),
      }
    },
  }
}
