// A page on another port of 127.0.0.1 (any other local app, or a site that reaches the loopback)
// against the signed-in console, in Chromium. Browsers do not separate cookies by port: that page
// reads what is not HttpOnly, writes cookies for this host at any path, and posts forms here.

import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { BrowserContext, Page } from '@playwright/test'
import { ADMIN, Client, expect, test } from './fixtures.ts'

const MALLORY = { username: 'mallory', password: 'mallory-password-1' }

/** The other port's page: plain HTML, nothing of ours. */
async function startOtherOrigin(): Promise<{ url: string; cookies: string[]; close(): Promise<void> }> {
  const cookies: string[] = [] // every Cookie header the browser sent it: cookies are not isolated by port
  const server: HttpServer = createServer((req, res) => {
    if (req.headers.cookie !== undefined) cookies.push(req.headers.cookie)
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
    res.end('<!doctype html><title>another local app</title><p>hello</p>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cookies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

const otherOrigin = test.extend<{ other: { url: string; page: Page; cookies: string[] } }>({
  other: async ({ admin }, use) => {
    const site = await startOtherOrigin()
    try {
      // The same browser, the same cookie jar: another tab the admin has open.
      const page = await admin.context().newPage()
      await page.goto(site.url)
      await use({ url: site.url, page, cookies: site.cookies })
    } finally {
      await site.close()
    }
  },
})

async function serverCookies(context: BrowserContext, url: string): Promise<Record<string, string>> {
  return Object.fromEntries((await context.cookies(url)).map((c) => [`${c.name}@${c.path}`, c.value]))
}

/** What mallory gets from signing in by herself, outside the browser: Langflow's tokens and a console refresh cookie. */
async function malloryLogins(url: string): Promise<{ access: string; refresh: string; consoleCookie: string; binding: string }> {
  const langflow = new Client(url, 'mallory-script/1.0')
  await langflow.login(MALLORY.username, MALLORY.password)
  const binding = randomBytes(32).toString('base64url')
  const res = await fetch(`${url}/api/v1/console/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Authdock-Binding': binding }, body: JSON.stringify(MALLORY) })
  expect(res.status).toBe(200)
  const line = res.headers.getSetCookie().find((l) => l.startsWith('authdock_console=')) ?? ''
  return { access: langflow.accessToken, refresh: langflow.refreshToken, binding, consoleCookie: decodeURIComponent(line.slice('authdock_console='.length).split(';')[0] ?? '') }
}

otherOrigin('a page on another port finds no credential in document.cookie, and what it can read mints no API key', async ({ server, admin, adminClient, other }) => {
  const seen = await other.page.evaluate(() => document.cookie)
  expect(seen).not.toMatch(/access_token_lf|refresh_token_lf|authdock_console|apikey_tkn_lflw/)
  expect(seen).not.toMatch(/eyJ/) // nothing that looks like a JWT either
  expect(await admin.evaluate(() => document.cookie)).toBe('')

  // Whatever it found, sent home and tried as a Bearer token for a permanent superuser key.
  const values = seen.split(';').map((c) => c.slice(c.indexOf('=') + 1).trim()).filter((v) => v !== '')
  for (const value of values) {
    const r = await fetch(`${server.url}/api/v1/api_key/`, { method: 'POST', headers: { Authorization: `Bearer ${value}`, 'Content-Type': 'application/json' }, body: '{"name":"stolen"}' })
    expect(r.status, `minting with ${value.slice(0, 12)}…`).not.toBe(200)
  }
  // And from the page itself, riding on whatever cookies the browser sends along.
  await other.page.evaluate(async (target) => {
    await fetch(`${target}/api/v1/api_key/`, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: '{"name":"csrf"}' }).catch(() => null)
  }, server.url)
  const keys = await adminClient.request('GET', '/api/v1/api_key/', { headers: { Authorization: `Bearer ${adminClient.accessToken}` } })
  expect(((await keys.json()) as { api_keys: unknown[] }).api_keys).toHaveLength(0)
})

otherOrigin('cookies another port writes do not put the console in that user\'s session: duplicates are refused and cleared, a planted login is refused', async ({ server, admin, adminClient, other }) => {
  await adminClient.createUser(MALLORY.username, MALLORY.password)
  const langflow = new Client(server.url, 'mallory-script/1.0')
  await langflow.login(MALLORY.username, MALLORY.password)
  const context = admin.context()

  // Her Langflow tokens written as Langflow's cookies, at path / as the server sets them.
  await other.page.evaluate((m) => {
    document.cookie = `access_token_lf=${m.access}; path=/`
    document.cookie = `refresh_token_lf=${m.refresh}; path=/`
  }, { access: langflow.accessToken, refresh: langflow.refreshToken })
  // Signed in, the console stays the admin's: its calls carry its own Bearer token, no cookie.
  await admin.getByRole('link', { name: 'Users' }).click()
  await expect(admin.locator('tr[data-username="mallory"]')).toBeVisible()
  await expect(admin.locator('.sidebar-foot')).toContainText(ADMIN.username)

  // Her console cookie twice: a path-scoped copy (sent first) and one at our own path (ours is
  // HttpOnly: the browser keeps ours and ignores that one).
  const mallory = await malloryLogins(server.url)
  await other.page.evaluate((m) => {
    document.cookie = `authdock_console=${encodeURIComponent(m.consoleCookie)}; path=/api/v1/console/refresh`
    document.cookie = `authdock_console=${encodeURIComponent(m.consoleCookie)}; path=/api/v1/console`
  }, mallory)

  // A reload restores through the refresh cookie, which now comes twice: refused, every copy
  // cleared, and the console signed out, not signed in as mallory.
  await admin.reload()
  await expect(admin.getByRole('button', { name: 'Sign in' })).toBeVisible()
  await expect(admin.getByText('who is not a superuser')).toHaveCount(0)
  expect(Object.keys(await serverCookies(context, `${server.url}/api/v1/console/refresh`)).filter((k) => k.startsWith('authdock_console'))).toEqual([])

  // Her console cookie alone, where ours was: the session it belongs to is bound to her
  // binding, not this browser's, so the refresh is refused and nothing of hers rotates.
  await other.page.evaluate((m) => {
    document.cookie = `authdock_console=${encodeURIComponent(m.consoleCookie)}; path=/api/v1/console`
  }, mallory)
  await admin.reload()
  await expect(admin.getByRole('button', { name: 'Sign in' })).toBeVisible()
  await expect(admin.getByText('who is not a superuser')).toHaveCount(0)
  const hers = await fetch(`${server.url}/api/v1/console/refresh`, { method: 'POST', headers: { 'X-Authdock-Binding': mallory.binding, Cookie: `authdock_console=${encodeURIComponent(mallory.consoleCookie)}` } })
  expect(hers.status, 'her token was neither used nor spent by the refused refresh').toBe(200)

  // Signing in again gives the admin's console back, whatever Langflow cookies are still lying around.
  await admin.getByLabel('Username').fill(ADMIN.username)
  await admin.getByLabel('Password').fill(ADMIN.password)
  await admin.getByRole('button', { name: 'Sign in' }).click()
  await expect(admin.locator('tr[data-username="mallory"]')).toBeVisible() // back on Users, as the admin
  await expect(admin.locator('.sidebar-foot')).toContainText(ADMIN.username)
})

otherOrigin('a login form posted from another port is refused by Langflow\'s login and the console\'s, and sets no cookie', async ({ server, admin, adminClient, other }) => {
  await adminClient.createUser(MALLORY.username, MALLORY.password)
  const context = admin.context()
  const before = await serverCookies(context, `${server.url}/api/v1/console/refresh`)

  for (const path of ['/api/v1/login', '/api/v1/console/login']) {
    const target = `${server.url}${path}`
    const [response] = await Promise.all([
      other.page.waitForResponse((r) => r.url() === target),
      other.page.evaluate(({ target, who }) => {
        const form = document.createElement('form')
        form.method = 'POST'
        form.action = target
        for (const [name, value] of Object.entries(who)) {
          const input = document.createElement('input')
          input.name = name
          input.value = value
          form.append(input)
        }
        document.body.append(form)
        setTimeout(() => form.submit(), 0) // after evaluate returns: the page navigates away
      }, { target, who: MALLORY }),
    ])
    expect(response.status(), path).toBe(403)
    expect(await response.headerValue('set-cookie'), path).toBeNull()
    await other.page.waitForURL(target) // the refusal is shown, then back to the other app
    await other.page.goto(other.url)
  }
  // No Langflow cookie, and the console's own cookie untouched.
  const after = await serverCookies(context, `${server.url}/api/v1/console/refresh`)
  expect(Object.keys(after).filter((k) => /^(access|refresh)_token_lf@/.test(k))).toEqual([])
  expect(Object.keys(before)).toContain('authdock_console@/api/v1/console')
  expect(after['authdock_console@/api/v1/console']).toBe(before['authdock_console@/api/v1/console'])
  await admin.reload()
  await expect(admin.locator('.sidebar-foot')).toContainText(ADMIN.username)
})

otherOrigin('the console\'s device token is kept where another port cannot see it, and a copied device cookie replayed by that port\'s server cannot lock the console out', async ({ server, admin, other }) => {
  // Kept in the console's localStorage and sent as a header; no device cookie that the browser
  // would hand to the server on the other port.
  const token = await admin.evaluate(() => localStorage.getItem('authdock.console-device'))
  expect(token ?? '').toMatch(/^d1\.[\w-]{16}\.\d+\.[\w-]{43}$/)
  expect((await admin.context().cookies(server.url)).map((c) => c.name)).not.toContain('authdock_device')
  await other.page.reload()
  expect(other.cookies.join('; ')).not.toContain('authdock_device')

  // A device cookie of the admin's that such a server did get (Langflow's login sets one, Path=/),
  // replayed without an Origin, and guesses from 127.0.0.1 without one, all the while.
  const langflow = await fetch(`${server.url}/api/v1/login`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(ADMIN) })
  const copied = (langflow.headers.getSetCookie().find((l) => l.startsWith('authdock_device=')) ?? '').split(';')[0] ?? ''
  expect(copied).toMatch(/^authdock_device=d1\./)
  let guessing = true
  const statuses: number[] = []
  const guesser = (async () => {
    for (let i = 0; guessing; i++) {
      const r = await fetch(`${server.url}/api/v1/login`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(i % 2 === 0 ? { Cookie: copied } : {}) }, body: 'username=admin&password=wrong-password' })
      statuses.push(r.status)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  try {
    await expect.poll(() => statuses.filter((s) => s === 429).length).toBeGreaterThan(4) // the copied device and the address are locked

    // Signing out and in again: the sign-in carries the stored token in its header, and gets in.
    await admin.getByRole('button', { name: 'Sign out' }).click()
    await admin.getByLabel('Username').fill(ADMIN.username)
    await admin.getByLabel('Password').fill(ADMIN.password)
    const [request] = await Promise.all([
      admin.waitForRequest((r) => r.url().endsWith('/api/v1/console/login')),
      admin.getByRole('button', { name: 'Sign in' }).click(),
    ])
    expect(request.headers()['x-authdock-device']).toBe(token)
    expect((await request.response())?.status()).toBe(200)
    await expect(admin.getByRole('heading', { name: 'Overview' })).toBeVisible()
    const next = await admin.evaluate(() => localStorage.getItem('authdock.console-device'))
    expect(next).not.toBe(token) // a new token at each sign-in
  } finally {
    guessing = false
    await guesser
  }
})

test('the console signs in without a script-readable cookie, survives a reload through its refresh cookie, and its live feed still updates', async ({ server, admin, adminClient }) => {
  const cookies = await admin.context().cookies(`${server.url}/api/v1/console/refresh`)
  expect(cookies.map((c) => c.name)).toEqual(['authdock_console'])
  expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/v1/console' })

  await admin.reload()
  await expect(admin.getByRole('heading', { name: 'Overview' })).toBeVisible()
  await admin.getByRole('link', { name: 'Audit log' }).click()
  await expect(admin.getByRole('status').filter({ hasText: 'Live' })).toBeVisible()
  await adminClient.createUser('gina', 'gina-password-1')
  const gina = new Client(server.url)
  await gina.login('gina', 'gina-password-1')
  await expect(admin.locator('tr[data-type="login_succeeded"]', { hasText: 'gina' })).toBeVisible()

  // Signing out ends the session: a reload does not bring it back.
  await admin.getByRole('button', { name: 'Sign out' }).click()
  await expect(admin.getByRole('button', { name: 'Sign in' })).toBeVisible()
  await admin.reload()
  await expect(admin.getByRole('button', { name: 'Sign in' })).toBeVisible()
})
