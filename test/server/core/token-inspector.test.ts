// core.inspectToken without HTTP: the session a token names comes with its user's name, so the
// HTTP layer only spells the answer.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { User } from '../../../src/server/core/store/types.ts'
import { ADMIN, startCore } from '../../helpers.ts'

const context = { ip: '127.0.0.1', userAgent: 'core-test' }

test('an access and a refresh token: verified, active, and their session with the username', async (t) => {
  const core = await startCore(t)
  const admin = core.users.byUsername(ADMIN.username) as User
  const tokens = await core.sessions.create(admin, context)
  for (const [token, kind] of [[tokens.accessToken, 'access'], [tokens.refreshToken, 'refresh']] as const) {
    const r = core.inspectToken(token)
    assert.deepEqual([r.kind, r.verified, r.active, r.reason], [kind, true, true, null])
    assert.equal(r.session?.id, tokens.session.id)
    assert.equal(r.session?.username, ADMIN.username)
  }
  assert.deepEqual(core.inspectToken('not-a-token'), { kind: 'unknown', verified: false, reason: 'Neither a JWT nor a refresh token this server issued', kid: null, active: false, session: null })
})
