// The Users screen edits the profile apps signing in with authdock see: an email and groups set in
// the profile dialog show in the table and reach the admin API; a reserved group is refused there.

import { expect, test } from './fixtures.ts'

test('Users: set an email, a name and a group in the profile dialog; the table shows them and the API has them', async ({ admin, adminClient }) => {
  const id = await adminClient.createUser('ivy', 'ivy-password-1')
  await admin.getByRole('link', { name: 'Users' }).click()
  const row = admin.locator('tr[data-username="ivy"]')
  await expect(row.locator('.user-email')).toContainText('—')

  await row.getByRole('button', { name: 'Profile' }).click()
  const dialog = admin.getByRole('dialog')
  await dialog.getByLabel('Groups').fill('admin')
  await dialog.getByRole('button', { name: 'Save profile' }).click()
  await expect(dialog.getByText(/the group 'admin' is reserved/)).toBeVisible()

  await dialog.getByLabel('Email').fill('Ivy@Example.COM')
  await dialog.getByLabel('Full name').fill('Ivy Pepper')
  await dialog.getByLabel('Groups').fill('grafana-editors, ops')
  await dialog.getByRole('button', { name: 'Save profile' }).click()
  await expect(admin.getByRole('status').filter({ hasText: 'Profile' })).toContainText('Profile of ivy saved.')
  await expect(row.locator('.user-email')).toHaveText('Ivy@example.com')
  await expect(row.locator('.user-groups .badge')).toHaveText(['grafana-editors', 'ops'])
  await expect(row).toContainText('Ivy Pepper')
  // The superuser's row shows the admin group superusers are in.
  await expect(admin.locator('tr[data-username="admin"] .user-groups .badge')).toHaveText(['admin'])

  const res = await adminClient.request('GET', `/api/v1/admin/users/${id}`, { headers: { Authorization: `Bearer ${adminClient.accessToken}` } })
  const body = (await res.json()) as { email: string; email_verified: boolean; name: string; groups: string[] }
  expect([body.email, body.email_verified, body.name, body.groups]).toEqual(['Ivy@example.com', true, 'Ivy Pepper', ['grafana-editors', 'ops']])

  // Reopened, the dialog shows what is stored; emptying the email clears it.
  await row.getByRole('button', { name: 'Profile' }).click()
  await expect(dialog.getByLabel('Groups')).toHaveValue('grafana-editors, ops')
  await dialog.getByLabel('Email').fill('')
  await dialog.getByRole('button', { name: 'Save profile' }).click()
  await expect(row.locator('.user-email')).toContainText('—')
})

test('New user: the create dialog takes an email and groups', async ({ admin }) => {
  await admin.getByRole('link', { name: 'Users' }).click()
  await admin.getByRole('button', { name: 'New user' }).click()
  await admin.getByLabel('Username').fill('jay')
  await admin.getByLabel('Password', { exact: true }).fill('jay-password-long-1')
  await admin.getByLabel('Email').fill('jay@example.org')
  await admin.getByLabel('Groups').fill('viewers')
  await admin.getByRole('button', { name: 'Create user' }).click()
  await expect(admin.getByRole('status').filter({ hasText: 'Created' })).toContainText('Created jay')
  const row = admin.locator('tr[data-username="jay"]')
  await expect(row.locator('.user-email')).toHaveText('jay@example.org')
  await expect(row.locator('.user-groups .badge')).toHaveText(['viewers'])
})
