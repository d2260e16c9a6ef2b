// core.clients without HTTP: the registration rules and their messages, secrets shown once and
// stored as SHA-256, client authentication for the token endpoint, rotation, updates, and
// deletion ending the client's sessions (and no one else's).

import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import type { ClientInput } from '../../../src/server/core/clients/client-metadata.ts'
import { DATABASE_FILE } from '../../../src/server/core/core.ts'
import type { AuthCore } from '../../../src/server/core/core.ts'
import type { User } from '../../../src/server/core/store/types.ts'
import type { Actor } from '../../../src/server/core/users/users.ts'
import { ADMIN, authError, manualClock, startCore, tempDir } from '../../helpers.ts'

const context = { ip: '127.0.0.1', userAgent: 'core-test' }
const WEB = { name: 'Grafana', redirectUris: ['https://grafana.example.com/login/generic_oauth'] } satisfies ClientInput

function actorOf(core: AuthCore): Actor {
  return { user: core.users.byUsername(ADMIN.username) as User, sessionId: null, context }
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex')

test('a registration gets the defaults, a URL-safe client_id, and a confidential client a 32-byte secret', async (t) => {
  const core = await startCore(t)
  const { client, secret } = core.clients.create(WEB, actorOf(core))
  assert.match(client.id, /^[A-Za-z0-9_-]{32}$/)
  assert.ok(secret !== null)
  assert.match(secret, /^[A-Za-z0-9_-]{43}$/, '32 bytes, base64url')
  assert.equal(Buffer.from(secret, 'base64url').length, 32)
  assert.equal(client.tokenEndpointAuthMethod, 'client_secret_basic')
  assert.deepEqual(client.grantTypes, ['authorization_code', 'refresh_token'])
  assert.equal(client.scope, 'openid profile email offline_access')
  assert.equal(client.firstParty, false)
  assert.equal(client.backchannelLogoutUri, null)
  assert.equal(client.backchannelLogoutSessionRequired, false)
  assert.equal(client.secretHash, sha256(secret))

  const native = core.clients.create({ name: 'CLI', tokenEndpointAuthMethod: 'none', redirectUris: ['http://127.0.0.1/callback', 'com.example.app:/cb'] }, actorOf(core))
  assert.equal(native.secret, null, 'a public client has no secret')
  assert.equal(native.client.secretHash, null)
  assert.notEqual(native.client.id, client.id)
  assert.deepEqual(core.clients.list().map((c) => c.id), [client.id, native.client.id])
  assert.deepEqual(core.clients.byId(client.id), client)
})

test('registrations that break a rule are refused with a message naming the field', async (t) => {
  const core = await startCore(t)
  const cases: [ClientInput, RegExp][] = [
    [{ ...WEB, name: '  ' }, /^client_name is required$/],
    [{ ...WEB, name: 'x'.repeat(201) }, /client_name must be at most 200 characters/],
    [{ name: 'No URIs' }, /redirect_uris is required for the authorization_code grant/],
    [{ ...WEB, redirectUris: ['/callback'] }, /redirect_uris: "\/callback" is not an absolute URL/],
    [{ ...WEB, redirectUris: ['https://app.example.com/cb#top'] }, /redirect_uris: .* must not have a fragment/],
    [{ ...WEB, redirectUris: ['https://app.example.com/cb#'] }, /must not have a fragment/],
    [{ ...WEB, redirectUris: ['http://app.example.com/cb'] }, /redirect_uris: .* must use https; http is allowed only for 127\.0\.0\.1, \[::1\] and localhost/],
    [{ ...WEB, redirectUris: ['http://10.0.0.5/cb'] }, /must use https/],
    [{ ...WEB, redirectUris: ['https://user:pw@app.example.com/cb'] }, /must not carry a user name or password/],
    [{ ...WEB, redirectUris: ['com.example.app:/cb'] }, /custom scheme, allowed only for public \(native\) clients/],
    [{ ...WEB, tokenEndpointAuthMethod: 'none', redirectUris: ['javascript:alert(1)'] }, /the custom scheme "javascript" must be a reverse domain name/],
    [{ ...WEB, postLogoutRedirectUris: ['http://evil.example/'] }, /^post_logout_redirect_uris: .* must use https/],
    [{ ...WEB, grantTypes: [] }, /grant_types must include authorization_code or password/],
    [{ ...WEB, grantTypes: ['refresh_token'] }, /refresh_token alone can never be used/],
    [{ ...WEB, grantTypes: ['implicit' as 'password'] }, /grant_types must be a list of authorization_code, refresh_token, password/],
    [{ ...WEB, tokenEndpointAuthMethod: 'private_key_jwt' as 'none' }, /token_endpoint_auth_method must be one of client_secret_basic, client_secret_post, none/],
    [{ ...WEB, scope: '   ' }, /scope must name at least one scope value/],
    [{ ...WEB, scope: 'openid "profile"' }, /scope: ""profile"" is not a valid scope value/],
    [{ ...WEB, backchannelLogoutUri: 'ftp://app.example.com/logout' }, /backchannel_logout_uri: .* must be an http or https URL/],
    [{ ...WEB, backchannelLogoutUri: 'http://app.example.com/logout' }, /backchannel_logout_uri: .* must use https/],
    [{ ...WEB, backchannelLogoutUri: 'https://app.example.com/logout#x' }, /backchannel_logout_uri: .* must not have a fragment/],
    [{ ...WEB, backchannelLogoutUri: 'http://192.168.1.20:8080/logout' }, /backchannel_logout_uri: "http:\/\/192\.168\.1\.20:8080\/logout" is on a private network \(192\.168\.1\.20 is a private or reserved address\); set allow_private_backchannel: true to allow it for this client/],
    [{ ...WEB, backchannelLogoutUri: 'https://10.1.2.3/logout' }, /private network/],
    [{ ...WEB, backchannelLogoutUri: 'https://172.20.0.1/logout' }, /private network/],
    [{ ...WEB, backchannelLogoutUri: 'https://169.254.169.254/latest' }, /private network/],
    [{ ...WEB, backchannelLogoutUri: 'https://[fd00::1]/logout' }, /private network/],
    [{ ...WEB, backchannelLogoutUri: 'https://[::ffff:10.0.0.1]/logout' }, /private network/],
    [{ ...WEB, backchannelLogoutUri: 'https://127.0.0.2/logout' }, /private network/],
    [{ ...WEB, backchannelLogoutUri: 'https://grafana.internal/logout' }, /private-network name \(\.internal\)/],
    [{ ...WEB, backchannelLogoutUri: 'https://intranet/logout' }, /single-label name/],
  ]
  for (const [input, message] of cases) {
    assert.throws(() => core.clients.create(input, actorOf(core)), authError('INVALID_INPUT', message), JSON.stringify(input))
  }
  assert.deepEqual(core.clients.list(), [], 'nothing was registered')
  assert.equal(core.audit.count({ types: ['client_created'] }), 0)
})

test('what the rules allow: loopback http, native schemes, loopback back-channel, private ones when allowed', async (t) => {
  const core = await startCore(t)
  const ok = (input: ClientInput) => core.clients.create(input, actorOf(core)).client
  for (const uri of ['http://127.0.0.1:8080/cb', 'http://[::1]:3000/cb', 'http://localhost:8080/oauth/cb', 'https://app.example.com/cb?x=1']) {
    assert.deepEqual(ok({ name: 'web', redirectUris: [uri] }).redirectUris, [uri])
  }
  assert.deepEqual(ok({ name: 'native', tokenEndpointAuthMethod: 'none', redirectUris: ['com.example.app:/oauth2redirect'] }).redirectUris, ['com.example.app:/oauth2redirect'])
  for (const uri of ['http://127.0.0.1:8080/backchannel', 'http://localhost:3000/bcl', 'https://app.example.com/bcl']) {
    assert.equal(ok({ ...WEB, backchannelLogoutUri: uri }).backchannelLogoutUri, uri)
  }
  const allowed = ok({ ...WEB, backchannelLogoutUri: 'http://192.168.1.20:8080/logout', allowPrivateBackchannel: true })
  assert.equal(allowed.backchannelLogoutUri, 'http://192.168.1.20:8080/logout')
  assert.equal(allowed.allowPrivateBackchannel, true)
  // The password grant alone needs no redirect URI; repeats are folded, scope normalised.
  const password = ok({ name: 'script', grantTypes: ['password', 'refresh_token', 'password'], scope: ' openid  openid offline_access ' })
  assert.deepEqual(password.grantTypes, ['refresh_token', 'password'])
  assert.equal(password.scope, 'openid offline_access')
  assert.equal(ok({ ...WEB, name: '  Open WebUI  ' }).name, 'Open WebUI')
})

test('the secret is shown once and only its SHA-256 is on disk', async (t) => {
  const configDir = tempDir(t)
  const core = await startCore(t, { configDir })
  const { client, secret } = core.clients.create(WEB, actorOf(core))
  assert.ok(secret !== null)
  const rotated = core.clients.rotateSecret(client.id, actorOf(core)).secret
  assert.ok(rotated !== null)
  // Nothing the registry answers later holds it.
  for (const later of [core.clients.byId(client.id), core.clients.list()]) {
    const text = JSON.stringify(later)
    assert.ok(!text.includes(secret) && !text.includes(rotated))
  }
  const file = join(configDir, DATABASE_FILE)
  const db = new Database(file, { readonly: true })
  t.after(() => db.close())
  const row = db.prepare('SELECT secret_hash FROM oauth_clients WHERE client_id = ?').get(client.id) as { secret_hash: string }
  assert.equal(row.secret_hash, sha256(rotated))
  // Neither secret is anywhere in the database files (the WAL included), nor in the audit log.
  for (const path of [file, `${file}-wal`]) {
    if (!existsSync(path)) continue
    const bytes = readFileSync(path).toString('latin1')
    assert.ok(!bytes.includes(secret) && !bytes.includes(rotated), path)
  }
  const events = core.audit.query({ types: ['client_created', 'client_secret_rotated'] }, { skip: 0, limit: 10 }).events
  assert.deepEqual(events.map((e) => e.type), ['client_secret_rotated', 'client_created'])
  assert.ok(!JSON.stringify(events).includes(secret))
})

test('authenticate: the registered method with the right secret passes; everything else is invalid_client', async (t) => {
  const core = await startCore(t)
  const basic = core.clients.create(WEB, actorOf(core))
  const post = core.clients.create({ ...WEB, tokenEndpointAuthMethod: 'client_secret_post' }, actorOf(core))
  const pub = core.clients.create({ ...WEB, tokenEndpointAuthMethod: 'none' }, actorOf(core))
  const secret = basic.secret as string

  assert.equal(core.clients.authenticate(basic.client.id, secret, 'client_secret_basic').id, basic.client.id)
  assert.equal(core.clients.authenticate(post.client.id, post.secret, 'client_secret_post').id, post.client.id)
  assert.equal(core.clients.authenticate(pub.client.id, null, 'none').id, pub.client.id)

  const refused: [string, string | null, 'client_secret_basic' | 'client_secret_post' | 'none', RegExp][] = [
    [basic.client.id, `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`, 'client_secret_basic', /^Client authentication failed$/],
    [basic.client.id, '', 'client_secret_basic', /^Client authentication failed$/],
    [basic.client.id, 'x'.repeat(10_000), 'client_secret_basic', /^Client authentication failed$/],
    [basic.client.id, post.secret, 'client_secret_basic', /^Client authentication failed$/],
    [basic.client.id, null, 'client_secret_basic', /^Client authentication failed$/],
    [basic.client.id, null, 'none', /This client authenticates with client_secret_basic/],
    [basic.client.id, secret, 'client_secret_post', /This client authenticates with client_secret_basic/],
    [post.client.id, post.secret, 'client_secret_basic', /This client authenticates with client_secret_post/],
    [pub.client.id, 'anything', 'none', /public client: it authenticates with its client_id only/],
    [pub.client.id, null, 'client_secret_basic', /public client/],
    [pub.client.id, '', 'client_secret_post', /public client/],
    ['no-such-client', secret, 'client_secret_basic', /^Client authentication failed$/],
    ['no-such-client', null, 'none', /^Client authentication failed$/],
    ['', null, 'none', /^Client authentication failed$/],
  ]
  for (const [id, presented, method, message] of refused) {
    assert.throws(() => core.clients.authenticate(id, presented, method), authError('INVALID_CLIENT', message), `${id} ${method} ${presented?.slice(0, 8)}`)
  }
})

test('rotating a secret invalidates the old one at once; a public client has none to rotate', async (t) => {
  const clock = manualClock()
  const core = await startCore(t, { clock })
  const { client, secret } = core.clients.create(WEB, actorOf(core))
  assert.equal(client.secretRotatedAt, null)
  clock.advance(60_000)
  const rotated = core.clients.rotateSecret(client.id, actorOf(core))
  assert.ok(rotated.secret !== null && rotated.secret !== secret)
  assert.equal(rotated.client.secretRotatedAt, clock.now())
  assert.equal(rotated.client.updatedAt, clock.now())
  assert.equal(core.clients.byId(client.id)?.secretRotatedAt, clock.now(), 'stored')
  assert.throws(() => core.clients.authenticate(client.id, secret, 'client_secret_basic'), authError('INVALID_CLIENT'))
  assert.equal(core.clients.authenticate(client.id, rotated.secret, 'client_secret_basic').id, client.id)

  const pub = core.clients.create({ ...WEB, tokenEndpointAuthMethod: 'none' }, actorOf(core))
  assert.throws(() => core.clients.rotateSecret(pub.client.id, actorOf(core)), authError('INVALID_INPUT', /public client .* has no secret to rotate/))
  assert.throws(() => core.clients.rotateSecret('unknown', actorOf(core)), authError('CLIENT_NOT_FOUND', 'Client not found'))
})

test('update: the same rules, only the changes audited, and a client cannot switch between public and confidential', async (t) => {
  const core = await startCore(t)
  const { client, secret } = core.clients.create(WEB, actorOf(core))
  const updated = core.clients.update(client.id, { name: 'Grafana (prod)', firstParty: true, backchannelLogoutUri: 'http://127.0.0.1:3000/bcl' }, actorOf(core))
  assert.equal(updated.name, 'Grafana (prod)')
  assert.equal(updated.firstParty, true)
  assert.deepEqual(updated.redirectUris, WEB.redirectUris, 'absent fields keep their values')
  assert.equal(updated.secretHash, client.secretHash, 'the secret is untouched')
  assert.equal(core.clients.authenticate(client.id, secret, 'client_secret_basic').id, client.id)
  const [event] = core.audit.query({ types: ['client_updated'] }, { skip: 0, limit: 5 }).events
  assert.deepEqual(event?.detail, { client_id: client.id, client_name: 'Grafana (prod)', changes: ['client_name', 'backchannel_logout_uri', 'first_party'] })

  assert.equal(core.clients.update(client.id, { backchannelLogoutUri: null }, actorOf(core)).backchannelLogoutUri, null, 'null removes it')
  assert.equal(core.clients.update(client.id, { tokenEndpointAuthMethod: 'client_secret_post' }, actorOf(core)).tokenEndpointAuthMethod, 'client_secret_post')
  assert.throws(() => core.clients.update(client.id, { tokenEndpointAuthMethod: 'none' }, actorOf(core)),
    authError('INVALID_INPUT', /token_endpoint_auth_method cannot change between none \(public\) and a secret method/))
  assert.throws(() => core.clients.update(client.id, { redirectUris: [] }, actorOf(core)), authError('INVALID_INPUT', /redirect_uris is required/))
  assert.throws(() => core.clients.update(client.id, { backchannelLogoutUri: 'https://10.0.0.8/bcl' }, actorOf(core)), authError('INVALID_INPUT', /private network/))
  assert.equal(core.clients.update(client.id, { backchannelLogoutUri: 'https://10.0.0.8/bcl', allowPrivateBackchannel: true }, actorOf(core)).backchannelLogoutUri, 'https://10.0.0.8/bcl')
  assert.throws(() => core.clients.update('unknown', { name: 'x' }, actorOf(core)), authError('CLIENT_NOT_FOUND'))
  const events = core.audit.count({ types: ['client_updated'] })
  core.clients.update(client.id, { name: 'Grafana (prod)' }, actorOf(core))
  assert.equal(core.audit.count({ types: ['client_updated'] }), events, 'no change, no event')
})

test("deleting a client ends its sessions and no one else's, audited", async (t) => {
  const core = await startCore(t)
  const admin = actorOf(core).user
  const { client } = core.clients.create(WEB, actorOf(core))
  const other = core.clients.create({ ...WEB, name: 'other' }, actorOf(core)).client
  const mine = [await core.sessions.create(admin, context, { clientId: client.id }), await core.sessions.create(admin, context, { clientId: client.id })]
  const theirs = await core.sessions.create(admin, context, { clientId: other.id })
  const langflow = await core.sessions.create(admin, context) // Langflow's callers: no client
  assert.equal(core.sessions.byId(mine[0]!.session.id)?.clientId, client.id, 'stored with the session')
  assert.equal(core.sessions.byId(langflow.session.id)?.clientId, null)

  const deleted = core.clients.remove(client.id, actorOf(core))
  assert.deepEqual([...deleted.revokedSessions].sort(), mine.map((p) => p.session.id).sort())
  for (const p of mine) {
    assert.equal(core.sessions.isLive(p.session.id, admin.id), false)
    assert.equal(core.sessions.byId(p.session.id)?.revokeReason, 'client_deleted')
  }
  for (const p of [theirs, langflow]) assert.equal(core.sessions.isLive(p.session.id, admin.id), true)
  assert.equal(core.clients.byId(client.id), null)
  assert.throws(() => core.clients.authenticate(client.id, null, 'client_secret_basic'), authError('INVALID_CLIENT'))
  assert.throws(() => core.clients.remove(client.id, actorOf(core)), authError('CLIENT_NOT_FOUND'))

  const [event] = core.audit.query({ types: ['client_deleted'] }, { skip: 0, limit: 5 }).events
  assert.deepEqual(event?.detail, { client_id: client.id, client_name: WEB.name })
  assert.equal(event?.userId, admin.id)
  const revoked = core.audit.query({ types: ['session_revoked'] }, { skip: 0, limit: 5 }).events
  assert.deepEqual(revoked.map((e) => e.detail.reason), ['client_deleted', 'client_deleted'])
})
