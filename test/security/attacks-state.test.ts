// Genuine credentials that must no longer work: a revoked session, a deleted or deactivated user,
// a key retired after rotation (a token freshly signed with it), and hostile API keys (forged,
// deleted, an inactive owner's, in the URL). Every one is refused on every route that takes it.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeJwt, login, manualClock, startServer, testEnv } from '../helpers.ts'
import type { Tokens } from '../helpers.ts'
import type { Alg } from './support.ts'
import { send, serverKey, signRaw } from './support.ts'
import type { Case } from './targets.ts'
import { attack, credentialTargets } from './targets.ts'

const MODES: readonly Alg[] = ['HS256', 'RS256', 'RS512']
const tally = { cases: 0, requests: 0 }

for (const alg of MODES) {
  test(`${alg}: tokens of revoked sessions, deleted or deactivated users and retired keys, and hostile API keys, are refused`, async (t) => {
    const clock = manualClock()
    const { url, configDir, server } = await startServer(t, { clock, env: testEnv({ LANGFLOW_ALGORITHM: alg }) })
    const admin = await login(url)
    const bearer = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' })
    const newKey = async (token: string) => (await send(url, 'POST', '/api/v1/api_key/', { headers: bearer(token), body: '{}' })).body as { id: string; api_key: string }
    const apiKey = (await newKey(admin.access)).api_key
    const superuser = async (name: string): Promise<{ id: string; tokens: Tokens }> => {
      const r = await send(url, 'POST', '/api/v1/admin/users', { headers: bearer(admin.access), body: JSON.stringify({ username: name, password: `${name}-password`, is_superuser: true }) })
      assert.equal(r.status, 201, r.text)
      return { id: r.body.user.id, tokens: await login(url, name, `${name}-password`) }
    }

    const loggedOut = await superuser('logged-out')
    assert.equal((await send(url, 'POST', '/api/v1/logout', { headers: { authorization: `Bearer ${loggedOut.tokens.access}` } })).status, 200)
    const revoked = await superuser('revoked')
    assert.equal((await send(url, 'POST', `/api/v1/admin/users/${revoked.id}/revoke-sessions`, { headers: bearer(admin.access) })).status, 200)
    const deleted = await superuser('deleted')
    const deletedKey = (await newKey(deleted.tokens.access)).api_key
    assert.equal((await send(url, 'DELETE', `/api/v1/admin/users/${deleted.id}`, { headers: bearer(admin.access) })).status, 200)
    const inactive = await superuser('inactive')
    const inactiveKey = (await newKey(inactive.tokens.access)).api_key
    assert.equal((await send(url, 'PATCH', `/api/v1/admin/users/${inactive.id}`, { headers: bearer(admin.access), body: '{"is_active":false}' })).status, 200)
    const dropped = await newKey(admin.access)
    assert.equal((await send(url, 'DELETE', `/api/v1/api_key/${dropped.id}`, { headers: bearer(admin.access) })).status, 200)

    const cases: Case[] = []
    for (const [who, u] of [['logged-out', loggedOut], ['admin-revoked', revoked], ['deleted', deleted], ['deactivated', inactive]] as const) {
      cases.push({ name: `access token of a ${who} user's session`, token: u.tokens.access })
      cases.push({ name: `refresh token of a ${who} user's session`, token: u.tokens.refresh, against: ['refresh', 'subject'] })
    }

    // A key retired after a rotation: a token signed with it now, for a live session, is refused.
    const oldKey = serverKey(configDir, alg)
    const oldKid = decodeJwt(admin.access).header.kid as string
    assert.equal((await send(url, 'POST', '/api/v1/admin/keys/rotate', { headers: bearer(admin.access) })).status, 201)
    clock.advance((server.core.settings.accessTtlSeconds() + 5) * 1000)
    assert.deepEqual(server.core.keys.retireDue(), [oldKid])
    const fresh = await login(url)
    const now = Math.floor(clock.now() / 1000)
    const claims = { ...decodeJwt(fresh.access).payload, iat: now, exp: now + 600 }
    cases.push({ name: 'token signed now with the retired key', token: signRaw(alg, oldKey, JSON.stringify({ alg, kid: oldKid, typ: 'JWT' }), JSON.stringify(claims)) })
    cases.push({ name: "the retired key's own last token", token: admin.access })

    const { sent, failures } = await attack(credentialTargets(url, apiKey), cases)
    // Hostile API keys, on every route an API key opens.
    const keyRoutes = ['/api/v1/users/whoami', '/api/v1/auth/verify', '/api/v1/users/', '/api/v1/api_key/', '/api/v1/admin/overview', '/api/v1/admin/events', '/api/v1/revocations/stream']
    const flipped = `${apiKey.slice(0, 10)}${apiKey[10] === 'A' ? 'B' : 'A'}${apiKey.slice(11)}`
    const hostileKeys: [string, string][] = [
      ['random sk- key', `sk-${'A'.repeat(43)}`], ['truncated key', apiKey.slice(0, -1)], ['key with a character more', `${apiKey}x`],
      ['bit-flipped key', flipped], ['upper-cased key', apiKey.toUpperCase()], ['prefix only', apiKey.slice(0, 8)], ['sk-', 'sk-'],
      ['deleted key', dropped.api_key], ["deleted user's key", deletedKey], ["deactivated user's key", inactiveKey],
      ['SQL', "' OR 1=1 --"], ['the access token as a key', fresh.access], ['the refresh token as a key', fresh.refresh],
      ['1 MB key', `sk-${'A'.repeat(1024 * 1024)}`],
    ]
    let keyRequests = 0
    for (const [name, key] of hostileKeys) {
      for (const path of keyRoutes) {
        keyRequests += 1
        const a = await send(url, 'GET', path, { headers: { 'x-api-key': key } })
        if (a.status !== 401) failures.push(`${name} → x-api-key ${path}: ${a.status} ${a.text.slice(0, 120)}`)
        // The same through Langflow's ?x-api-key= (the 1 MB one is past the header limit there).
        if (key.length > 16_384) continue
        keyRequests += 1
        const q = await send(url, 'GET', `${path}?x-api-key=${encodeURIComponent(key)}`)
        if (q.status !== 401) failures.push(`${name} → ?x-api-key= ${path}: ${q.status} ${q.text.slice(0, 120)}`)
      }
    }
    // Only ?x-api-key= is read from the URL, as Langflow does: no other name, and never a token.
    for (const path of keyRoutes) {
      for (const param of ['api_key', 'apikey', 'token', 'access_token']) {
        keyRequests += 1
        const a = await send(url, 'GET', `${path}?${param}=${encodeURIComponent(param.includes('key') ? apiKey : fresh.access)}`)
        if (a.status !== 401) failures.push(`?${param}= → ${path}: ${a.status}`)
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${sent + keyRequests} were not refused`)
    // Positive control: the admin's valid key opens every one of these routes.
    for (const path of keyRoutes) assert.equal((await send(url, 'GET', path, { headers: { 'x-api-key': apiKey } })).status, 200, path)
    for (const path of keyRoutes.filter((p) => !p.includes('stream') && !p.includes('events'))) {
      assert.equal((await send(url, 'GET', `${path}?x-api-key=${encodeURIComponent(apiKey)}`)).status, 200, `${path}?x-api-key=`)
    }
    tally.cases += cases.length + hostileKeys.length + 5
    tally.requests += sent + keyRequests
  })
}

test.after(() => {
  console.log(`attacks (state and API keys): ${tally.cases} cases, ${tally.requests} requests over ${MODES.join(', ')}, all refused`)
})
