// What the forward-auth tests of each proxy share: the protected app behind the proxy, free ports,
// and the attack of a page on another port in Chromium.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { connect, createServer as createTcpServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { chromium } from '@playwright/test'
import { CHROMIUM, CHROMIUM_ARGS } from '../../playwright.config.ts'
import { ACCESS_COOKIE } from '../../src/server/http/cookies.ts'
import { call, login, startServer } from '../helpers.ts'

/** What the app behind the proxy saw of one request. */
export interface Seen {
  method: string
  url: string
  user: string | undefined
  userId: string | undefined
  superuser: string | undefined
  bodyBytes: number
}

/** The protected app's page with a form that posts to the app itself, sent as soon as it loads. */
export const OWN_FORM_PATH = '/app/form'
export const SUBMIT_PATH = '/app/submit'
export const autoPostingForm = (action: string) =>
  `<!doctype html><form method="post" action="${action}"><input name="amount" value="100"></form><script>document.forms[0].submit()</script>`

/**
 * The protected app: answers every request with the X-Auth-* headers the proxy handed it (as JSON),
 * except its own form page; `seen` is every request that reached it.
 */
export async function startApp(t: TestContext): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let bodyBytes = 0
    req.on('data', (chunk: Buffer) => void (bodyBytes += chunk.length))
    req.on('end', () => {
      const header = (name: string) => {
        const v = req.headers[name]
        return Array.isArray(v) ? v.join(',') : v
      }
      const request: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        user: header('x-auth-user'),
        userId: header('x-auth-user-id'),
        superuser: header('x-auth-superuser'),
        bodyBytes,
      }
      seen.push(request)
      if (req.url === OWN_FORM_PATH) {
        res.setHeader('content-type', 'text/html')
        res.end(autoPostingForm(SUBMIT_PATH))
        return
      }
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(request))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const address = server.address()
  assert.ok(address !== null && typeof address === 'object')
  return { port: address.port, seen }
}

export type ThroughOptions = Parameters<typeof call>[3] & { method?: string; path?: string }

/** A request through the proxy; `seen` is what the app received, null when the proxy answered itself. */
export async function callThrough(proxy: string, options: ThroughOptions = {}) {
  const r = await call(proxy, options.method ?? 'GET', options.path ?? '/app/page?x=1', options)
  const fromApp = r.status === 200 && r.body !== null && typeof r.body === 'object' && 'bodyBytes' in r.body
  return { ...r, seen: fromApp ? (r.body as Seen) : null }
}

/** A port that was free a moment ago (neither nginx nor Caddy can be told to pick one itself). */
export async function freePort(): Promise<number> {
  const probe = createTcpServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const address = probe.address()
  assert.ok(address !== null && typeof address === 'object')
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return address.port
}

export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

// The addresses each deploy/ snippet is written with; the tests swap exactly these two strings.
const AUTHDOCK_ADDRESS = '127.0.0.1:7861'
const APP_ADDRESS = '127.0.0.1:8080'

/** A deploy/ snippet as the proxy will run it, the two addresses pointed at the live servers. */
export function snippetFor(file: URL, authdockPort: number, appPort: number): string {
  const text = readFileSync(file, 'utf8')
  assert.ok(text.includes(AUTHDOCK_ADDRESS), `the snippet must name authdock as ${AUTHDOCK_ADDRESS}`)
  assert.ok(text.includes(APP_ADDRESS), `the snippet must name the app as ${APP_ADDRESS}`)
  return text.replaceAll(AUTHDOCK_ADDRESS, `127.0.0.1:${authdockPort}`).replaceAll(APP_ADDRESS, `127.0.0.1:${appPort}`)
}

/**
 * Runs a proxy in the foreground until it accepts on `port` (its output, and `moreOutput()`, in
 * the error if it does not within 10 s); SIGTERM when the test ends, SIGKILL 5 s later.
 */
export async function runProxy(
  t: TestContext, name: string, command: string, args: string[], port: number,
  options: { env?: NodeJS.ProcessEnv; moreOutput?: () => string } = {},
): Promise<string> {
  const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString()))
  let exited = false
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  void exit.then(() => void (exited = true))
  t.after(async () => {
    if (exited) return
    child.kill('SIGTERM') // nginx: fast shutdown of master and workers; caddy: graceful stop
    await Promise.race([exit, sleep(5000)])
    if (!exited) child.kill('SIGKILL')
  })
  const deadline = Date.now() + 10_000
  while (!(await accepts(port))) {
    if (exited || Date.now() > deadline) {
      throw new Error(`${name} did not start (${exited ? `exited with ${child.exitCode}` : 'timed out'}):\n${output}${options.moreOutput?.() ?? ''}`)
    }
    await sleep(50)
  }
  return `http://127.0.0.1:${port}`
}

/**
 * The admin's browser holds the access cookie for 127.0.0.1 (cookies do not separate ports), and a
 * page on another port posts a form to the app behind the proxy. SameSite=Lax sends the cookie
 * along (another port is the same site), so only the forward-auth answer stands between that form
 * and the app; the app's own form goes through. `startProxy` returns the proxy's base URL.
 */
export async function crossPortFormIsRefused(t: TestContext, startProxy: (authdockPort: number, appPort: number) => Promise<string>): Promise<void> {
  const authdock = await startServer(t)
  const app = await startApp(t)
  const proxy = await startProxy(Number(new URL(authdock.url).port), app.port)
  const admin = await login(authdock.url)

  // The other page: another port of 127.0.0.1, posting to the protected app as soon as it loads.
  const attacker = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html')
    res.end(autoPostingForm(`${proxy}${SUBMIT_PATH}`))
  })
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => attacker.close(() => resolve())))
  const attackerPort = (attacker.address() as AddressInfo).port
  assert.notEqual(attackerPort, new URL(proxy).port)

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  t.after(() => browser.close())
  const context = await browser.newContext()
  // As the server sets it at login (cookies.ts), for the host of every port.
  await context.addCookies([{ name: ACCESS_COOKIE, value: admin.access, domain: '127.0.0.1', path: '/', sameSite: 'Lax', httpOnly: false, secure: false }])
  const page = await context.newPage()
  const submitted = () => page.waitForResponse((r) => r.url() === `${proxy}${SUBMIT_PATH}` && r.request().method() === 'POST')
  const posts = () => app.seen.filter((s) => s.method === 'POST')

  const foreign = submitted()
  await page.goto(`http://127.0.0.1:${attackerPort}/`)
  const refused = await foreign
  assert.equal(refused.status(), 403, 'the proxy answers the forward-auth 403')
  assert.deepEqual(posts(), [], 'the app never received the cross-site POST')

  const own = submitted()
  await page.goto(`${proxy}${OWN_FORM_PATH}`)
  const accepted = await own
  assert.equal(accepted.status(), 200)
  assert.equal(posts().length, 1, 'the app\'s own form went through')
  assert.equal(posts()[0]?.user, 'admin', 'as the admin, by cookie')
  assert.equal(posts()[0]?.url, SUBMIT_PATH)
  assert.ok(app.seen.some((s) => s.method === 'GET' && s.url === OWN_FORM_PATH && s.user === 'admin'), 'the page itself was served by cookie')
}
