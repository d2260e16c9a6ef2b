// `npm run screenshots`: regenerates docs/screenshots/*.png, the console's screens as the README
// shows them. Starts a headless server on a fresh config dir, fills it with a small realistic
// story (users, app logins, a refresh-token reuse, a key rotation), and photographs each screen in
// Debian's chromium at 1280×800, light theme, plus the Sessions screen in the dark theme.

import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import type { Page } from '@playwright/test'
import { CHROMIUM, CHROMIUM_ARGS } from '../playwright.config.ts'
import { ADMIN, Client, ROOT, launchServer, setUp } from '../test/console/harness.ts'

const OUT = join(ROOT, 'docs/screenshots')

async function story(url: string): Promise<{ reusedSession: string; sampleToken: string }> {
  const admin = new Client(url, 'admin-script/1.0')
  await admin.login(ADMIN.username, ADMIN.password)
  const apps = ['langflow/1.4 (python-requests/2.32)', 'Mozilla/5.0 Chrome/131.0 Safari/537.36', 'notebook-sync/0.9 (node)', 'curl/8.5.0']
  for (const [i, name] of ['alice', 'bob', 'carol', 'dave', 'erin'].entries()) {
    await admin.createUser(name, `${name}-password-1`, i === 0)
    const app = new Client(url, apps[i % apps.length])
    await app.login(name, `${name}-password-1`)
    if (i % 2 === 0) await app.refresh()
  }
  for (let i = 0; i < 3; i++) await new Client(url).request('POST', '/api/v1/login', { body: 'username=bob&password=wrong-guess', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })
  // A stolen refresh token replayed after the real client rotated it twice: a reuse detection.
  const victim = new Client(url, 'notebook-sync/0.9 (node)')
  await victim.login('carol', 'carol-password-1')
  const stolen = victim.refreshToken
  await victim.refresh()
  await victim.refresh()
  await victim.refresh(stolen)
  const introspected = await admin.request('POST', '/api/v1/admin/inspect', { body: JSON.stringify({ token: victim.accessToken }), headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${admin.accessToken}` } })
  const reusedSession = ((await introspected.json()) as { session: { id: string } }).session.id
  await admin.request('POST', '/api/v1/admin/keys/rotate', { body: '{}', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${admin.accessToken}` } })
  const sample = new Client(url, 'langflow/1.4 (python-requests/2.32)')
  await sample.login('dave', 'dave-password-1')
  return { reusedSession, sampleToken: sample.accessToken }
}

async function shoot(page: Page, name: string): Promise<void> {
  // Not 'networkidle': the live feed keeps a request open for good.
  await page.waitForFunction(() => document.querySelector('[aria-busy="true"]') === null)
  await page.waitForTimeout(300)
  await page.screenshot({ path: join(OUT, `${name}.png`) })
  console.log(`docs/screenshots/${name}.png`)
}

const server = await launchServer()
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
try {
  mkdirSync(OUT, { recursive: true })
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' })
  const page = await context.newPage()
  await page.goto(server.url)
  await shoot(page, 'setup')
  await setUp(server)
  await page.reload()
  await shoot(page, 'sign-in')
  await page.getByLabel('Username').fill(ADMIN.username)
  await page.getByLabel('Password').fill(ADMIN.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Overview' }).waitFor()

  const { reusedSession, sampleToken } = await story(server.url)
  for (const [name, hash] of [['overview', 'overview'], ['users', 'users'], ['sessions', 'sessions'], ['keys', 'keys'], ['token-settings', 'settings'], ['audit', 'audit']]) {
    await page.goto(`${server.url}/#/${hash}`)
    await page.locator('.content h1').waitFor()
    await shoot(page, name ?? '')
  }
  await page.goto(`${server.url}/#/sessions/${reusedSession}`)
  await page.getByRole('heading', { name: 'Refresh-token chain' }).waitFor()
  await shoot(page, 'session-chain')
  await page.goto(`${server.url}/#/inspector`)
  await page.getByLabel('Access or refresh token').fill(sampleToken)
  await page.getByRole('button', { name: 'Inspect' }).click()
  await page.getByRole('region', { name: 'Claims' }).waitFor()
  await shoot(page, 'inspector')

  const dark = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark', storageState: await context.storageState() })
  const darkPage = await dark.newPage()
  await darkPage.goto(`${server.url}/#/sessions`)
  await darkPage.locator('.content h1').waitFor()
  await shoot(darkPage, 'sessions-dark')
} finally {
  await browser.close()
  await server.close()
}
