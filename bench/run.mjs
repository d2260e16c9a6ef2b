// `npm run bench`: issue 5's scenarios 1–7, authdock against small reference servers started here.
// Every server runs pinned to core 0 (`taskset -c 0`), the load generator (50 connections: wrk
// for scenario 1 when it is on PATH, else autocannon) and this script on core 1; loopback only;
// each measurement is bounded in time. Each one logs how busy the server was over the measured
// window (its process, % of one core) and how busy the load core was.
//
//   npm run bench                     full run (BENCH_SECONDS per measurement, default 10)
//   npm run bench -- --quick          smoke run: 2 s per measurement, a 10× smaller scale seed
//   npm run bench -- --markdown       also print the table as markdown
//   npm run bench -- --only 1,4       only these scenarios
//   npm run bench -- --json out.json  also write every raw figure as JSON
//
//   BENCH_LOAD_GENERATOR=autocannon   scenario 1 with autocannon even where wrk is installed
//
// Progress goes to stderr; the table (and the markdown) to stdout.

import { execFileSync } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { request } from 'node:http'
import { cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { SignJWT } from 'jose'
import {
  cleanupSync, foreignCpu, memoryOf, registerTempDir, removeTempDir, runJson, sampleCpu, spawnPinned, stop, stopAll, waitForLine,
} from './lib/procs.mjs'

const BENCH = dirname(fileURLToPath(import.meta.url))
const ROOT = dirname(BENCH)
const NODE = process.execPath
const TSX = import.meta.resolve('tsx')
// authdock runs as the product starts it (`npm run serve`): the JavaScript build in out/server,
// rebuilt below first if a source is newer (scripts/start.mjs decides, as it does for serve).
const CLI = join(ROOT, 'out/server/cli.js')
const SERVER_CORE = 0
const LOAD_CORE = 1

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
    only: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (args.help) {
  process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n\n')[0].replace(/^\/\/ ?/gm, '') + '\n')
  process.exit(0)
}

const QUICK = args.quick
const SECONDS = Number(process.env.BENCH_SECONDS) || (QUICK ? 2 : 10)
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS) || (QUICK ? 0.5 : 1.5)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS) || 50
const SCALE = QUICK
  ? { users: 10_000, sessions: 25_000, tokensPerSession: 4, liveSessions: 10_000 }
  : { users: 100_000, sessions: 250_000, tokensPerSession: 4, liveSessions: 100_000 }
const ONLY = args.only ? new Set(args.only.split(',').map((s) => s.trim())) : null
const wanted = (n) => ONLY === null || ONLY.has(String(n))

/** On PATH, executable: Debian's `wrk` package puts it in /usr/bin. */
const onPath = (name) => (process.env.PATH ?? '').split(':').some((dir) => {
  try {
    const st = statSync(join(dir, name))
    return dir !== '' && st.isFile() && (st.mode & 0o111) !== 0
  } catch {
    return false
  }
})
// Scenario 1's load generator: wrk when installed (BENCH_LOAD_GENERATOR=autocannon forces autocannon).
const HOT_PATH_GENERATOR = process.env.BENCH_LOAD_GENERATOR === 'autocannon' || !onPath('wrk') ? 'autocannon' : 'wrk'

const SUPERUSER = 'admin'
const PASSWORD = 'bench-password-123'
const POOL = CONNECTIONS + 20 // refresh tokens in rotation: more than connections, so none waits

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`)
const rows = []
/** Percent of a core used by processes not ours during a measurement, above which we warn. */
const NOISY_PCT = 10
let maxForeign = 0
const noisy = []
let currentScenario = ''
const QUIET_WAIT_S = Number(process.env.BENCH_QUIET_WAIT_SECONDS ?? (QUICK ? 10 : 60))
const RETRIES = Number(process.env.BENCH_RETRIES ?? (QUICK ? 0 : 1))
const raw = {}

// ---------------------------------------------------------------------------------------------
// Process plumbing: this script on the load core, temp dirs, cleanup on every way out.

const CORES = Number(execFileSync('nproc').toString().trim()) // before pinning ourselves to one
if (CORES < 2) {
  process.stderr.write(`bench: needs 2 cores (server on one, load generator on the other); nproc says ${CORES}\n`)
  process.exit(1)
}
execFileSync('taskset', ['-a', '-pc', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' })
const launcher = await import(new URL('../scripts/start.mjs', import.meta.url).href)
if (launcher.serverIsStale()) {
  log('building the server (out/server is older than src/)')
  const build = launcher.buildServer('pipe')
  if (build === null || build.status !== 0) {
    process.stderr.write(`bench: cannot build the server: ${build === null ? 'vite is not installed' : `${build.stdout}${build.stderr}`}\n`)
    process.exit(1)
  }
}
const TMP = mkdtempSync(join(tmpdir(), 'authdock-bench-'))
registerTempDir(TMP)
process.on('exit', cleanupSync)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping servers`)
    stopAll().finally(() => {
      cleanupSync()
      process.exit(130)
    })
  })
}

let dirCount = 0
function newDir(label) {
  const dir = join(TMP, `${String(++dirCount).padStart(2, '0')}-${label}`)
  mkdirSync(dir, { mode: 0o700 })
  return dir
}

/** Env for a child: ours, minus every LANGFLOW_/AUTHDOCK_ variable, plus `extra`. */
function childEnv(extra) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(LANGFLOW_|AUTHDOCK_)/.test(k)))
  return { ...env, ...extra }
}

/** `superuser: false` starts as a fresh install does without LANGFLOW_SUPERUSER (the setup-code way). */
async function startAuthdock({ dir, alg = 'HS256', cost = 10, port = 0, env = {}, superuser = true }) {
  const t0 = performance.now()
  const child = spawnPinned(`authdock ${alg}`, SERVER_CORE, [NODE, CLI, '--port', String(port), '--config-dir', dir], {
    cwd: dir, // its ./.env (none) rather than the project's
    env: childEnv({
      LANGFLOW_ALGORITHM: alg, AUTHDOCK_BCRYPT_COST: String(cost),
      ...(superuser ? { LANGFLOW_SUPERUSER: SUPERUSER, LANGFLOW_SUPERUSER_PASSWORD: PASSWORD } : {}), ...env,
    }),
  })
  try {
    const { match, at } = await waitForLine(child, /listening on (http:\/\/\S+)/, 120_000)
    return { child, pid: child.pid, url: match[1], dir, startupMs: at - t0 }
  } catch (err) {
    await stop(child)
    throw err
  }
}

const REFERENCE_SECRET = randomBytes(32).toString('base64url')
const REFERENCE_USER = { BENCH_SECRET: REFERENCE_SECRET, BENCH_KID: 'bench', BENCH_ISSUER: 'authdock', BENCH_USER_ID: randomUUID(), BENCH_SESSION_ID: randomUUID(), BENCH_USERNAME: SUPERUSER, BENCH_PASSWORD: PASSWORD }

async function startReference(file, env = {}, nodeFlags = []) {
  const t0 = performance.now()
  const child = spawnPinned(file, SERVER_CORE, [NODE, ...nodeFlags, join(BENCH, 'reference', file)], { env: childEnv({ ...REFERENCE_USER, ...env }) })
  try {
    const { match, at } = await waitForLine(child, /listening on (http:\/\/\S+)/, 30_000)
    return { child, pid: child.pid, url: match[1], startupMs: at - t0 }
  } catch (err) {
    await stop(child)
    throw err
  }
}

/** A token for the reference servers, of the shape authdock issues. */
const referenceToken = () =>
  new SignJWT({ sid: REFERENCE_USER.BENCH_SESSION_ID, type: 'access' })
    .setProtectedHeader({ alg: 'HS256', kid: 'bench', typ: 'JWT' })
    .setSubject(REFERENCE_USER.BENCH_USER_ID).setIssuer('authdock').setIssuedAt().setExpirationTime('2h').setJti(randomUUID())
    .sign(new TextEncoder().encode(REFERENCE_SECRET))

/**
 * One measurement on the load core: wrk (lib/wrk.mjs) when `generator` is 'wrk', else autocannon
 * (lib/load.mjs); both answer with the same figures. `refreshTokens` (refresh mode, autocannon
 * only) is a function making a fresh pool. The server's CPU and both cores' are sampled through
 * the run and taken over the measured window only (after the warm-up). A measurement that other
 * processes disturbed is run once more (after waiting for quiet again); if that one is disturbed
 * too, the figure is flagged.
 */
async function load({ url, path, headers, refreshTokens, seconds = SECONDS, warmup = WARMUP, serverPid, generator = 'autocannon' }) {
  if (generator === 'wrk' && refreshTokens) throw new Error('wrk has no refresh mode: use autocannon')
  for (let attempt = 1; ; attempt++) {
    let refreshTokensFile
    if (refreshTokens) {
      refreshTokensFile = join(TMP, `tokens-${randomUUID()}.json`)
      writeFileSync(refreshTokensFile, JSON.stringify(await refreshTokens()))
    }
    const opts = { url, path, headers, connections: CONNECTIONS, seconds, warmupSeconds: warmup, refreshTokensFile }
    await waitQuiet()
    const foreign = foreignCpu()
    const cpu = serverPid ? sampleCpu(serverPid) : null
    let r
    try {
      r = await runJson(generator, LOAD_CORE, [NODE, join(BENCH, generator === 'wrk' ? 'lib/wrk.mjs' : 'lib/load.mjs'), JSON.stringify(opts)])
    } finally {
      cpu?.stop()
    }
    r.generator = generator
    r.foreignCpuPct = foreign()
    const used = cpu?.usage(r.window[0], r.window[1]) ?? null
    r.serverCpuPct = used?.processPct ?? null
    r.serverCoreBusyPct = used?.corePct[SERVER_CORE] ?? null
    r.loadCoreBusyPct = used?.corePct[LOAD_CORE] ?? null
    const disturbed = r.foreignCpuPct > NOISY_PCT
    const retry = disturbed && attempt <= RETRIES
    const warning = !disturbed ? '' : retry ? ' — other processes were busy: measuring again' : ' — OTHER PROCESSES WERE BUSY: this figure is unreliable'
    log(`  ${path} (${generator}): ${fmtRps(r.rps)}, p50 ${fmtMs(r.p50)}, p99 ${fmtMs(r.p99)}, failed ${r.failed}, errors ${r.errors}${r.lostTokens !== undefined ? `, tokens lost ${r.lostTokens}` : ''}; ${cpuNote(r)}, other CPU ${r.foreignCpuPct.toFixed(0)} %${warning}`)
    if (retry) continue
    maxForeign = Math.max(maxForeign, r.foreignCpuPct)
    if (disturbed) noisy.push(`${currentScenario} ${path} (${r.foreignCpuPct.toFixed(0)} %)`)
    return r
  }
}

/**
 * The server process's use of its core over the measured window, and how busy the load core was:
 * a server under ~85 % while the load core is near 100 % was waiting for the load generator.
 */
function cpuNote(r) {
  if (r.serverCpuPct == null) return 'server CPU not measured'
  const pct = (x) => `${Math.round(x)} %`
  return `server process ${pct(r.serverCpuPct)} of core ${SERVER_CORE} (core ${pct(r.serverCoreBusyPct)} busy), core ${LOAD_CORE} (${r.generator}) ${pct(r.loadCoreBusyPct)} busy`
}

/**
 * Waits (up to BENCH_QUIET_WAIT_SECONDS, default 60; 10 with --quick) until processes that are
 * not ours use less than NOISY_PCT of a core, so a test run elsewhere does not skew a figure.
 */
async function waitQuiet() {
  const deadline = performance.now() + QUIET_WAIT_S * 1000
  let said = false
  for (;;) {
    const sample = foreignCpu()
    await sleep(500)
    const pct = sample()
    if (pct <= NOISY_PCT) return
    if (performance.now() > deadline) return log(`  the machine is still busy (other processes ${pct.toFixed(0)} % of a core): measuring anyway`)
    if (!said) log(`  other processes use ${pct.toFixed(0)} % of a core: waiting up to ${QUIET_WAIT_S} s for quiet`)
    said = true
  }
}

/** Fails a measurement whose requests were refused: a benchmark of 401s measures nothing. */
function mustBeClean(name, r) {
  if (r.failed > 0 || r.errors > 0 || r.ok === 0 || (r.starved ?? 0) > 0) {
    throw new Error(`${name}: ${r.ok} ok, ${r.failed} non-2xx ${JSON.stringify(r.statuses)}, ${r.errors} errors${r.starved ? `, ${r.starved} starved` : ''}`)
  }
  return r
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers for setup (not measured, except sequential login latency).

function http(method, url, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) }, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (d) => { text += d }).on('end', () => resolve({ status: res.statusCode, text }))
    })
    req.on('error', reject)
    req.setTimeout(60_000, () => req.destroy(new Error(`timeout: ${method} ${url}`)))
    req.end(body)
  })
}

async function login(url, username = SUPERUSER, password = PASSWORD) {
  const body = new URLSearchParams({ username, password }).toString()
  const r = await http('POST', `${url}/api/v1/login`, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })
  if (r.status !== 200) throw new Error(`login as ${username}: ${r.status} ${r.text}`)
  return JSON.parse(r.text)
}

/** `n` logins, `concurrency` at a time; their refresh tokens. */
async function loginMany(url, n, usernameOf = () => SUPERUSER, concurrency = 4) {
  const tokens = []
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++
      tokens.push((await login(url, usernameOf(i))).refresh_token)
    }
  }))
  return tokens
}

/** Median wall time of `n` sequential logins, after one that is not counted. */
async function loginLatency(url, n, usernameOf = () => SUPERUSER) {
  await login(url, usernameOf(-1))
  const times = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await login(url, usernameOf(i))
    times.push(performance.now() - t)
  }
  return median(times)
}

async function expectOk(url, path, headers) {
  const r = await http('GET', url + path, { headers })
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.text.slice(0, 200)}`)
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fileMb = (f) => (existsSync(f) ? statSync(f).size / 1024 / 1024 : 0)

// ---------------------------------------------------------------------------------------------
// Formatting and the table.

const fmtRps = (x) => (x == null ? '—' : `${Math.round(x).toLocaleString('en-US')} req/s`)
const fmtMs = (x) => (x == null ? '—' : x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(x >= 10 ? 1 : 2)} ms`)
const fmtPct = (x) => `${Math.round(x * 100)} %`
const fmtX = (x) => `${x.toFixed(2)}×`
const fmtMb = (x) => `${x.toFixed(x >= 100 ? 0 : 1)} MB`

/** One line of the table. `pass` true/false, or null for a figure with no target of its own. */
function row(scenario, measure, figure, reference, ratio, target, pass, notes = '') {
  rows.push({ scenario: String(scenario), measure, figure, reference, ratio, target, result: pass === null ? '—' : pass ? 'PASS' : 'FAIL', notes })
}

async function scenario(n, title, fn) {
  if (!wanted(n)) return
  log(`scenario ${n}: ${title}`)
  currentScenario = `scenario ${n}`
  const t0 = performance.now()
  try {
    await fn()
  } catch (err) {
    log(`scenario ${n} failed: ${err.stack ?? err}`)
    row(n, title, 'error', '—', '—', '—', false, String(err.message ?? err).replace(/\s+/g, ' ').slice(0, 300))
  } finally {
    await stopAll()
    log(`scenario ${n} took ${((performance.now() - t0) / 1000).toFixed(0)} s`)
  }
}

/** Rows in scenario order (scenario 3 runs before 2, whose login row uses 3's bcrypt figure). */
const ordered = () => [...rows].sort((a, b) => Number(a.scenario) - Number(b.scenario))

const COLUMNS = [['scenario', '#'], ['measure', 'measure'], ['figure', 'figure'], ['reference', 'reference'], ['ratio', 'ratio'], ['target', 'target'], ['result', 'result'], ['notes', 'notes']]

function plainTable() {
  const widths = COLUMNS.map(([k, h]) => Math.max(h.length, ...rows.map((r) => r[k].length)))
  const sorted = ordered()
  const line = (cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()
  return [line(COLUMNS.map(([, h]) => h)), line(widths.map((w) => '-'.repeat(w))), ...sorted.map((r) => line(COLUMNS.map(([k]) => r[k])))].join('\n')
}

function markdownTable() {
  const esc = (s) => s.replace(/\|/g, '\\|')
  return [
    `| ${COLUMNS.map(([, h]) => h).join(' | ')} |`,
    `|${COLUMNS.map(() => '---').join('|')}|`,
    ...ordered().map((r) => `| ${COLUMNS.map(([k]) => esc(r[k])).join(' | ')} |`),
  ].join('\n')
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

/**
 * How busy the server was over the measured window. Under ~85 % of its core, something else set
 * the pace: other processes on its core, or the load generator (its core near 100 %).
 */
function busy(r) {
  if (r.serverCpuPct == null) return ''
  const others = r.serverCoreBusyPct - r.serverCpuPct
  const why = r.serverCpuPct >= 85 ? '' : others > 10 ? ` (other processes took ${Math.round(others)} % of its core)` : r.loadCoreBusyPct > 90 ? ' (load-generator bound)' : ' (server idle at times)'
  return `; server ${Math.round(r.serverCpuPct)} % of its core${why}, load core ${Math.round(r.loadCoreBusyPct)} % busy (${r.generator})`
}
const bearer = (token) => ({ authorization: `Bearer ${token}` })
const WHOAMI = '/api/v1/users/whoami'
const VERIFY = '/api/v1/auth/verify'

const machine = {
  cores: CORES,
  model: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  date: new Date().toISOString(),
  mode: QUICK ? 'quick' : 'full',
  seconds: SECONDS,
  warmupSeconds: WARMUP,
  connections: CONNECTIONS,
  hotPathGenerator: HOT_PATH_GENERATOR,
}
raw.machine = machine
log(`${machine.cores} cores (${machine.model}), Node ${machine.node}; ${SECONDS} s per measurement after ${WARMUP} s warm-up, ${CONNECTIONS} connections; scenario 1 load by ${HOT_PATH_GENERATOR}`)

await scenario(1, 'protected route vs the bare-Node verify ceiling', async () => {
  const token = await referenceToken()
  const ref = {}
  for (const [key, file, paths, auth] of [
    ['a', 'bare-http.mjs', [WHOAMI], false],
    ['b', 'bare-verify.mjs', [WHOAMI, VERIFY], true],
    ['c', 'express-const.mjs', [WHOAMI], false],
    ['d', 'express-jose.mjs', [WHOAMI], true],
  ]) {
    const server = await startReference(file)
    try {
      for (const path of paths) {
        const headers = auth ? bearer(token) : {}
        await expectOk(server.url, path, headers)
        ref[`${key}${path}`] = mustBeClean(`${file} ${path}`, await load({ serverPid: server.pid, url: server.url, path, headers, generator: HOT_PATH_GENERATOR }))
      }
    } finally {
      await stop(server.child)
    }
  }
  raw.references = ref
  const ceiling = ref[`b${WHOAMI}`]
  row(1, '(a) bare node:http, constant JSON, no auth', fmtRps(ref[`a${WHOAMI}`].rps), '—', '—', '—', null, `p99 ${fmtMs(ref[`a${WHOAMI}`].p99)}${busy(ref[`a${WHOAMI}`])}; issue: ~62,000`)
  row(1, '(b) bare node:http + node:crypto HS256 + Map (ceiling)', fmtRps(ceiling.rps), '—', '—', '—', null, `p99 ${fmtMs(ceiling.p99)}${busy(ceiling)}; verify route ${fmtRps(ref[`b${VERIFY}`].rps)}; issue: ~28,600`)
  row(1, '(c) Express 5, constant JSON, no auth', fmtRps(ref[`c${WHOAMI}`].rps), '—', '—', '—', null, `p99 ${fmtMs(ref[`c${WHOAMI}`].p99)}${busy(ref[`c${WHOAMI}`])}; issue: ~6,900`)
  row(1, '(d) Express 5 + jose HS256 + users Map', fmtRps(ref[`d${WHOAMI}`].rps), '—', '—', '—', null, `p99 ${fmtMs(ref[`d${WHOAMI}`].p99)}${busy(ref[`d${WHOAMI}`])}; issue: ~4,400`)
  row(1, '(e) FastAPI + python-jose, 1 worker', 'not measured', '—', '—', '—', null, 'PyPI is unreachable here, so FastAPI cannot be installed; issue: ~1,240')

  const authdock = {}
  for (const alg of ['HS256', 'RS256', 'RS512']) {
    const dir = newDir(`s1-${alg}`)
    const server = await startAuthdock({ dir, alg })
    try {
      const { access_token: access } = await login(server.url)
      for (const path of [WHOAMI, VERIFY]) {
        await expectOk(server.url, path, bearer(access))
        authdock[`${alg}${path}`] = mustBeClean(`authdock ${alg} ${path}`, await load({ serverPid: server.pid, url: server.url, path, headers: bearer(access), generator: HOT_PATH_GENERATOR }))
      }
      authdock[`${alg}memory`] = memoryOf(server.pid)
    } finally {
      await stop(server.child)
      removeTempDir(dir)
    }
  }
  raw.scenario1 = authdock
  for (const path of [WHOAMI, VERIFY]) {
    const hs = authdock[`HS256${path}`]
    const ceilingOfPath = ref[`b${path}`]
    const ratio = hs.rps / ceilingOfPath.rps
    row(1, `authdock GET ${path} HS256`, fmtRps(hs.rps), `(b) ${fmtRps(ceilingOfPath.rps)}`, fmtPct(ratio), '≥ 50 %', ratio >= 0.5,
      `p50 ${fmtMs(hs.p50)}, p99 ${fmtMs(hs.p99)}${busy(hs)}${path === WHOAMI ? `; ${fmtX(hs.rps / ref[`d${path}`].rps)} of (d) Express+jose` : ''}`)
    for (const alg of ['RS256', 'RS512']) {
      const rs = authdock[`${alg}${path}`]
      const r = rs.rps / hs.rps
      row(1, `authdock GET ${path} ${alg}`, fmtRps(rs.rps), `HS256 ${fmtRps(hs.rps)}`, fmtPct(r), '≥ 80 %', r >= 0.8, `p50 ${fmtMs(rs.p50)}, p99 ${fmtMs(rs.p99)}${busy(rs)}`)
    }
  }
})

await scenario(3, 'login p50 at bcrypt cost 12 vs bcryptjs in process', async () => {
  const n = QUICK ? 3 : 9
  const floor = await runJson('bcrypt-cost', SERVER_CORE, [NODE, join(BENCH, 'lib/bcrypt-cost.mjs'), '12', String(n)])
  log(`  bcryptjs cost 12 in process: compareSync ${fmtMs(floor.compareSyncMs)}, compare ${fmtMs(floor.compareMs)}`)
  const dir = newDir('s3')
  const server = await startAuthdock({ dir, cost: 12 })
  try {
    const p50 = await loginLatency(server.url, QUICK ? 5 : 15)
    raw.scenario3 = { floor, loginP50Ms: p50 }
    const ratio = p50 / floor.compareSyncMs
    row(3, 'POST /api/v1/login p50, cost 12, one client', fmtMs(p50), `bcryptjs compareSync ${fmtMs(floor.compareSyncMs)}`, fmtX(ratio), '≤ 1.30×', ratio <= 1.3,
      `median of ${QUICK ? 5 : 15} logins; bcryptjs async compare ${fmtMs(floor.compareMs)} (median of ${n}, same core)`)
  } finally {
    await stop(server.child)
    removeTempDir(dir)
  }
})

await scenario(2, 'protected route while 8 clients log in (cost 12)', async () => {
  const dir = newDir('s2')
  const server = await startAuthdock({ dir, cost: 12 })
  try {
    const { access_token: access } = await login(server.url)
    const idle = mustBeClean('whoami idle', await load({ serverPid: server.pid, url: server.url, path: WHOAMI, headers: bearer(access) }))
    const clients = spawnPinned('login-clients', LOAD_CORE, [NODE, join(BENCH, 'lib/login-clients.mjs'),
      JSON.stringify({ url: server.url, username: SUPERUSER, password: PASSWORD, clients: 8, seconds: 900 })]) // stopped below
    let busy
    let logins
    try {
      await sleep(1000) // every client has a login in flight
      busy = mustBeClean('whoami under logins', await load({ serverPid: server.pid, url: server.url, path: WHOAMI, headers: bearer(access) }))
    } finally {
      await stop(clients)
      logins = JSON.parse(clients.out.trim().split('\n').at(-1) || '{}')
    }
    raw.scenario2 = { idle, busy, logins }
    const p99 = busy.p99 / idle.p99
    const tput = busy.rps / idle.rps
    const loginNote = `8 clients did ${logins.logins ?? '?'} logins in all (${logins.failures ?? '?'} failed, p50 ${fmtMs(logins.p50)}) in ${logins.seconds?.toFixed(1) ?? '?'} s`
    row(2, `GET ${WHOAMI} p99 while 8 clients log in`, fmtMs(busy.p99), `idle ${fmtMs(idle.p99)}`, fmtX(p99), '≤ 2×', p99 <= 2, loginNote)
    row(2, `GET ${WHOAMI} throughput while 8 clients log in`, fmtRps(busy.rps), `idle ${fmtRps(idle.rps)}`, fmtPct(tput), '≥ 40 %', tput >= 0.4, `p50 ${fmtMs(busy.p50)} (idle ${fmtMs(idle.p50)})`)
    // No target of its own, but a protected route that stays fast only because logins starve is
    // not what the issue asks for: how many logins got through, against bcrypt's own pace on one core.
    const [from, to] = busy.window
    const inWindow = (logins.completedAt ?? []).filter((t) => t >= from && t <= to).length
    const loginRate = inWindow / ((to - from) / 1000)
    const floorMs = raw.scenario3?.floor?.compareSyncMs
    row(2, 'logins completed meanwhile (8 clients, cost 12)', `${loginRate.toFixed(2)} /s`, floorMs ? `bcrypt alone ${(1000 / floorMs).toFixed(2)} /s` : '—',
      floorMs ? fmtPct(loginRate / (1000 / floorMs)) : '—', '—', null, `${inWindow} logins completed in the measured ${((to - from) / 1000).toFixed(1)} s; bcrypt alone = a core doing nothing but compareSync at cost 12`)
  } finally {
    await stop(server.child)
    removeTempDir(dir)
  }
})

await scenario(4, 'refresh with rotation, each token used once', async () => {
  const refDir = newDir('s4-reference')
  const reference = await startReference('express-refresh.mjs', { BENCH_DB_DIR: refDir, BENCH_BCRYPT_COST: '10' })
  let refRun
  try {
    const tokens = () => loginMany(reference.url, POOL)
    refRun = mustBeClean('reference refresh', await load({ serverPid: reference.pid, url: reference.url, path: '/api/v1/refresh', refreshTokens: tokens }))
  } finally {
    await stop(reference.child)
    removeTempDir(refDir)
  }
  const dir = newDir('s4')
  const server = await startAuthdock({ dir, cost: 10 })
  try {
    const tokens = () => loginMany(server.url, POOL)
    const run = mustBeClean('authdock refresh', await load({ serverPid: server.pid, url: server.url, path: '/api/v1/refresh', refreshTokens: tokens }))
    raw.scenario4 = { reference: refRun, authdock: run }
    const ratio = run.rps / refRun.rps
    row(4, 'POST /api/v1/refresh, rotation, every token fresh', fmtRps(run.rps), `Express+jose+SQLite ${fmtRps(refRun.rps)}`, fmtX(ratio), '≥ 2× and > 5,000/s',
      ratio >= 2 && run.rps > 5000, `p50 ${fmtMs(run.p50)}, p99 ${fmtMs(run.p99)}; ${POOL} sessions in rotation, every answer 200; reference p50 ${fmtMs(refRun.p50)}; server core ${Math.round(run.serverCpuPct)} % busy (reference ${Math.round(refRun.serverCpuPct)} %)`)
  } finally {
    await stop(server.child)
    removeTempDir(dir)
  }
})

await scenario(5, `scale: ${SCALE.users.toLocaleString('en-US')} users, ${(SCALE.sessions * SCALE.tokensPerSession).toLocaleString('en-US')} refresh-token rows`, async () => {
  const seconds = Math.max(1, SECONDS / 2)
  const warmup = Math.max(0.5, WARMUP / 2)
  async function measure(dir, usernameOf) {
    const server = await startAuthdock({ dir, cost: 10 })
    try {
      const memoryAtStart = memoryOf(server.pid)
      const loginP50 = await loginLatency(server.url, QUICK ? 5 : 15, usernameOf)
      // whoami and refresh as the superuser in both runs, so that only the database differs.
      const tokens = () => loginMany(server.url, POOL)
      const { access_token: access } = await login(server.url)
      const whoami = mustBeClean('whoami', await load({ serverPid: server.pid, url: server.url, path: WHOAMI, headers: bearer(access), seconds, warmup }))
      const refresh = mustBeClean('refresh', await load({ serverPid: server.pid, url: server.url, path: '/api/v1/refresh', refreshTokens: tokens, seconds, warmup }))
      const memory = memoryOf(server.pid)
      const db = { dbMb: fileMb(join(dir, 'authdock.db')), walMb: fileMb(join(dir, 'authdock.db-wal')) }
      return { startupMs: server.startupMs, loginP50, whoami, refresh, memoryAtStart, memory, db }
    } finally {
      await stop(server.child)
    }
  }

  const emptyDir = newDir('s5-empty')
  const empty = await measure(emptyDir, () => SUPERUSER)
  removeTempDir(emptyDir)

  const dir = newDir('s5-seeded')
  const first = await startAuthdock({ dir, cost: 10 }) // creates and migrates the database, and the key
  await stop(first.child)
  log(`  seeding ${SCALE.users} users, ${SCALE.sessions} sessions, ${SCALE.sessions * SCALE.tokensPerSession} refresh tokens`)
  const seed = await runJson('seed', LOAD_CORE, [NODE, join(BENCH, 'lib/seed.mjs'), join(dir, 'authdock.db'), JSON.stringify({ ...SCALE, password: PASSWORD, cost: 10 })])
  log(`  seeded in ${seed.seconds.toFixed(1)} s`)
  const seededSize = fileMb(join(dir, 'authdock.db'))
  // Seeded users log in (a different one each time), with a cost-10 hash like the empty run's superuser.
  const seededUser = (i) => `user${String((i * 7919 + 12345) % SCALE.users).padStart(6, '0')}`
  const seeded = await measure(dir, seededUser)
  removeTempDir(dir)
  raw.scenario5 = { scale: SCALE, seed, empty, seeded }

  const within = (name, a, b, note) => {
    const r = a / b
    row(5, name, fmtMs(a), `empty ${fmtMs(b)}`, fmtX(r), '≤ 1.20×', r <= 1.2, note)
  }
  within('POST /api/v1/login p50 (cost 10), seeded vs empty', seeded.loginP50, empty.loginP50, `median of ${QUICK ? 5 : 15} sequential logins, a different seeded user each`)
  within('POST /api/v1/refresh p50 at 50 connections, seeded vs empty', seeded.refresh.p50, empty.refresh.p50,
    `${fmtRps(seeded.refresh.rps)} vs ${fmtRps(empty.refresh.rps)}; p99 ${fmtMs(seeded.refresh.p99)} vs ${fmtMs(empty.refresh.p99)}`)
  within(`GET ${WHOAMI} p50 at 50 connections, seeded vs empty`, seeded.whoami.p50, empty.whoami.p50,
    `${fmtRps(seeded.whoami.rps)} vs ${fmtRps(empty.whoami.rps)}; p99 ${fmtMs(seeded.whoami.p99)} vs ${fmtMs(empty.whoami.p99)}`)
  row(5, 'server RSS after the seeded run (VmRSS)', fmtMb(seeded.memory.rssMb), `empty ${fmtMb(empty.memory.rssMb)}`, fmtX(seeded.memory.rssMb / empty.memory.rssMb), '< 200 MB',
    seeded.memory.rssMb < 200, `peak (VmHWM) ${fmtMb(seeded.memory.peakMb)}; right after start-up ${fmtMb(seeded.memoryAtStart.rssMb)} (empty ${fmtMb(empty.memoryAtStart.rssMb)}); ${SCALE.liveSessions.toLocaleString('en-US')} live sessions loaded at start-up`)
  row(5, 'database size, seeded', fmtMb(seededSize), `empty ${fmtMb(empty.db.dbMb)}`, '—', 'report', null,
    `authdock.db after seeding; after the run ${fmtMb(seeded.db.dbMb)} + WAL ${fmtMb(seeded.db.walMb)}; seeded in ${seed.seconds.toFixed(0)} s; start-up ${fmtMs(seeded.startupMs)} (empty ${fmtMs(empty.startupMs)})`)
})

await scenario(6, 'start-up time and first-start key generation', async () => {
  const n = QUICK ? 3 : 5
  async function startups(dir, alg) {
    const first = await startAuthdock({ dir, alg }) // creates the keys and the database
    await stop(first.child)
    const times = []
    for (let i = 0; i < n; i++) {
      const s = await startAuthdock({ dir, alg })
      times.push(s.startupMs)
      await stop(s.child)
    }
    return times
  }
  const hsDir = newDir('s6-hs256')
  const hs = await startups(hsDir, 'HS256')
  removeTempDir(hsDir)
  const rsDir = newDir('s6-rs256')
  const rs = await startups(rsDir, 'RS256')
  removeTempDir(rsDir)
  const bare = []
  const bareTsx = [] // the same under tsx's loader, as `npm run serve` runs the server
  for (let i = 0; i < n; i++) {
    for (const [times, flags] of [[bare, []], [bareTsx, ['--import', TSX]]]) {
      const s = await startReference('bare-http.mjs', {}, flags)
      times.push(s.startupMs)
      await stop(s.child)
    }
  }

  // First start with RS256 and no keys: probe the port from the moment the process starts, and
  // watch for the key file, to see whether anything is answered while the key is being generated.
  // The probe is the health check: the JWKS and token issuing wait for the key by design.
  const dir = newDir('s6-keygen')
  const port = await freePort()
  const keyFile = join(dir, 'private_key.pem')
  const t0 = performance.now()
  let keyAt = null
  const probes = []
  let probing = true
  const watcher = setInterval(() => {
    if (keyAt === null && existsSync(keyFile)) keyAt = performance.now() - t0
  }, 2)
  const prober = (async () => {
    while (probing) {
      const sent = performance.now() - t0
      const r = await http('GET', `http://127.0.0.1:${port}/api/v1/health`).catch(() => null)
      if (r !== null) probes.push({ sent, answered: performance.now() - t0, status: r.status })
      else await sleep(5)
    }
  })()
  let server
  try {
    // No LANGFLOW_SUPERUSER: its bcrypt hash at first start would hold `listening` back by itself
    // (longer than most RSA generations), hiding whether key generation blocks anything.
    server = await startAuthdock({ dir, alg: 'RS256', port, superuser: false })
    const until = performance.now() + 15_000
    while (keyAt === null && performance.now() < until) await sleep(10)
    await sleep(300)
  } finally {
    probing = false
    await prober
    clearInterval(watcher)
    if (server) await stop(server.child)
    removeTempDir(dir)
  }
  const listenMs = server.startupMs
  const firstAnswer = probes[0]?.answered ?? null
  const duringKeygen = keyAt === null ? [] : probes.filter((p) => p.answered < keyAt)
  raw.scenario6 = { hs256Ms: hs, rs256Ms: rs, bareNodeMs: bare, bareNodeTsxMs: bareTsx, keygen: { listenMs, keyFileMs: keyAt, firstAnswerMs: firstAnswer, answeredDuringKeygen: duringKeygen.length } }

  const hsMedian = median(hs)
  row(6, 'start-up to "listening on", existing keys (HS256)', fmtMs(hsMedian), `bare node:http ${fmtMs(median(bare))}`, fmtX(hsMedian / median(bare)), '< 400 ms', hsMedian < 400,
    `median of ${n} starts (${hs.map((t) => Math.round(t)).join(', ')} ms) of node out/server/cli.js (the build npm run serve runs), from spawn; bare node:http under --import tsx: ${fmtMs(median(bareTsx))}`)
  row(6, 'start-up, existing keys (RS256)', fmtMs(median(rs)), `HS256 ${fmtMs(hsMedian)}`, fmtX(median(rs) / hsMedian), '< 400 ms', median(rs) < 400, `median of ${n} starts`)
  let observed
  let pass
  if (keyAt === null) {
    observed = `no ${keyFile.split('/').at(-1)} appeared within 15 s; first answer at ${fmtMs(firstAnswer)}`
    pass = false
  } else if (listenMs < keyAt) {
    pass = duringKeygen.length > 0
    observed = `listening at ${fmtMs(listenMs)}, key written at ${fmtMs(keyAt)}: ${duringKeygen.length} requests answered during generation (${duringKeygen.map((p) => p.status).slice(0, 3).join(', ')}…)`
  } else {
    pass = false
    observed = `listens only after generation: key written at ${fmtMs(keyAt)}, listening at ${fmtMs(listenMs)}, first answer at ${fmtMs(firstAnswer)}; nothing can be answered before`
  }
  row(6, 'first start, RS256 key generation (no keys)', fmtMs(listenMs), `existing keys ${fmtMs(median(rs))}`, fmtX(listenMs / median(rs)), 'requests answered during keygen', pass, observed)
})

await scenario(7, 'the console: bundle size, Sessions screen with 10,000 sessions', async () => {
  // bench/lib/console.ts starts its own server and Debian's chromium, both on the server core.
  await waitQuiet()
  const r = await runJson('console', SERVER_CORE, [NODE, '--import', 'tsx', join(BENCH, 'lib/console.ts'), '10000'], { cwd: ROOT })
  raw.scenario7 = r
  const kb = r.jsGzipBytes / 1024
  row(7, 'console JavaScript, gzipped', `${kb.toFixed(0)} KB`, '—', '—', '< 300 KB', kb < 300)
  const f = r.fling
  const j = r.jumps
  // Jank: frames over 50 ms, the threshold of the browser's Long Animation Frames.
  row(7, `Sessions screen, ${r.sessions.toLocaleString('en-US')} sessions, fast scroll`, `${f.over50} of ${r.frames} frames over 50 ms; p95 ${f.p95} ms`,
    `static page of all rows: p95 ${r.staticFling.p95} ms`, fmtX(f.p95 / r.staticFling.p95), '≤ 1 % of frames over 50 ms', f.over50 <= r.frames / 100,
    `${r.flingPxPerFrame} px a frame; p50 ${f.p50} ms (static ${r.staticFling.p50}), max ${f.max} ms; ${r.renderedRows} rows in the page; all listed ${fmtMs(r.listMs)} after opening`)
  row(7, 'Sessions screen, scrollbar jumps', `${j.over50} of ${r.frames} frames over 50 ms; p95 ${j.p95} ms`, '—', '—', '—', null,
    `${r.frames} frames, a new screenful each, top to bottom; p50 ${j.p50} ms, max ${j.max} ms, ${j.over50} over 50 ms`)
  row(7, 'Sessions screen, filtering them', fmtMs(r.filterMs), '100 ms (feels instant)', fmtX(r.filterMs / 100), '≤ 100 ms', r.filterMs <= 100, 'from the input event to the matching rows in the page')
})

// ---------------------------------------------------------------------------------------------

const header = `authdock bench, ${machine.date.slice(0, 10)}: ${machine.cores} cores (${machine.model}), Node ${machine.node}, ${machine.mode} run (${SECONDS} s per measurement, ${WARMUP} s warm-up, ${CONNECTIONS} connections; servers on core ${SERVER_CORE}, load on core ${LOAD_CORE}; scenario 1 load by ${HOT_PATH_GENERATOR}, the others by autocannon)`
raw.maxForeignCpuPct = maxForeign
const noise = `Other processes (and hypervisor steal) used at most ${maxForeign.toFixed(0)} % of a core during any measurement${maxForeign > NOISY_PCT ? `: THE MACHINE WAS NOT QUIET, these figures are unreliable: ${noisy.join(', ')}` : ''}.`
process.stdout.write(`\n${header}\n\n${plainTable()}\n\n${noise}\n`)
if (args.markdown) process.stdout.write(`\n${header}\n\n${markdownTable()}\n\n${noise}\n`)
if (args.json) writeFileSync(args.json, JSON.stringify({ machine, rows, raw }, null, 2) + '\n')
await stopAll()
cleanupSync()
process.exitCode = rows.some((r) => r.result === 'FAIL' && r.figure === 'error') ? 1 : 0
