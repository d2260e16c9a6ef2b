// The console's password rules in Chromium: the local rules tick off as the admin types (the
// username, repeats and sequences included), and the server's refusal of a common password shows.

import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from './fixtures.ts'

test('New user: the rules say why aaaaaaaa and alice2024 are weak, the dialog shows why password is refused, a passphrase creates the user', async ({ admin }) => {
  await admin.getByRole('link', { name: 'Users' }).click()
  await admin.getByRole('button', { name: 'New user' }).click()
  const rules = admin.locator('#create-rules')
  const password = admin.getByLabel('Password', { exact: true })
  await admin.getByLabel('Username').fill('alice')

  await password.fill('aaaaaaaa')
  await expect(rules.getByText('✓ At least 8 characters')).toBeVisible()
  await expect(rules.getByText('• Not a repeated character or a simple sequence (aaaa, 1234)')).toBeVisible()
  await password.fill('alice2024')
  await expect(rules.getByText('• Not the username or a variant of it')).toBeVisible()
  await expect(rules.getByText('✓ Not a repeated character or a simple sequence (aaaa, 1234)')).toBeVisible()

  // Every local rule is met: only the server knows the common-password list, and says so.
  await password.fill('password')
  await expect(rules.locator('li.unmet')).toHaveCount(0)
  await admin.getByRole('button', { name: 'Create user' }).click()
  await expect(admin.getByRole('dialog').getByText(/list of common or breached passwords/)).toBeVisible()

  await password.fill('violet-harbour-stapler-42')
  await admin.getByRole('button', { name: 'Create user' }).click()
  await expect(admin.getByRole('status').filter({ hasText: 'Created' })).toContainText('Created alice')
})

test('the console does not ship the common-password list', () => {
  const dir = join(import.meta.dirname, '..', '..', 'out', 'renderer', 'assets')
  const js = readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n')
  expect(js).toContain('Not the username or a variant of it')
  expect(js).not.toContain('baseball')
  expect(js).not.toContain('dictionary-compression')
})
