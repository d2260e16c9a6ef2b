// Browser tests of the console (test/console/*.spec.ts): Debian's chromium, driven by Playwright,
// against the headless server with the web console that each test starts on a fresh config dir.
// `npm test` runs them after the node tests; `npx playwright test` runs them alone (build first:
// `npx electron-vite build`).

import { defineConfig } from '@playwright/test'

export const CHROMIUM = process.env.AUTHDOCK_CHROMIUM ?? '/usr/bin/chromium'
/** No sandbox (root in CI), no GPU, and nothing that reaches out to the network. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']

export default defineConfig({
  testDir: 'test/console',
  testMatch: '*.spec.ts',
  // Two cores: one browser at a time, beside the server it drives.
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 5_000 },
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
    },
  },
})
