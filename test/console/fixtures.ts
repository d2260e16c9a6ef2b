// Fixtures of the browser tests: a headless authdock on a fresh temp config dir, stopped after each
// test; and a page with an admin signed in to the console.

import { test as base, expect } from '@playwright/test'
import type { Page } from '@playwright/test'
import { ADMIN, Client, launchServer, setUp } from './harness.ts'
import type { Server } from './harness.ts'

export { ADMIN, Client, seedSessions, setUp } from './harness.ts'

export const test = base.extend<{ server: Server; admin: Page; adminClient: Client }>({
  // Playwright reads a fixture's dependencies from its destructured first argument: none here.
  server: async ({}, use) => {
    const server = await launchServer()
    try {
      await use(server)
    } finally {
      await server.close()
    }
  },

  /** A page signed in to the console as the first superuser, on the Overview. */
  admin: async ({ server, page }, use) => {
    await setUp(server)
    await page.goto(server.url)
    await page.getByLabel('Username').fill(ADMIN.username)
    await page.getByLabel('Password').fill(ADMIN.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible()
    await use(page)
  },

  /** The admin's API client, outside the browser (for arranging users and tokens). */
  adminClient: async ({ server, admin }, use) => {
    void admin // signed in to the console first: the setup it does is what this logs in with
    const client = new Client(server.url, 'admin-script/1.0')
    await client.login(ADMIN.username, ADMIN.password)
    await use(client)
  },
})

export { expect }
