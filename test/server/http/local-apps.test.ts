// What local apps rely on, over real HTTP: discovery and the JWKS (verified with jose's own remote
// key set), RFC 7662 introspection, RFC 7009 revocation, forward-auth, and the revocation stream.

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { test } from 'node:test'
import { SignJWT, createRemoteJWKSet, generateKeyPair, jwtVerify } from 'jose'
import { ADMIN, call, decodeJwt, login, manualClock, startServer, testEnv, assertChallenge, assertOauthError } from '../../helpers.ts'
import type { Reply, Tokens } from '../../helpers.ts'
import { dataOf, eventually, isStream, mustOpen, openSse } from '../../sse-client.ts'

const introspect = (url: string, token: string | undefined, caller: Record<string, string>, hint?: string) =>
  call(url, 'POST', '/api/v1/oauth/introspect', {
    headers: caller,
    form: { ...(token === undefined ? {} : { token }), ...(hint === undefined ? {} : { token_type_hint: hint }) },
  })
const revoke = (url: string, form: Record<string, string>) => call(url, 'POST', '/api/v1/oauth/revoke', { form })
const whoami = (url: string, token: string) => call(url, 'GET', '/api/v1/users/whoami', { token })
const refresh = (url: string, token: string) => call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: token } })
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

async function apiKeyOf(url: string, token: string): Promise<Record<string, string>> {
  const r = await call(url, 'POST', '/api/v1/api_key/', { token, json: { name: 'x' } })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  assert.match(r.body.api_key, /^sk-/)
  return { 'x-api-key': r.body.api_key }
}

/** An admin's tokens and an API key to call the local-app endpoints with. */
async function setUp(url: string): Promise<{ admin: Tokens; key: Record<string, string>; adminId: string }> {
  const admin = await login(url)
  return { admin, key: await apiKeyOf(url, admin.access), adminId: (await whoami(url, admin.access)).body.id }
}

/** An active ordinary user, signed in. */
async function ordinaryUser(url: string, adminToken: string, username = 'olga') {
  const password = `${username}-password-1`
  const r = await call(url, 'POST', '/api/v1/admin/users', { token: adminToken, json: { username, password } })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  return { id: r.body.user.id as string, tokens: await login(url, username, password) }
}

function assertInactive(r: Reply, what: string): void {
  assert.equal(r.status, 200, `${what}: ${JSON.stringify(r.body)}`)
  assert.deepEqual(r.body, { active: false }, what)
}

/** The same claims under the same kid, signed with a key that is not ours. */
async function forge(token: string): Promise<string> {
  const { header, payload } = decodeJwt(token)
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: header.kid as string, typ: 'JWT' }).sign(randomBytes(32))
}

// --- discovery and the JWKS ---

test('discovery names absolute endpoint URLs on the server, and its issuer is the iss of our tokens', async (t) => {
  const { url } = await startServer(t)
  const r = await call(url, 'GET', '/.well-known/openid-configuration')
  assert.equal(r.status, 200)
  for (const name of ['jwks_uri', 'token_endpoint', 'introspection_endpoint', 'revocation_endpoint']) {
    assert.equal(new URL(r.body[name]).origin, url, `${name} is on the server: ${r.body[name]}`)
  }
  assert.equal(r.body.jwks_uri, `${url}/.well-known/jwks.json`)
  assert.equal(r.body.introspection_endpoint, `${url}/api/v1/oauth/introspect`)
  assert.equal(r.body.revocation_endpoint, `${url}/api/v1/oauth/revoke`)
  assert.deepEqual((await call(url, 'GET', '/.well-known/oauth-authorization-server')).body, r.body)
  const tokens = await login(url)
  assert.equal(r.body.issuer, decodeJwt(tokens.access).payload.iss)
})

test('with AUTHDOCK_ISSUER set to a URL, discovery and tokens carry that issuer (OpenID Connect Discovery §3)', async (t) => {
  const issuer = 'https://auth.example.test'
  const { url } = await startServer(t, { env: testEnv({ AUTHDOCK_ISSUER: issuer }) })
  const r = await call(url, 'GET', '/.well-known/openid-configuration')
  assert.equal(r.body.issuer, issuer)
  assert.equal(decodeJwt((await login(url)).access).payload.iss, issuer)
})

test("jose's remote JWKS verifies an RS256 access token found through discovery", async (t) => {
  const { url } = await startServer(t, { env: testEnv({ LANGFLOW_ALGORITHM: 'RS256' }) })
  const discovery = (await call(url, 'GET', '/.well-known/openid-configuration')).body
  const tokens = await login(url)
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri))
  const { payload, protectedHeader } = await jwtVerify(tokens.access, jwks, { issuer: discovery.issuer, algorithms: ['RS256'] })
  assert.equal(protectedHeader.alg, 'RS256')
  assert.equal(payload.sub, (await whoami(url, tokens.access)).body.id)
  assert.equal(payload.type, 'access')
  // A forged token with the same kid does not verify.
  const { header } = decodeJwt(tokens.access)
  const { privateKey } = await generateKeyPair('RS256')
  const forged = await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: header.kid as string }).sign(privateKey)
  await assert.rejects(jwtVerify(forged, jwks, { issuer: discovery.issuer }))
})

test('an HS256 server publishes no key in its JWKS', async (t) => {
  const { url } = await startServer(t)
  const r = await call(url, 'GET', '/.well-known/jwks.json')
  assert.equal(r.status, 200)
  assert.deepEqual(r.body, { keys: [] })
})

// --- introspection ---

test("introspection needs a superuser's API key or token: 401 without one, 403 for anyone else's", async (t) => {
  const { url } = await startServer(t)
  const { admin, key } = await setUp(url)
  const user = await ordinaryUser(url, admin.access)

  const anonymous = await introspect(url, admin.access, {})
  // RFC 6749 §5.2: no client authentication included; RFC 6750 §3.1: no error code in the challenge.
  assertOauthError(anonymous, 401, 'invalid_client')
  assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer')
  assertOauthError(await introspect(url, admin.access, bearer('not-a-token')), 401, 'invalid_token')
  assertOauthError(await introspect(url, admin.access, { 'x-api-key': 'sk-unknown' }), 401, 'invalid_token')
  // RFC 7662 §2.1: only an authorised resource server may ask; an ordinary user's token or API
  // key is refused in OAuth's words (RFC 6750 §3.1), and learns nothing of the token.
  for (const [what, caller] of [['token', bearer(user.tokens.access)], ['API key', await apiKeyOf(url, user.tokens.access)]] as const) {
    const ordinary = await introspect(url, admin.access, caller)
    assert.equal(ordinary.status, 403, `an ordinary user's ${what}: ${JSON.stringify(ordinary.body)}`)
    assertOauthError(ordinary, 403, 'insufficient_scope')
    assert.match(ordinary.headers.get('www-authenticate') ?? '', /^Bearer error="insufficient_scope"/)
    assert.equal(ordinary.body.active, undefined, 'nothing about the token leaks to a refused caller')
  }

  assert.equal((await introspect(url, admin.access, key)).status, 200)
  assert.equal((await introspect(url, admin.access, bearer(admin.access))).status, 200)

  assertOauthError(await introspect(url, undefined, key), 400, 'invalid_request')
  assertOauthError(await introspect(url, '', key), 400, 'invalid_request')
  assertOauthError(await call(url, 'POST', '/api/v1/oauth/introspect', { headers: key, json: { token: 42 } }), 400, 'invalid_request')
})

test('an active access token and an active refresh token are described', async (t) => {
  const { url } = await startServer(t)
  const { admin, key, adminId } = await setUp(url)
  const claims = decodeJwt(admin.access).payload

  const access = await introspect(url, admin.access, key)
  assert.equal(access.status, 200)
  assert.equal(access.headers.get('cache-control'), 'no-store')
  assert.deepEqual(
    { active: access.body.active, sub: access.body.sub, username: access.body.username, exp: access.body.exp, iat: access.body.iat, sid: access.body.sid, type: access.body.type, is_superuser: access.body.is_superuser },
    { active: true, sub: adminId, username: ADMIN.username, exp: claims.exp, iat: claims.iat, sid: claims.sid, type: 'access', is_superuser: true },
  )
  assert.equal(access.body.jti, claims.jti)

  for (const hint of [undefined, 'refresh_token', 'access_token', 'nonsense']) {
    const r = await introspect(url, admin.refresh, key, hint)
    assert.equal(r.body.active, true, `hint ${hint}`)
    assert.equal(r.body.type, 'refresh')
    assert.equal(r.body.sid, claims.sid)
    assert.equal(r.body.sub, adminId)
    assert.equal(r.body.username, ADMIN.username)
    assert.ok(r.body.exp > r.body.iat)
  }
  // A hint naming the other kind only changes the order of the lookups.
  assert.equal((await introspect(url, admin.access, key, 'refresh_token')).body.type, 'access')
  // An ordinary user's token, asked about by a superuser.
  const user = await ordinaryUser(url, admin.access)
  const r = await introspect(url, user.tokens.access, bearer(admin.access))
  assert.equal(r.body.active, true)
  assert.equal(r.body.is_superuser, false)
  assert.equal(r.body.sub, user.id)
})

test('inactive, and nothing else: revoked, forged, garbage, unknown and used tokens', async (t) => {
  const { url } = await startServer(t)
  const { admin, key } = await setUp(url)

  const gone = await login(url)
  assert.equal((await call(url, 'POST', '/api/v1/logout', { token: gone.access, form: { refresh_token: gone.refresh } })).status, 200)
  assertInactive(await introspect(url, gone.access, key), 'a logged-out access token')
  assertInactive(await introspect(url, gone.refresh, key), 'a logged-out refresh token')

  assertInactive(await introspect(url, await forge(admin.access), key), 'a forged signature')
  const [h, p] = admin.access.split('.')
  assertInactive(await introspect(url, `${h}.${p}.`, key), 'no signature')
  const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`
  assertInactive(await introspect(url, none, key), 'alg none')
  for (const garbage of ['garbage', 'a.b.c', '...', 'x'.repeat(10_000)]) assertInactive(await introspect(url, garbage, key), `garbage ${garbage.slice(0, 10)}`)
  assertInactive(await introspect(url, randomBytes(32).toString('base64url'), key), 'an unknown refresh token')
  assertInactive(await introspect(url, admin.refresh.slice(0, -1), key), 'a refresh token cut short')

  const rotated = await refresh(url, admin.refresh)
  assert.equal(rotated.status, 200)
  assertInactive(await introspect(url, admin.refresh, key, 'refresh_token'), 'a used refresh token (inside the grace window)')
  assert.equal((await introspect(url, rotated.body.refresh_token, key)).body.active, true)
  // The session is live: the old access token is still active.
  assert.equal((await introspect(url, admin.access, key)).body.active, true)
})

test("inactive: a deleted user's tokens, a deactivated user's tokens", async (t) => {
  const { url } = await startServer(t)
  const { admin, key } = await setUp(url)
  const deleted = await ordinaryUser(url, admin.access, 'deleted')
  const deactivated = await ordinaryUser(url, admin.access, 'deactivated')
  for (const u of [deleted, deactivated]) assert.equal((await introspect(url, u.tokens.access, key)).body.active, true)

  assert.equal((await call(url, 'DELETE', `/api/v1/admin/users/${deleted.id}`, { token: admin.access })).status, 200)
  assert.equal((await call(url, 'PATCH', `/api/v1/admin/users/${deactivated.id}`, { token: admin.access, json: { is_active: false } })).status, 200)
  for (const u of [deleted, deactivated]) {
    assertInactive(await introspect(url, u.tokens.access, key), `${u.id} access`)
    assertInactive(await introspect(url, u.tokens.refresh, key), `${u.id} refresh`)
  }
  // Reactivated, the old session stays ended.
  assert.equal((await call(url, 'PATCH', `/api/v1/admin/users/${deactivated.id}`, { token: admin.access, json: { is_active: true } })).status, 200)
  assertInactive(await introspect(url, deactivated.tokens.access, key), 'access of a reactivated user')
})

test('inactive: expired tokens (access first, then refresh)', async (t) => {
  const clock = manualClock()
  const { url } = await startServer(t, { clock })
  const { admin, key } = await setUp(url)
  clock.advance(3_601_000)
  assertInactive(await introspect(url, admin.access, key), 'an expired access token')
  assert.equal((await introspect(url, admin.refresh, key)).body.active, true, 'the refresh token lives longer')
  clock.advance(7 * 86_400_000)
  assertInactive(await introspect(url, admin.refresh, key), 'an expired refresh token')
})

test('inactive: a token of a retired key, while its session lives on', async (t) => {
  const { url, server } = await startServer(t)
  const { admin, key } = await setUp(url)
  assert.equal((await call(url, 'POST', '/api/v1/admin/keys/rotate', { token: admin.access })).status, 201)
  assert.equal((await introspect(url, admin.access, key)).body.active, true, 'a verify-only key still verifies')
  // The maintenance sweep retires a key once its last token has expired; here, at once.
  const retired = server.core.keys.retireAllInactive()
  assert.deepEqual(retired, [decodeJwt(admin.access).header.kid])
  assertInactive(await introspect(url, admin.access, key), 'a token of a retired key')
  assert.equal((await introspect(url, admin.refresh, key)).body.active, true, 'the session is not what made it inactive')
})

// --- revocation ---

test('revoking a refresh token ends its session at once; other sessions live on', async (t) => {
  const { url } = await startServer(t)
  const { admin } = await setUp(url)
  const victim = await login(url)
  const r = await revoke(url, { token: victim.refresh, token_type_hint: 'refresh_token' })
  assert.equal(r.status, 200)
  assert.deepEqual(r.body, {})
  assert.equal((await whoami(url, victim.access)).status, 401)
  assert.equal((await refresh(url, victim.refresh)).status, 401)
  assert.equal((await whoami(url, admin.access)).status, 200)
  const audit = await call(url, 'GET', '/api/v1/admin/audit?type=session_revoked', { token: admin.access })
  assert.equal(audit.body.events[0]?.session_id, decodeJwt(victim.access).payload.sid)
  assert.equal(audit.body.events[0]?.detail.reason, 'oauth_revoke')
})

test('revoking an access token ends its session too', async (t) => {
  const { url } = await startServer(t)
  const victim = await login(url)
  assert.equal((await revoke(url, { token: victim.access })).status, 200)
  assert.equal((await whoami(url, victim.access)).status, 401)
  assert.equal((await refresh(url, victim.refresh)).status, 401)
  // Revoking again, or an unknown or garbage token, is still 200 (RFC 7009 §2.2).
  for (const token of [victim.access, victim.refresh, 'garbage', 'a.b.c', randomBytes(32).toString('base64url')]) {
    const r = await revoke(url, { token })
    assert.equal(r.status, 200, token)
    assert.deepEqual(r.body, {})
  }
})

test('revocation refuses a missing token, and a forged access token revokes nothing', async (t) => {
  const { url } = await startServer(t)
  const victim = await login(url)
  assertOauthError(await revoke(url, {}), 400, 'invalid_request')
  assertOauthError(await call(url, 'POST', '/api/v1/oauth/revoke', { json: {} }), 400, 'invalid_request')
  assert.equal((await revoke(url, { token: await forge(victim.access) })).status, 200)
  assert.equal((await whoami(url, victim.access)).status, 200, 'a forged token names a sid, but is not the right to end it')
})

// --- forward auth ---

test('forward auth: 200 with who it is for a Bearer token, the access cookie and an API key', async (t) => {
  const { url } = await startServer(t)
  const { admin, key, adminId } = await setUp(url)
  const user = await ordinaryUser(url, admin.access)
  const cases: [string, Record<string, string>, string, string, string][] = [
    ['bearer', bearer(admin.access), ADMIN.username, adminId, 'true'],
    ['cookie', { cookie: `other=1; access_token_lf=${admin.access}` }, ADMIN.username, adminId, 'true'],
    ['api key', key, ADMIN.username, adminId, 'true'],
    ['ordinary bearer', bearer(user.tokens.access), 'olga', user.id, 'false'],
  ]
  for (const [what, headers, username, id, superuser] of cases) {
    const r = await call(url, 'GET', '/api/v1/auth/verify', { headers })
    assert.equal(r.status, 200, `${what}: ${JSON.stringify(r.body)}`)
    assert.equal(r.headers.get('x-auth-user'), username, what)
    assert.equal(r.headers.get('x-auth-user-id'), id, what)
    assert.equal(r.headers.get('x-auth-superuser'), superuser, what)
  }
})

test('forward auth: 401 with WWW-Authenticate for no credential, a revoked token and a forged one', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const revoked = await login(url)
  assert.equal((await call(url, 'POST', '/api/v1/logout', { token: revoked.access })).status, 200)
  for (const [what, headers] of [
    ['none', {}],
    ['revoked', bearer(revoked.access)],
    ['revoked cookie', { cookie: `access_token_lf=${revoked.access}` }],
    ['forged', bearer(await forge(admin.access))],
    ['unknown api key', { 'x-api-key': 'sk-unknown' }],
  ] as [string, Record<string, string>][]) {
    const r = await call(url, 'GET', '/api/v1/auth/verify', { headers })
    assert.equal(r.status, 401, what)
    assertChallenge(r.headers, r.status, r.body.code, what)
    assert.equal(r.headers.get('x-auth-user'), null, what)
  }
})

// --- the revocation stream ---

test('the revocation stream opens with a snapshot of recent revocations and retired keys, then sends each revocation', async (t) => {
  const clock = manualClock()
  const { url } = await startServer(t, { clock })
  const { key } = await setUp(url)
  const old = await login(url)
  assert.equal((await call(url, 'POST', '/api/v1/logout', { token: old.access })).status, 200)
  // One access lifetime and more than the longest refresh grace window (60 s, in which a grace
  // answer may still have been issued a token): no token of that session can still be valid.
  clock.advance(3_600_000 + 301_000)
  const { admin } = await setUp(url)
  const recent = await login(url)
  assert.equal((await call(url, 'POST', '/api/v1/logout', { token: recent.access })).status, 200)
  const rotated = await call(url, 'POST', '/api/v1/admin/keys/rotate', { token: admin.access })
  assert.equal(rotated.status, 201)
  const firstKid = decodeJwt(old.access).header.kid

  const stream = await mustOpen(t, `${url}/api/v1/revocations/stream`, key)
  const snapshot = await stream.next()
  assert.equal(snapshot.event, 'snapshot')
  assert.deepEqual(dataOf(snapshot), { revoked_sessions: [decodeJwt(recent.access).payload.sid], retired_kids: [] })

  // A logout elsewhere arrives within a second.
  const victim = await login(url)
  assert.equal((await call(url, 'POST', '/api/v1/logout', { token: victim.access })).status, 200)
  const revoked = await stream.until((e) => e.event === 'revoked', 1_000)
  assert.deepEqual(dataOf(revoked.event), { sid: decodeJwt(victim.access).payload.sid, user_id: (await whoami(url, admin.access)).body.id })
  assert.match(revoked.event.id ?? '', /^\d+$/)

  // The emergency rotation retires every older key: each retirement is sent, and the next snapshot lists them.
  const emergency = await call(url, 'POST', '/api/v1/admin/keys/rotate', { token: admin.access, json: { revoke_sessions: true, confirm: 'revoke-all' } })
  assert.equal(emergency.status, 201, JSON.stringify(emergency.body))
  const retiredKids = emergency.body.retired_kids as string[]
  assert.ok(retiredKids.includes(firstKid as string))
  const { event } = await stream.until((e) => e.event === 'key_retired', 1_000)
  assert.ok(retiredKids.includes(dataOf(event).kid as string))
  // Signing everyone out revokes every API key too: the stream hears of the retired keys first,
  // then ends, and its key opens no other.
  await stream.endsWithin(1_000)
  assert.equal((await openSse(t, `${url}/api/v1/revocations/stream`, key)).status, 401)
  const again = await mustOpen(t, `${url}/api/v1/revocations/stream`, await apiKeyOf(url, (await login(url)).access))
  const next = dataOf(await again.next())
  assert.deepEqual([...(next.retired_kids as string[])].sort(), [...retiredKids].sort())
  assert.ok((next.revoked_sessions as string[]).includes(decodeJwt(admin.access).payload.sid as string))
})

test("the revocation stream: anonymous 401, an ordinary user's token or API key 403, a superuser's token accepted", async (t) => {
  const { url } = await startServer(t)
  const { admin } = await setUp(url)
  const user = await ordinaryUser(url, admin.access)
  const anonymous = await openSse(t, `${url}/api/v1/revocations/stream`)
  assert.ok(!isStream(anonymous))
  assert.equal(anonymous.status, 401)
  assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer')
  for (const caller of [bearer(user.tokens.access), await apiKeyOf(url, user.tokens.access)]) {
    const ordinary = await openSse(t, `${url}/api/v1/revocations/stream`, caller)
    assert.ok(!isStream(ordinary))
    assert.equal(ordinary.status, 403)
  }
  const superuser = await mustOpen(t, `${url}/api/v1/revocations/stream`, bearer(admin.access))
  assert.equal((await superuser.next()).event, 'snapshot')
})

test("a superuser's revocation stream ends once their session is revoked or they are demoted", async (t) => {
  const { url } = await startServer(t, { streams: { heartbeatMs: 50, maxStreams: 8 } })
  const { admin } = await setUp(url)
  const second = await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'second', password: 'second-password-1', is_superuser: true } })
  assert.equal(second.status, 201)
  const loggedOut = await login(url)
  const demoted = await login(url, 'second', 'second-password-1')
  const streams = [
    await mustOpen(t, `${url}/api/v1/revocations/stream`, bearer(loggedOut.access)),
    await mustOpen(t, `${url}/api/v1/revocations/stream`, bearer(demoted.access)),
  ]
  for (const s of streams) await s.commentCount(1)
  assert.equal((await call(url, 'POST', '/api/v1/logout', { token: loggedOut.access })).status, 200)
  assert.equal((await call(url, 'PATCH', `/api/v1/admin/users/${second.body.user.id}`, { token: admin.access, json: { is_superuser: false } })).status, 200)
  await Promise.all(streams.map((s) => s.endsWithin(1_000)))
})

test("a revocation stream opened with an API key ends once the key is deleted, or its owner is no longer a superuser", async (t) => {
  const { url } = await startServer(t, { streams: { heartbeatMs: 50, maxStreams: 8 } })
  const admin = await login(url)
  const created = await call(url, 'POST', '/api/v1/api_key/', { token: admin.access, json: { name: 'x' } })
  const stream = await mustOpen(t, `${url}/api/v1/revocations/stream`, { 'x-api-key': created.body.api_key })
  await stream.commentCount(1)
  assert.equal((await call(url, 'DELETE', `/api/v1/api_key/${created.body.id}`, { token: admin.access })).status, 200)
  assert.equal((await call(url, 'GET', '/api/v1/auth/verify', { headers: { 'x-api-key': created.body.api_key } })).status, 401)
  await stream.endsWithin(1_000)

  const bea = await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username: 'bea', password: 'bea-password-1', is_superuser: true } })
  const beaKey = await apiKeyOf(url, (await login(url, 'bea', 'bea-password-1')).access)
  const beas = await mustOpen(t, `${url}/api/v1/revocations/stream`, beaKey)
  await beas.commentCount(1)
  assert.equal((await call(url, 'PATCH', `/api/v1/admin/users/${bea.body.user.id}`, { token: admin.access, json: { is_superuser: false } })).status, 200)
  await beas.endsWithin(1_000)
  assert.equal((await openSse(t, `${url}/api/v1/revocations/stream`, beaKey)).status, 403, 'the key still authenticates bea, but may not follow revocations')
})

test('a revocation-stream client that stops reading is dropped, not buffered for without end', async (t) => {
  // A local app that hangs (or a stolen superuser key) must not make the server hold memory for ever.
  const { url, server } = await startServer(t)
  const { admin, key } = await setUp(url)
  const user = await ordinaryUser(url, admin.access)
  const before = server.core.audit.listenerCount()
  const socket = connect(Number(new URL(url).port), '127.0.0.1')
  t.after(() => socket.destroy())
  socket.pause() // reads nothing from here on
  socket.write(`GET /api/v1/revocations/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${key['x-api-key']}\r\n\r\n`)
  await eventually(() => server.core.audit.listenerCount() === before + 1, 'the stream is open')
  // Far more than the socket buffers of both ends hold (a few MB on loopback); made through the
  // core, in large events, so that it takes a second, not minutes.
  const pad = 'x'.repeat(20_000)
  for (let i = 0; i < 2_000; i++) server.core.audit.record({ type: 'session_revoked', sessionId: `${pad}${i}`, userId: user.id })
  await eventually(() => server.core.audit.listenerCount() === before, 'the stalled stream was dropped', 2_000)
})

test('introspection answers a bad credential as every route does, in OAuth\'s words: a duplicated cookie is cleared, a cross-site cookie is a 403', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const introspect = (headers: Record<string, string>) => call(url, 'POST', '/api/v1/oauth/introspect', { form: { token: admin.access }, headers })
  const dup = await introspect({ cookie: `access_token_lf=${admin.access}; access_token_lf=${admin.access}` })
  assertOauthError(dup, 401, 'invalid_token')
  assert.match(dup.body.error_description, /more than once/)
  assert.ok(dup.headers.getSetCookie().some((l) => l.startsWith('access_token_lf=;')), 'the copies are cleared')
  const crossSite = await introspect({ cookie: `access_token_lf=${admin.access}`, origin: 'http://127.0.0.1:9999', 'sec-fetch-site': 'same-site' })
  assertOauthError(crossSite, 403, 'invalid_request')
  assert.match(crossSite.body.error_description, /own pages/)
})
