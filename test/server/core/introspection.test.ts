// core.introspection without HTTP: who is a trusted caller (the 401/403 decision of introspection
// and the revocation stream), and what introspect() says of a token, in the core's own names.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Principal } from '../../../src/server/core/authenticate.ts'
import type { User } from '../../../src/server/core/store/types.ts'
import { ADMIN, authError, manualClock, startCore } from '../../helpers.ts'

const context = { ip: '127.0.0.1', userAgent: 'core-test' }
const byApiKey = (user: User): Principal => ({ user, sessionId: null, claims: null, apiKeyId: 'key-id' })
const NOT_ALLOWED = "Only a superuser's token or API key may introspect tokens or follow revocations"

test('requireTrustedCaller: none is NOT_AUTHENTICATED, an ordinary user NOT_SUPERUSER, a superuser passes', async (t) => {
  const core = await startCore(t)
  const admin = core.users.byUsername(ADMIN.username) as User
  const bob = await core.users.create({ username: 'bob', password: 'bob-passphrase-1', isActive: true }, context, admin)
  const { requireTrustedCaller } = core.introspection

  assert.throws(() => requireTrustedCaller(null), authError('NOT_AUTHENTICATED', "A superuser's API key (x-api-key) or token is required"))
  assert.throws(() => requireTrustedCaller(byApiKey(bob)), authError('NOT_SUPERUSER', NOT_ALLOWED))
  const bobByToken = core.authenticate.token((await core.sessions.create(bob, context)).accessToken)
  assert.throws(() => requireTrustedCaller(bobByToken), authError('NOT_SUPERUSER'))

  const adminByKey = byApiKey(admin)
  assert.equal(requireTrustedCaller(adminByKey), adminByKey)
  const adminByToken = core.authenticate.token((await core.sessions.create(admin, context)).accessToken)
  assert.equal(requireTrustedCaller(adminByToken), adminByToken)
})

test('introspect: an access and a refresh token described by user, session and epoch-ms times; inactive once expired', async (t) => {
  const clock = manualClock(Date.UTC(2026, 0, 1, 12))
  const core = await startCore(t, { clock })
  const admin = core.users.byUsername(ADMIN.username) as User
  const tokens = await core.sessions.create(admin, context)
  const accessMs = core.settings.accessTtlSeconds() * 1000

  const access = core.introspection.introspect(tokens.accessToken)
  assert.ok(access.active)
  assert.equal(typeof access.tokenId, 'string')
  assert.deepEqual(access, {
    active: true, type: 'access', userId: admin.id, username: ADMIN.username, sessionId: tokens.session.id,
    issuedAt: clock.now(), expiresAt: clock.now() + accessMs, isSuperuser: true, tokenId: access.tokenId, kid: core.keys.signer().kid,
  })
  assert.deepEqual(core.introspection.introspect(tokens.refreshToken, 'refresh_token'), {
    active: true, type: 'refresh', userId: admin.id, username: ADMIN.username, sessionId: tokens.session.id,
    issuedAt: clock.now(), expiresAt: tokens.session.expiresAt, isSuperuser: true, tokenId: null, kid: null,
  })

  clock.advance(accessMs + 1000)
  assert.deepEqual(core.introspection.introspect(tokens.accessToken), { active: false })
  assert.equal(core.introspection.introspect(tokens.refreshToken).active, true, 'the refresh token lives longer')
})
