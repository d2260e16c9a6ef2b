// /docs in Chromium: Swagger UI renders the document generated from the route table, under the
// page's own strict CSP (no inline script, no eval, nothing from another origin), and an operation
// opens to show its schema and statuses.

import { expect, test } from './fixtures.ts'

test('/docs lists the API from /openapi.json, with no CSP violation and no request to another origin', async ({ server, page }) => {
  const violations: string[] = []
  const foreign: string[] = []
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text())
  })
  page.on('request', (r) => {
    if (!r.url().startsWith(server.url) && !r.url().startsWith('data:')) foreign.push(r.url())
  })
  await page.goto(`${server.url}/docs`)
  await expect(page.getByRole('heading', { name: /authdock/ })).toBeVisible()
  // Operations grouped by tag, each with its method and path.
  const whoami = page.locator('.opblock', { hasText: '/api/v1/users/whoami' })
  await expect(whoami).toBeVisible()
  await expect(page.locator('.opblock-tag', { hasText: 'admin: sessions' })).toBeVisible()
  await whoami.locator('.opblock-summary').click()
  // The success schema and the documented error statuses.
  await expect(whoami.getByText('is_superuser').first()).toBeVisible()
  await expect(whoami.locator('.response', { hasText: '401' }).first()).toBeVisible()
  expect(violations).toEqual([])
  expect(foreign).toEqual([])
})
