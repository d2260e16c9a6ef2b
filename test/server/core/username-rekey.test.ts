// A database written under the old username rule (plain lower case) is rekeyed once at start-up,
// so users whose names the new rule folds differently (ß, final sigma, look-alikes) still sign in.

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { call, login, startServer, tempDir } from '../../helpers.ts'

test('usernames stored under the old rule still sign in after the upgrade, by any equivalent spelling', async (t) => {
  const configDir = tempDir(t)
  const first = await startServer(t, { configDir })
  const admin = await login(first.url)
  for (const username of ['Straße', 'plain']) {
    const r = await call(first.url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username, password: 'user-password-1' } })
    assert.equal(r.status, 201, JSON.stringify(r.body))
  }
  await first.close()

  // Turn the database back into one written by the old rule.
  const db = new Database(join(configDir, 'authdock.db'))
  db.prepare('UPDATE users SET username_key = lower(username)').run()
  db.prepare("DELETE FROM meta WHERE name = 'username_key_rule'").run()
  assert.equal(db.prepare("SELECT username_key FROM users WHERE username = 'Straße'").pluck().get(), 'straße')
  db.close()

  const second = await startServer(t, { configDir })
  for (const spelling of ['Straße', 'STRASSE', 'strasse']) {
    const r = await call(second.url, 'POST', '/api/v1/login', { form: { username: spelling, password: 'user-password-1' } })
    assert.equal(r.status, 200, `${spelling}: ${JSON.stringify(r.body)}`)
  }
  assert.equal((await call(second.url, 'POST', '/api/v1/login', { form: { username: 'PLAIN', password: 'user-password-1' } })).status, 200)
  // Done once: the rule's version is saved with the database.
  await second.close()
  const check = new Database(join(configDir, 'authdock.db'), { readonly: true })
  assert.equal(check.prepare("SELECT value FROM meta WHERE name = 'username_key_rule'").pluck().get(), '2')
  assert.equal(check.prepare("SELECT username_key FROM users WHERE username = 'Straße'").pluck().get(), 'strasse')
  check.close()
})

test('a name the new rule folds onto another user keeps its old key, is reported at every start, and the rule is not marked done', async (t) => {
  const configDir = tempDir(t)
  const first = await startServer(t, { configDir })
  const admin = await login(first.url)
  for (const username of ['Straße', 'other']) {
    const r = await call(first.url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username, password: 'user-password-1' } })
    assert.equal(r.status, 201, JSON.stringify(r.body))
  }
  await first.close()
  // Under the old rule "Straße" and "strasse" were two names; under the new one they are one.
  const db = new Database(join(configDir, 'authdock.db'))
  db.prepare("UPDATE users SET username_key = 'straße' WHERE username = 'Straße'").run()
  db.prepare("UPDATE users SET username = 'strasse', username_key = 'strasse' WHERE username = 'other'").run()
  db.prepare("DELETE FROM meta WHERE name = 'username_key_rule'").run()
  db.close()

  for (let start = 0; start < 2; start++) {
    const server = await startServer(t, { configDir })
    assert.ok(server.logs.some((l) => l.includes('counts as the same name') && l.includes('Straße')), server.logs.join('\n'))
    await server.close()
  }
  const check = new Database(join(configDir, 'authdock.db'), { readonly: true })
  assert.equal(check.prepare("SELECT value FROM meta WHERE name = 'username_key_rule'").pluck().get(), undefined)
  assert.equal(check.prepare("SELECT username_key FROM users WHERE username = 'Straße'").pluck().get(), 'straße')
  check.close()
})
