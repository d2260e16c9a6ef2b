// Two accounts can never look alike: usernames are one account after NFKC, full case folding,
// space runs and Latin look-alike letters; invisible characters are refused. Any equivalent
// spelling logs in; the name is shown as it was created (NFKC, trimmed, case kept).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { normalizeUsername, usernameKey } from '../../src/server/core/users/username.ts'
import { call, login, startServer, assertError } from '../helpers.ts'

// [created as, shown as, spellings that are the same account]
const FAMILIES: [string, string, string[]][] = [
  ['Admin2', 'Admin2', ['admin2', 'ADMIN2', 'ａｄｍｉｎ２', 'Ａdmin2', '  admin2  ']],
  ['café', 'café', ['cafe\u0301', 'CAFÉ', 'CAFE\u0301']],
  ['straße', 'straße', ['STRASSE', 'strasse', 'Straße']],
  ['kelvin', 'kelvin', ['\u212Aelvin']], // the Kelvin sign
  ['office', 'office', ['o\uFB03ce']], // the ffi ligature
  ['σοφός', 'σοφός', ['ΣΟΦΌΣ', 'σοφόσ']], // final and medial sigma
  ['jane doe', 'jane doe', ['jane  doe', 'jane\u00A0doe', 'JANE\u3000DOE']],
  ['paypal', 'paypal', ['раураl', 'pаypal', 'ραypαl']], // Cyrillic а, р, у; Greek ρ, α
]

const INVISIBLE = ['ad\u200Bmin', 'admin\u200D', '\u202Eadmin', 'ad\u00ADmin', 'ad\uFEFFmin', 'admin\u2060', '\u3164', 'admin\uFE0F', 'ad\u0000min', 'ad\u2028min']

test('the rule itself: equivalent spellings share one key; distinct names do not', () => {
  for (const [created, shown, same] of FAMILIES) {
    assert.equal(normalizeUsername(created), shown)
    const key = usernameKey(normalizeUsername(created))
    for (const s of same) assert.equal(usernameKey(normalizeUsername(s)), key, `${JSON.stringify(s)} is ${created}`)
  }
  for (const [a, b] of [['admin', 'admins'], ['ivan', 'иван'], ['renee', 'renée'], ['i', 'ı\u0307'], ['1', 'l']]) {
    assert.notEqual(usernameKey(normalizeUsername(a)), usernameKey(normalizeUsername(b)), `${a} and ${b} are different names`)
  }
  for (const name of INVISIBLE) assert.throws(() => normalizeUsername(name), /control or invisible/, JSON.stringify(name))
})

test('over HTTP: a look-alike of an existing name is taken, any equivalent spelling logs in, the name shows as created', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  for (const [created, shown, same] of FAMILIES) {
    const password = `${created}-password`
    const r = await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: created, password } })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    assert.equal(r.body.user.username, shown)
    for (const spelling of same) {
      const dup = await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: spelling, password } })
      assert.equal(dup.status, 400, `${JSON.stringify(spelling)} must be taken: ${JSON.stringify(dup.body)}`)
      assertError(dup, 400, 'USERNAME_TAKEN')
      const tokens = await login(url, spelling, password)
      const me = await call(url, 'GET', '/api/v1/users/whoami', { token: tokens.access })
      assert.equal(me.body.username, shown, 'whoever logs in, the name is shown as created')
    }
  }
  // A rename onto a look-alike of another account is refused as well.
  const victim = await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'victim', password: 'victim-password' } })
  const renamed = await call(url, 'PATCH', `/api/v1/admin/users/${victim.body.user.id}`, { token: admin.access, json: { username: 'АDMIN' } }) // Cyrillic А
  assertError(renamed, 400, 'USERNAME_TAKEN')
  for (const name of INVISIBLE) {
    const r = await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: name, password: 'invisible-password' } })
    assert.equal(r.status, 422, `${JSON.stringify(name)}: ${JSON.stringify(r.body)}`)
    assertError(r, 422, 'INVALID_INPUT')
  }
  const list = await call(url, 'GET', '/api/v1/admin/users?limit=100', { token: admin.access })
  assert.equal(list.body.total_count, FAMILIES.length + 2)
})
