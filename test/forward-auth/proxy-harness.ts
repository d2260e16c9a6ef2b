// What the forward-auth tests of each proxy share: the protected app behind the proxy, free ports,
// and the attack of a page on another port in Chromium.

import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { connect, createServer as createTcpServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { chromium } from '@playwright/test'
import { CHROMIUM, CHROMIUM_ARGS } from '../../playwright.config.ts'
import { ACCESS_COOKIE } from '../../src/server/http/cookies.ts'
import { login, startServer } from '../helpers.ts'

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
