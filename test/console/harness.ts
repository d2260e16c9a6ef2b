// The browser tests' world outside the browser: a headless authdock started as `npm run serve`
// starts it (the real CLI, port 0, a fresh config dir), and HTTP clients that log in the way a
// local app does. Shared by the Playwright fixtures and scripts/screenshots.ts; no test runner here.

import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '../..')
const CLI = join(ROOT, 'src/server/cli.ts')
const START_TIMEOUT_MS = 30_000

export const ADMIN = { username: 'admin', password: 'admin-password-1' }

export interface Server {
  readonly url: string
  readonly port: number
  readonly configDir: string
  readonly setupCode: string | null
  /** Stops the server (SIGTERM), runs `whileStopped`, and starts it again on the same port and config dir. */
  restart(whileStopped?: () => void): Promise<void>
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!/^(LANGFLOW_|AUTHDOCK_)/.test(k)) env[k] = v
  return { ...env, AUTHDOCK_BCRYPT_COST: '10' }
}

async function startCli(configDir: string, port: number): Promise<{ child: ChildProcess; url: string; port: number; setupCode: string | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', String(port), '--config-dir', configDir], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
  return new Promise((res, rej) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), rej(new Error(`server did not start in time\n${out}\n${err}`))), START_TIMEOUT_MS)
    child.on('exit', (code) => (clearTimeout(timer), rej(new Error(`server exited (${code}) before listening\n${out}\n${err}`))))
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/m.exec(out)
      if (m === null) return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      res({ child, url: m[1] ?? '', port: Number(m[2]), setupCode: /setup code (\S+)/.exec(out)?.[1] ?? null })
    })
  })
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((res) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.once('exit', () => (clearTimeout(kill), res()))
    child.kill('SIGTERM')
  })
}

async function expectStatus(res: Response, status: number): Promise<void> {
  if (res.status !== status) throw new Error(`${res.url}: expected ${status}, got ${res.status} ${await res.clone().text()}`)
}

/** The API as a local app calls it, outside the browser: its own cookies are its tokens. */
export class Client {
  accessToken = ''
  refreshToken = ''
  constructor(
    readonly url: string,
    readonly userAgent = 'local-app/1.0',
  ) {}

  async request(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    return fetch(this.url + path, { method, body: init.body, headers: { 'User-Agent': this.userAgent, ...init.headers } })
  }

  async login(username: string, password: string): Promise<void> {
    const res = await this.request('POST', '/api/v1/login', { body: new URLSearchParams({ username, password }).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })
    await expectStatus(res, 200)
    const body = (await res.json()) as { access_token: string; refresh_token: string }
    this.accessToken = body.access_token
    this.refreshToken = body.refresh_token
  }

  /** Exchanges `token` (the current refresh token by default) and keeps what it gets on success. */
  async refresh(token = this.refreshToken): Promise<Response> {
    const res = await this.request('POST', '/api/v1/refresh', { body: JSON.stringify({ refresh_token: token }), headers: { 'Content-Type': 'application/json' } })
    if (res.ok) {
      const body = (await res.clone().json()) as { access_token: string; refresh_token: string }
      this.accessToken = body.access_token
      this.refreshToken = body.refresh_token
    }
    return res
  }

  whoami(token = this.accessToken): Promise<Response> {
    return this.request('GET', '/api/v1/users/whoami', { headers: { Authorization: `Bearer ${token}` } })
  }

  /** As the admin (this client logged in as one): creates a user through the admin API. */
  async createUser(username: string, password: string, isSuperuser = false): Promise<string> {
    const res = await this.request('POST', '/api/v1/admin/users', {
      body: JSON.stringify({ username, password, is_superuser: isSuperuser }),
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.accessToken}` },
    })
    await expectStatus(res, 201)
    return ((await res.json()) as { user: { id: string } }).user.id
  }
}

/** A server on a fresh temp config dir; close() stops it and removes the dir. */
export async function launchServer(): Promise<Server & { close(): Promise<void> }> {
  if (!existsSync(join(ROOT, 'out/renderer/index.html'))) throw new Error('The console is not built: run `npx electron-vite build` (npm test does) first')
  const configDir = mkdtempSync(join(tmpdir(), 'authdock-console-'))
  let running = await startCli(configDir, 0)
  const port = running.port
  return {
    url: running.url,
    port,
    configDir,
    setupCode: running.setupCode,
    async restart(whileStopped) {
      await stop(running.child)
      whileStopped?.()
      running = await startCli(configDir, port)
    },
    async close() {
      await stop(running.child)
      rmSync(configDir, { recursive: true, force: true })
    },
  }
}

/**
 * Writes `sessions` live sessions of `users` users straight into the stopped server's database,
 * with the bench's seeder (bench/lib/seed.mjs): thousands of logins through bcrypt would take minutes.
 */
export function seedSessions(server: Server, users: number, sessions: number): void {
  const spec = { users, sessions, tokensPerSession: 2, liveSessions: sessions, password: 'seeded-password-1', cost: 10 }
  const r = spawnSync(process.execPath, [join(ROOT, 'bench/lib/seed.mjs'), join(server.configDir, 'authdock.db'), JSON.stringify(spec)], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`seeding failed: ${r.stderr}`)
}

/** Completes first-run setup over HTTP, as the README's curl steps do. */
export async function setUp(server: Server): Promise<void> {
  const res = await fetch(`${server.url}/api/v1/setup`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code: server.setupCode, ...ADMIN }) })
  await expectStatus(res, 201)
}

