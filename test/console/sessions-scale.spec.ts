// The Sessions screen with thousands of sessions: the list is virtualised (only rows in view are
// in the page), scrolls to the last session, and filters across all of them. How fast it does
// so is bench/'s business; this checks that it does.

import { expect, seedSessions, test } from './fixtures.ts'

const SESSIONS = 3_000

test('thousands of sessions: few rows in the page, scrolling reaches the end, filtering searches them all', async ({ server, admin }) => {
  await server.restart(() => seedSessions(server, 500, SESSIONS))
  await admin.goto(`${server.url}/#/sessions`)
  const rows = admin.getByRole('rowgroup', { name: 'Session rows' })
  await expect(rows).toHaveAttribute('aria-rowcount', String(SESSIONS + 1)) // the admin's own session too
  const rendered = await rows.getByRole('row').count()
  expect(rendered).toBeGreaterThan(5)
  expect(rendered).toBeLessThan(100)

  // Scroll to the bottom: the last row is rendered, the first is not.
  await rows.evaluate((el) => el.scrollTo(0, el.scrollHeight))
  await expect(rows.locator(`[aria-rowindex="${SESSIONS + 1}"]`)).toBeVisible()
  await expect(rows.locator('[aria-rowindex="1"]')).toHaveCount(0)

  // Sessions belong to user000000…user000499 in turn: one user's filter finds exactly theirs.
  await admin.getByLabel('Filter sessions').fill('user000123')
  await expect(rows).toHaveAttribute('aria-rowcount', String(SESSIONS / 500))
  await expect(rows.getByRole('row')).toHaveCount(SESSIONS / 500)
})
