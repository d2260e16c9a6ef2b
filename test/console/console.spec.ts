// The console in Chromium against a real headless server: every screen, driven as an admin does.

import { readFileSync } from 'node:fs'
import { ADMIN, Client, expect, setUp, test } from './fixtures.ts'

test('first-run setup creates the first superuser from the code the server printed', async ({ server, page }) => {
  expect(server.setupCode).not.toBeNull()
  await page.goto(server.url)
  await expect(page.getByRole('heading', { name: 'Welcome to authdock' })).toBeVisible()
  await page.getByLabel('Setup code').fill('wrong-code')
  await page.getByLabel('Username').fill(ADMIN.username)
  await page.getByLabel('Password').fill('short')
  // The rules are shown as the password is typed, and the form waits for them.
  await expect(page.getByText('✓ At least 8 characters')).toHaveCount(0)
  await expect(page.getByRole('button', { name: 'Create superuser' })).toBeDisabled()
  await page.getByLabel('Password').fill(ADMIN.password)
  await expect(page.getByText('✓ At least 8 characters')).toBeVisible()
  await page.getByRole('button', { name: 'Create superuser' }).click()
  await expect(page.getByRole('alert')).toContainText(/code/i)

  await page.getByLabel('Setup code').fill(server.setupCode ?? '')
  await page.getByRole('button', { name: 'Create superuser' }).click()
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible()
  await expect(page.getByText('admin', { exact: true })).toBeVisible()
})

test('sign in refuses a wrong password and lets the superuser in; a plain user is turned away', async ({ server, page }) => {
  await setUp(server)
  const admin = new Client(server.url)
  await admin.login(ADMIN.username, ADMIN.password)
  await admin.createUser('plain', 'plain-password-1')

  await page.goto(server.url)
  await page.getByLabel('Username').fill(ADMIN.username)
  await page.getByLabel('Password').fill('not-the-password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByRole('alert')).toContainText(/incorrect|invalid/i)

  await page.getByLabel('Password').fill(ADMIN.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Security checklist' })).toBeVisible()
  await expect(page.locator('.card', { hasText: 'Users' })).toContainText('2')

  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.getByLabel('Username').fill('plain')
  await page.getByLabel('Password').fill('plain-password-1')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByText('who is not a superuser')).toBeVisible()
})

test('create a user, then deactivate them: the notice says what was revoked', async ({ server, admin }) => {
  await admin.getByRole('link', { name: 'Users' }).click()
  await admin.getByRole('button', { name: 'New user' }).click()
  await admin.getByLabel('Username').fill('alice')
  await admin.getByLabel('Password', { exact: true }).fill('alice-password-1')
  await admin.getByRole('button', { name: 'Create user' }).click()
  await expect(admin.getByRole('status').filter({ hasText: 'Created' })).toContainText('Created alice')
  const row = admin.locator('tr[data-username="alice"]')
  await expect(row).toContainText('active')

  // alice signs in from an app; deactivating her ends that session.
  const app = new Client(server.url)
  await app.login('alice', 'alice-password-1')
  await row.getByRole('button', { name: 'Deactivate' }).click()
  await expect(admin.getByRole('status').filter({ hasText: 'Deactivated' })).toContainText('Deactivated alice: 1 session revoked')
  await expect(row).toContainText('inactive')
  expect((await app.whoami()).status).toBe(401)

  // Search narrows the table.
  await admin.getByLabel('Search users').fill('ali')
  await expect(admin.locator('tbody tr')).toHaveCount(1)
})

test('a login by another client appears in Sessions without a reload; revoking it there ends that client at once', async ({ server, admin, adminClient }) => {
  await adminClient.createUser('bob', 'bob-password-12')
  await admin.getByRole('link', { name: 'Sessions' }).click()
  await expect(admin.getByRole('status').filter({ hasText: 'Live' })).toBeVisible()
  const bob = new Client(server.url, 'bob-app/2.0')
  await bob.login('bob', 'bob-password-12')
  const row = admin.locator('[data-username="bob"]')
  await expect(row).toBeVisible({ timeout: 1_000 })
  await expect(row).toContainText('bob-app')

  expect((await bob.whoami()).status).toBe(200)
  await row.getByRole('button', { name: 'Revoke', exact: true }).click()
  await expect(admin.getByRole('status').filter({ hasText: 'revoked' })).toContainText('1 session revoked')
  expect((await bob.whoami()).status).toBe(401)
  // It leaves the active list as the server reports the revocation.
  await expect(row).toHaveCount(0)
})

test('a refresh-token reuse shows up marked in the chain and in the audit log', async ({ server, admin, adminClient }) => {
  await adminClient.createUser('carol', 'carol-password-1')
  const carol = new Client(server.url, 'carol-app/1.0')
  await carol.login('carol', 'carol-password-1')
  const first = carol.refreshToken
  expect((await carol.refresh()).status).toBe(200)
  // The rotated-out token, presented again after the grace window's reach: a second rotation first.
  expect((await carol.refresh()).status).toBe(200)
  const reuse = await carol.refresh(first)
  expect(reuse.status).toBe(401)

  await admin.getByRole('link', { name: 'Sessions' }).click()
  await admin.getByLabel('State').selectOption('revoked')
  await admin.locator('[data-username="carol"]').getByRole('link', { name: 'carol' }).click()
  await expect(admin.getByRole('heading', { name: 'Refresh-token chain' })).toBeVisible()
  const chain = admin.getByRole('list', { name: 'Refresh-token chain' })
  await expect(chain.locator('li')).toHaveCount(3)
  await expect(chain.locator('li.reuse')).toHaveCount(1)
  await expect(chain.locator('li[data-generation="0"]')).toHaveClass(/reuse/)
  await expect(chain.getByRole('note')).toContainText('Reuse detected')

  await admin.getByRole('link', { name: 'Audit log' }).click()
  await expect(admin.locator('tr[data-type="refresh_reuse_detected"]')).toHaveCount(1)
  await expect(admin.locator('tr[data-type="refresh_reuse_detected"]')).toContainText('carol')
})

test('a grace-window answer to the same client shows on its link in the chain, live, and in the audit log', async ({ server, admin, adminClient }) => {
  await adminClient.createUser('dave', 'dave-password-1')
  const dave = new Client(server.url, 'dave-app/1.0')
  await dave.login('dave', 'dave-password-1')
  const first = dave.refreshToken
  expect((await dave.refresh()).status).toBe(200)
  // A second tab of the same client presents the token just rotated: the same next token, recorded.
  expect((await dave.refresh(first)).status).toBe(200)

  await admin.getByRole('link', { name: 'Sessions' }).click()
  await admin.locator('[data-username="dave"]').getByRole('link', { name: 'dave' }).click()
  const chain = admin.getByRole('list', { name: 'Refresh-token chain' })
  const answers = chain.getByRole('list', { name: 'Grace-window answers of token #1' })
  await expect(answers.getByRole('listitem')).toHaveCount(1)
  await expect(answers).toContainText('within the grace window from 127.0.0.1')
  await expect(answers).toContainText('dave-app/1.0')
  await expect(chain.locator('li.reuse')).toHaveCount(0)
  // Another one arrives while the page is open: it appears without a reload.
  expect((await dave.refresh(first)).status).toBe(200)
  await expect(answers.getByRole('listitem')).toHaveCount(2)

  await admin.getByRole('link', { name: 'Audit log' }).click()
  await admin.getByLabel('Event type').selectOption('refresh_grace_reused')
  await expect(admin.locator('tr[data-type="refresh_grace_reused"]')).toHaveCount(2)
  await expect(admin.locator('tr[data-type="refresh_grace_reused"]').first()).toContainText('dave')
})

test('regenerate keys: a new kid signs, and tokens issued before still verify', async ({ server, admin, adminClient }) => {
  void server
  await admin.getByRole('link', { name: 'Keys & algorithm' }).click()
  const kid = admin.getByTestId('active-kid')
  const before = (await kid.textContent()) ?? ''
  expect(before).not.toBe('')
  const oldToken = adminClient.accessToken

  await admin.getByRole('button', { name: 'Regenerate keys' }).click()
  await expect(admin.getByRole('status').filter({ hasText: 'New signing key' })).toBeVisible()
  await expect(kid).not.toHaveText(before)
  const after = (await kid.textContent()) ?? ''
  await expect(admin.locator(`tr[data-kid="${before}"]`)).toContainText('verify-only')
  // The Retires column says when the verify-only key goes: after the tokens it signed expire.
  await expect(admin.locator(`tr[data-kid="${before}"] td`).nth(5)).toContainText(/^in /)
  await expect(admin.locator(`tr[data-kid="${after}"]`)).toContainText('active')

  expect((await adminClient.whoami(oldToken)).status).toBe(200)
  const fresh = new Client(adminClient.url)
  await fresh.login(ADMIN.username, ADMIN.password)
  expect(JSON.parse(Buffer.from(fresh.accessToken.split('.')[0] ?? '', 'base64url').toString()).kid).toBe(after)
})

test('switch to RS256 and back to HS256 from the Keys screen', async ({ server, admin }) => {
  await admin.getByRole('link', { name: 'Keys & algorithm' }).click()
  await expect(admin.getByRole('heading', { name: 'Signing with HS256' })).toBeVisible()
  await admin.getByLabel('Algorithm', { exact: true }).selectOption('RS256')
  await admin.getByRole('button', { name: 'Switch algorithm' }).click()
  await expect(admin.getByRole('heading', { name: 'Signing with RS256' })).toBeVisible()
  const client = new Client(server.url)
  await client.login(ADMIN.username, ADMIN.password)
  expect(JSON.parse(Buffer.from(client.accessToken.split('.')[0] ?? '', 'base64url').toString()).alg).toBe('RS256')
  await expect(admin.getByRole('button', { name: 'Copy public key (JWK)' })).toBeVisible()

  await admin.getByLabel('Algorithm', { exact: true }).selectOption('HS256')
  await admin.getByRole('button', { name: 'Switch algorithm' }).click()
  await expect(admin.getByRole('heading', { name: 'Signing with HS256' })).toBeVisible()
  // The RS256 token issued in between still verifies.
  expect((await client.whoami()).status).toBe(200)
})

test('the inspector decodes a pasted token, finds its session, and revokes it', async ({ server, admin, adminClient }) => {
  await adminClient.createUser('dave', 'dave-password-1')
  const dave = new Client(server.url, 'dave-app/1.0')
  await dave.login('dave', 'dave-password-1')

  await admin.getByRole('link', { name: 'Token inspector' }).click()
  await admin.getByLabel('Access or refresh token').fill(dave.accessToken)
  await admin.getByRole('button', { name: 'Inspect' }).click()
  const verification = admin.getByRole('region', { name: 'Verification' })
  await expect(verification).toContainText('verifies')
  await expect(verification).toContainText('access token')
  await expect(admin.getByRole('region', { name: 'Header' })).toContainText('"alg": "HS256"')
  await expect(admin.getByRole('region', { name: 'Claims' })).toContainText('"access"')
  await expect(verification.getByRole('link', { name: 'dave' })).toBeVisible()

  await admin.getByRole('button', { name: 'Revoke this session' }).click()
  await expect(verification).toContainText('not active')
  await expect(admin.getByTestId('inspect-reason')).toContainText('revoked')
  expect((await dave.whoami()).status).toBe(401)

  // A tampered token does not verify, and says so.
  const [h, p] = dave.accessToken.split('.')
  await admin.getByLabel('Access or refresh token').fill(`${h}.${p}.AAAA`)
  await admin.getByRole('button', { name: 'Inspect' }).click()
  await expect(verification).toContainText('does not verify')
})

test('token settings are saved and shown with their recommended ranges', async ({ admin }) => {
  await admin.getByRole('link', { name: 'Token settings' }).click()
  const field = admin.getByLabel('Access token lifetime')
  await expect(field).toBeVisible()
  await field.fill('900')
  await admin.getByRole('button', { name: 'Save' }).click()
  await expect(admin.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible()
  await admin.reload()
  await expect(admin.getByLabel('Access token lifetime')).toHaveValue('900')
  await expect(admin.getByText(/Recommended/).first()).toBeVisible()
})

test('the audit export downloads the log as CSV', async ({ admin }) => {
  await admin.getByRole('link', { name: 'Audit log' }).click()
  await expect(admin.locator('tr[data-type="login_succeeded"]').first()).toBeVisible()
  const [download] = await Promise.all([admin.waitForEvent('download'), admin.getByRole('button', { name: 'Export CSV' }).click()])
  expect(download.suggestedFilename()).toMatch(/^authdock-audit-.*\.csv$/)
  const csv = readFileSync(await download.path(), 'utf8')
  expect(csv.split('\r\n')[0]).toBe('id,at,type,user_id,username,session_id,ip,user_agent,detail')
  expect(csv).toContain('setup_completed')
  expect(csv).toContain('login_succeeded')
})

test('live updates resume after the server restarts', async ({ server, admin, adminClient }) => {
  await adminClient.createUser('erin', 'erin-password-1')
  await admin.getByRole('link', { name: 'Audit log' }).click()
  await expect(admin.getByRole('status').filter({ hasText: 'Live' })).toBeVisible()
  await server.restart()
  const erin = new Client(server.url)
  await erin.login('erin', 'erin-password-1')
  // No reload: the feed reconnects by itself and the new login appears.
  await expect(admin.locator('tr[data-type="login_succeeded"]', { hasText: 'erin' })).toBeVisible({ timeout: 15_000 })
  await expect(admin.getByRole('status').filter({ hasText: 'Live' })).toBeVisible()
})

test('the feed survives a restart after the access token expired: the console refreshes its session and resumes', async ({ server, admin, adminClient }) => {
  // Two-second access tokens; the console signs in again to get one.
  const patched = await adminClient.request('PATCH', '/api/v1/admin/settings', {
    body: JSON.stringify({ access_token_expire_seconds: 2 }),
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminClient.accessToken}` },
  })
  expect(patched.status, await patched.text()).toBe(200)
  await admin.getByRole('button', { name: 'Sign out' }).click()
  await admin.getByLabel('Username').fill(ADMIN.username)
  await admin.getByLabel('Password').fill(ADMIN.password)
  await admin.getByRole('button', { name: 'Sign in' }).click()
  await admin.getByRole('link', { name: 'Audit log' }).click()
  await expect(admin.getByRole('status').filter({ hasText: 'Live' })).toBeVisible()

  // Down for longer than the access token lives: the feed's reconnect is refused (401), and the
  // console must refresh its session with the refresh cookie rather than fall back to sign-in.
  await server.restart(() => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3_000))
  await adminClient.createUser('frank', 'frank-password-1')
  await expect(admin.locator('tr[data-type="user_created"]', { hasText: 'frank' })).toBeVisible({ timeout: 20_000 })
  await expect(admin.getByRole('heading', { name: 'Audit log' })).toBeVisible()
  await expect(admin.getByRole('status').filter({ hasText: 'Live' })).toBeVisible()
})

test("a user's API keys: listed from the Users screen without the key, revocable there; a password reset says it revoked the rest", async ({ server, admin, adminClient }) => {
  await adminClient.createUser('dana', 'dana-password-1')
  const dana = new Client(server.url, 'dana-cli/1.0')
  await dana.login('dana', 'dana-password-1')
  const keys: { id: string; api_key: string }[] = []
  for (const name of ['ci', 'laptop']) {
    const res = await dana.request('POST', '/api/v1/api_key/', { body: JSON.stringify({ name }), headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${dana.accessToken}` } })
    expect(res.status).toBe(200)
    keys.push((await res.json()) as { id: string; api_key: string })
  }
  const works = async (key: string) => (await dana.request('GET', '/api/v1/users/whoami', { headers: { 'x-api-key': key } })).status

  await admin.getByRole('link', { name: 'Users' }).click()
  await admin.locator('tr[data-username="dana"]').getByRole('button', { name: 'API keys' }).click()
  const panel = admin.getByRole('dialog', { name: 'API keys of dana' })
  await expect(panel.locator('tbody tr')).toHaveCount(2)
  await expect(panel).toContainText(keys[0]?.api_key.slice(0, 8) ?? '')
  await expect(panel).not.toContainText(keys[0]?.api_key.slice(8) ?? '')
  await panel.locator(`tr[data-key-id="${keys[0]?.id}"]`).getByRole('button', { name: 'Revoke' }).click()
  await expect(panel.getByRole('status')).toContainText('Revoked ci')
  await expect(panel.locator('tbody tr')).toHaveCount(1)
  expect(await works(keys[0]?.api_key ?? '')).toBe(401)
  expect(await works(keys[1]?.api_key ?? '')).toBe(200)
  await panel.getByRole('button', { name: 'Close' }).click()

  await admin.locator('tr[data-username="dana"]').getByRole('button', { name: 'Reset password' }).click()
  await expect(admin.getByRole('dialog')).toContainText('API keys are revoked')
  await admin.getByLabel('New password').fill('dana-new-password-2')
  await admin.getByRole('button', { name: 'Set password', exact: true }).click()
  await expect(admin.getByRole('status').filter({ hasText: 'Password of dana reset' })).toContainText('1 session revoked, 1 API key revoked')
  expect(await works(keys[1]?.api_key ?? '')).toBe(401)
})
