// RS256 tokens are remembered as verified (the RSA operation is the costliest step of a request):
// a remembered token must still be refused the moment its key retires or its claims stop holding,
// and remembering one token must not let a different one through.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { call, login, manualClock, startServer, testEnv, assertError } from '../../helpers.ts'

const whoami = (url: string, token: string) => call(url, 'GET', '/api/v1/users/whoami', { token })

test('a remembered RS256 token: verified again and again, refused once its key retires, expires or is altered', async (t) => {
  const clock = manualClock()
  const { url, server } = await startServer(t, { env: testEnv({ LANGFLOW_ALGORITHM: 'RS256' }), clock })
  const tokens = await login(url)
  for (let i = 0; i < 3; i++) assert.equal((await whoami(url, tokens.access)).status, 200)

  // Same header and claims, another signature: not the remembered token.
  const [h, p, sig] = tokens.access.split('.') as [string, string, string]
  const flipped = `${h}.${p}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'AQ' : 'AA'}`
  assert.equal((await whoami(url, flipped)).status, 401)

  // Its key rotated out: still good while verify-only, refused once retired, though its session lives.
  await server.core.keys.rotate()
  assert.equal((await whoami(url, tokens.access)).status, 200)
  server.core.keys.retireAllInactive()
  const retired = await whoami(url, tokens.access)
  assertError(retired, 401, 'INVALID_TOKEN')

  // A token of the new key, remembered, then past its expiry.
  const fresh = await login(url)
  assert.equal((await whoami(url, fresh.access)).status, 200)
  clock.advance(2 * 3600_000)
  const expired = await whoami(url, fresh.access)
  assertError(expired, 401, 'TOKEN_EXPIRED')
})
