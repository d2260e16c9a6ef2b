// Authorization codes through the core, on a manual clock: bound to client, redirect URI, PKCE
// challenge and nonce; single-use; 60 s; a replay revokes the session its first exchange created;
// stored as hashes only; swept once expired.

import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { CODE_TTL_MS } from '../../../src/server/core/oauth/authorization-codes.ts'
import { pkceMatches } from '../../../src/server/core/oauth/pkce.ts'
import type { User } from '../../../src/server/core/store/types.ts'
import { ADMIN, authError, manualClock, startCore, tempDir } from '../../helpers.ts'

const context = { ip: '127.0.0.1', userAgent: 'code-test' }
const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url')

async function setUp(t: Parameters<typeof startCore>[0]) {
  const clock = manualClock(Date.parse('2026-12-04T10:00:00Z'))
  const configDir = tempDir(t)
  const core = await startCore(t, { clock, configDir })
  const user = core.users.byUsername(ADMIN.username) as User
  const verifier = randomBytes(32).toString('base64url')
  const grant = {
    clientId: 'app-1', redirectUri: 'http://127.0.0.1:8080/cb', codeChallenge: challengeOf(verifier), nonce: 'n-0S6_WzA2Mj',
    userId: user.id, scope: 'openid profile', authTime: clock.now(), amr: ['pwd'],
  }
  const redemption = { clientId: 'app-1', redirectUri: 'http://127.0.0.1:8080/cb', codeVerifier: verifier }
  return { core, clock, configDir, user, grant, redemption }
}

test('PKCE S256: the verifier a challenge was made from matches; plain, short or other verifiers do not', () => {
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' // RFC 7636 appendix B
  assert.equal(challengeOf(verifier), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
  assert.ok(pkceMatches(verifier, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'))
  assert.ok(!pkceMatches(verifier, verifier.slice(0, 43)), 'the plain method is not taken')
  assert.ok(!pkceMatches('too-short', challengeOf('too-short')), 'a verifier under 43 characters')
  assert.ok(!pkceMatches(`${verifier}!`, challengeOf(`${verifier}!`)), 'a character outside the unreserved set')
  assert.ok(!pkceMatches(verifier.replace(/.$/, 'A'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'))
})

test('a code redeems once, for its client, redirect URI and verifier, and carries its grant', async (t) => {
  const { core, grant, redemption } = await setUp(t)
  const code = core.authorizationCodes.issue(grant)
  const redeemed = core.authorizationCodes.redeem(code, redemption, context)
  assert.deepEqual(
    { clientId: redeemed.clientId, nonce: redeemed.nonce, scope: redeemed.scope, userId: redeemed.userId, amr: redeemed.amr, authTime: redeemed.authTime },
    { clientId: grant.clientId, nonce: grant.nonce, scope: grant.scope, userId: grant.userId, amr: grant.amr, authTime: grant.authTime },
  )
  assert.throws(() => core.authorizationCodes.redeem(code, redemption, context), authError('INVALID_GRANT', /already used/))
  assert.throws(() => core.authorizationCodes.redeem('not-a-code', redemption, context), authError('INVALID_GRANT', /unknown/))
  assert.throws(() => core.authorizationCodes.issue({ ...grant, codeChallenge: 'plain-text' }), authError('INVALID_INPUT', /S256/))
})

test('a wrong client, redirect URI or verifier is refused, and spends the code', async (t) => {
  const { core, grant, redemption } = await setUp(t)
  for (const [what, wrong, detail] of [
    ['client', { clientId: 'app-2' }, /another client/],
    ['redirect URI', { redirectUri: 'http://127.0.0.1:8080/cb/' }, /redirect_uri/],
    ['verifier', { codeVerifier: randomBytes(32).toString('base64url') }, /code_verifier/],
  ] as const) {
    const code = core.authorizationCodes.issue(grant)
    assert.throws(() => core.authorizationCodes.redeem(code, { ...redemption, ...wrong }, context), authError('INVALID_GRANT', detail), what)
    assert.throws(() => core.authorizationCodes.redeem(code, redemption, context), authError('INVALID_GRANT', /already used/), `${what}: then the right one is refused too`)
  }
})

test('a code lives 60 s; expired codes are swept after another lifetime', async (t) => {
  const { core, clock, configDir, grant, redemption } = await setUp(t)
  const late = core.authorizationCodes.issue(grant)
  clock.advance(CODE_TTL_MS - 1)
  const justInTime = core.authorizationCodes.issue(grant)
  assert.equal(core.authorizationCodes.redeem(justInTime, redemption, context).clientId, 'app-1')
  clock.advance(1)
  assert.throws(() => core.authorizationCodes.redeem(late, redemption, context), authError('INVALID_GRANT', /expired/))
  clock.advance(2 * CODE_TTL_MS)
  assert.equal(core.authorizationCodes.sweep(), 2)
  // Only hashes were ever stored.
  const db = new Database(join(configDir, 'authdock.db'), { readonly: true })
  t.after(() => db.close())
  const code = core.authorizationCodes.issue(grant)
  const rows = db.prepare('SELECT * FROM authorization_codes').all() as Record<string, unknown>[]
  assert.equal(rows.length, 1)
  assert.ok(!JSON.stringify(rows).includes(code), 'the code itself is not in the database')
  assert.equal(rows[0]?.code_hash, createHash('sha256').update(code).digest('base64url'))
})

test('a replayed code revokes the session its first exchange created', async (t) => {
  const { core, user, grant, redemption } = await setUp(t)
  const code = core.authorizationCodes.issue(grant)
  core.authorizationCodes.redeem(code, redemption, context)
  const tokens = await core.sessions.create(user, context)
  core.authorizationCodes.exchanged(code, tokens.session.id)
  const other = await core.sessions.create(user, context)
  assert.throws(() => core.authorizationCodes.redeem(code, redemption, context), authError('INVALID_GRANT', /revoked/))
  assert.throws(() => core.authenticate.token(tokens.accessToken), authError('SESSION_REVOKED'))
  assert.equal(core.sessions.byId(tokens.session.id)?.revokeReason, 'code_replay')
  assert.equal(core.authenticate.token(other.accessToken).sessionId, other.session.id, 'no other session is touched')
})
