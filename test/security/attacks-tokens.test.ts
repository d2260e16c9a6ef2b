// Forged and hostile access tokens (RFC 8725, the JWT CVE classes) against every route that takes
// a credential, in each signing mode. Every one must be refused: 401 on the routes that
// authenticate, {"active": false} from introspection, nothing revoked by revocation, 401 from the
// refresh routes; never 2xx, never 5xx, never a hang. Embedded key URLs must never be fetched.

import assert from 'node:assert/strict'
import { createHmac, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { test } from 'node:test'
import { exportJWK } from 'jose'
import { decodeJwt, login, manualClock, startServer, testEnv } from '../helpers.ts'
import type { Alg } from './support.ts'
import { b64, send, serverKey, signRaw } from './support.ts'
import type { Case } from './targets.ts'
import { accepted, attack, credentialTargets } from './targets.ts'

const MODES: readonly Alg[] = ['HS256', 'RS256', 'RS512']
const WEAK_SECRETS = ['', 'secret', 'password', 'changeme', 'your-secret-key-here', 'langflow', 'jwt-secret', 'secretkey', '123456', 'supersecret', 'key', 'test']
const tally = { cases: 0, requests: 0, routes: 0 }

/** A socket that counts connections: key URLs in token headers point here and must never be fetched. */
async function trap(t: { after: (fn: () => Promise<void>) => void }) {
  let connections = 0
  const server = createServer((socket) => {
    connections += 1
    socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections }
}

for (const alg of MODES) {
  test(`${alg}: every forged or hostile access token is refused on every route that takes a credential`, async (t) => {
    const clock = manualClock()
    const { url, configDir, server } = await startServer(t, { clock, env: testEnv({ LANGFLOW_ALGORITHM: alg }) })
    const admin = await login(url)
    const apiKey = (await send(url, 'POST', '/api/v1/api_key/', { headers: { authorization: `Bearer ${admin.access}`, 'content-type': 'application/json' }, body: '{}' })).body.api_key as string
    const targets = credentialTargets(url, apiKey)
    const key = serverKey(configDir, alg)
    const keyTrap = await trap(t)

    // An ordinary user with a live session: its ids are spliced into the admin's tokens.
    const other = await send(url, 'POST', '/api/v1/admin/users', {
      headers: { authorization: `Bearer ${admin.access}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'other', password: 'other-password-1' }),
    })
    const otherTokens = await login(url, 'other', 'other-password-1')
    const otherClaims = decodeJwt(otherTokens.access).payload
    assert.equal(other.status, 201)

    // Positive control: the genuine token passes every route, so a refusal below is the token's doing.
    for (const target of targets.filter((x) => !x.name.includes('revoke'))) {
      const token = target.kind === 'refresh' ? (await login(url)).refresh : admin.access
      assert.ok(accepted(target, await target.hit(token)), `the genuine token must pass ${target.name}`)
    }

    const { header, payload } = decodeJwt(admin.access)
    const kid = header.kid as string
    const [h, p, s] = admin.access.split('.') as [string, string, string]
    const now = Math.floor(clock.now() / 1000)
    const claims: Record<string, unknown> = { ...payload, iat: now, exp: now + 600 }
    const signedRaw = (headerJson: string, payloadJson: string) => signRaw(alg, key, headerJson, payloadJson)
    const signed = (hdr: Record<string, unknown>, c: Record<string, unknown> = claims) => signedRaw(JSON.stringify({ alg, kid, typ: 'JWT', ...hdr }), JSON.stringify(c))
    const hmac = (secret: string | Buffer, hdr: Record<string, unknown>, c: Record<string, unknown> = claims) => {
      const input = `${b64({ typ: 'JWT', ...hdr })}.${b64(c)}`
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
    }
    // Sanity for the signer: with nothing wrong, its token is accepted.
    assert.equal((await send(url, 'GET', '/api/v1/users/whoami', { headers: { authorization: `Bearer ${signed({})}` } })).status, 200)

    const cases: Case[] = []
    const add = (name: string, token: string) => cases.push({ name, token })

    // alg "none", in every spelling, with an empty signature, the old one, and no kid.
    for (const none of ['none', 'None', 'NONE', 'nOnE']) {
      add(`alg ${none}, empty signature`, `${b64({ alg: none, kid, typ: 'JWT' })}.${p}.`)
      add(`alg ${none}, original signature`, `${b64({ alg: none, kid, typ: 'JWT' })}.${p}.${s}`)
      add(`alg ${none}, no kid`, `${b64({ alg: none, typ: 'JWT' })}.${p}.`)
    }
    add('alg missing', `${b64({ kid, typ: 'JWT' })}.${p}.${s}`)
    add('alg empty', signed({ alg: '' }))
    add('alg null', signed({ alg: null }))
    add('alg lower case', signed({ alg: alg.toLowerCase() }))

    // Signatures: stripped, truncated, flipped, re-encoded, borrowed.
    const flip = (at: number) => `${h}.${p}.${s.slice(0, at)}${s[at] === 'A' ? 'B' : 'A'}${s.slice(at + 1)}`
    add('signature stripped', `${h}.${p}.`)
    add('signature truncated by 4', `${h}.${p}.${s.slice(0, -4)}`)
    add('signature truncated to 1 character', `${h}.${p}.${s.slice(0, 1)}`)
    add('signature flipped at the start', flip(0))
    add('signature flipped in the middle', flip(Math.floor(s.length / 2)))
    add('signature flipped at the end', flip(s.length - 2))
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    add('signature padding bits flipped', `${h}.${p}.${s.slice(0, -1)}${alphabet[alphabet.indexOf(s.at(-1) as string) ^ 1]}`)
    add('signature with = padding', `${h}.${p}.${s}=`)
    add('signature doubled', `${h}.${p}.${s}${s}`)
    add('signature of another token', `${h}.${p}.${signed({}, { ...claims, jti: randomUUID() }).split('.')[2]}`)

    // Claims and header tampered under the original signature.
    for (const [claim, value] of [['sub', otherClaims.sub], ['exp', now + 999_999], ['type', 'refresh'], ['iss', 'attacker'], ['aud', 'other-app'],
      ['sid', otherClaims.sid], ['jti', randomUUID()], ['iat', now + 5], ['is_superuser', true]] as const) {
      add(`tampered ${claim}`, `${h}.${b64({ ...payload, [claim]: value })}.${s}`)
    }
    add('tampered header kid', `${b64({ ...header, kid: 'other' })}.${p}.${s}`)
    add('tampered header typ', `${b64({ ...header, typ: 'at+jwt' })}.${p}.${s}`)
    add('tampered header alg', `${b64({ ...header, alg: alg === 'HS256' ? 'RS256' : 'HS256' })}.${p}.${s}`)

    // Signed with the server's real key, wrong in what they say.
    for (const bad of ['unknown-kid', '../../etc/passwd', '../../../../../../dev/null', '/dev/null', '..\\..\\windows\\win.ini', "' OR 1=1 --", '" OR ""="',
      '1; DROP TABLE signing_keys; --', `${kid}\u0000`, ` ${kid}`, keyTrap.url + '/kid']) {
      add(`kid ${JSON.stringify(bad)}`, signed({ kid: bad }))
    }
    for (const [label, bad] of [['null', null], ['0', 0], ['an array', [kid]], ['an object', { kid }]] as const) add(`kid ${label}`, signed({ kid: bad }))
    add('kid missing', signed({ kid: undefined }))
    add('type refresh', signed({}, { ...claims, type: 'refresh' }))
    add('type missing', signed({}, { ...claims, type: undefined }))
    add('type Access', signed({}, { ...claims, type: 'Access' }))
    add('type as an array', signed({}, { ...claims, type: ['access'] }))
    add('exp missing', signed({}, { ...claims, exp: undefined }))
    add('exp a string', signed({}, { ...claims, exp: String(now + 600) }))
    add('exp null', signed({}, { ...claims, exp: null }))
    add('exp past', signed({}, { ...claims, exp: now - 1 }))
    add('exp infinite (1e400)', signedRaw(JSON.stringify({ alg, kid, typ: 'JWT' }), JSON.stringify({ ...claims, exp: 0 }).replace('"exp":0', '"exp":1e400')))
    add('nbf future', signed({}, { ...claims, nbf: now + 600 }))
    add('nbf a string', signed({}, { ...claims, nbf: 'now' }))
    add('iss wrong', signed({}, { ...claims, iss: 'attacker' }))
    add('iss missing', signed({}, { ...claims, iss: undefined }))
    add('iss an array', signed({}, { ...claims, iss: [claims.iss] }))
    add('sid unknown', signed({}, { ...claims, sid: randomUUID() }))
    add('sid missing', signed({}, { ...claims, sid: undefined }))
    add('sid a number', signed({}, { ...claims, sid: 1 }))
    add("sid of another user's session", signed({}, { ...claims, sid: otherClaims.sid }))
    add('sub unknown', signed({}, { ...claims, sub: randomUUID() }))
    add('sub missing', signed({}, { ...claims, sub: undefined }))
    add("sub of another user, own sid", signed({}, { ...claims, sub: otherClaims.sub }))
    add('crit unknown', signed({ crit: ['exp-ext'] }, { ...claims, 'exp-ext': 1 }))
    add('crit empty', signed({ crit: [] }))
    add('crit b64', signed({ crit: ['b64'], b64: true }))
    add('jku at a listening socket', signed({ jku: `${keyTrap.url}/jwks.json` }))
    add('x5u at a listening socket', signed({ x5u: `${keyTrap.url}/cert.pem` }))
    add('x5c header', signed({ x5c: [randomBytes(64).toString('base64')] }))
    add('typ at+jwt', signed({ typ: 'at+jwt' }))
    add('typ jws', signed({ typ: 'JWS' }))
    add('alg of the other family for our kid', signed({ alg: alg === 'HS256' ? 'RS256' : 'HS256' }))

    // Duplicate names: a parser taking the first would read something else than one taking the last.
    add('duplicate alg (none first)', signedRaw(`{"alg":"none","alg":"${alg}","kid":"${kid}","typ":"JWT"}`, JSON.stringify(claims)))
    add('duplicate kid (bogus first)', signedRaw(`{"alg":"${alg}","kid":"bogus","kid":"${kid}","typ":"JWT"}`, JSON.stringify(claims)))
    add('duplicate kid (escaped name)', signedRaw(`{"alg":"${alg}","\\u006bid":"bogus","kid":"${kid}","typ":"JWT"}`, JSON.stringify(claims)))
    add('duplicate sub', signedRaw(JSON.stringify({ alg, kid, typ: 'JWT' }), JSON.stringify(claims).replace('{', `{"sub":"${String(otherClaims.sub)}",`)))
    add('duplicate type', signedRaw(JSON.stringify({ alg, kid, typ: 'JWT' }), JSON.stringify(claims).replace('{', '{"type":"refresh",')))
    for (const body of ['[]', 'null', '"access"', '123']) add(`claims ${body}`, signedRaw(JSON.stringify({ alg, kid, typ: 'JWT' }), body))
    add('header an array', signedRaw(JSON.stringify([{ alg, kid }]), JSON.stringify(claims)))
    add('oversized but validly signed', signed({}, { ...claims, pad: 'x'.repeat(9000) }))

    // Keys the attacker holds: its own RSA, EC and HMAC keys, announced or not.
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const rsaInput = (hdr: Record<string, unknown>) => `${b64({ typ: 'JWT', ...hdr })}.${b64(claims)}`
    const rsaSigned = (hdr: Record<string, unknown>) => `${rsaInput(hdr)}.${sign('sha256', Buffer.from(rsaInput(hdr)), rsa.privateKey).toString('base64url')}`
    const rsaJwk = await exportJWK(rsa.publicKey)
    add('attacker RSA key, our kid', rsaSigned({ alg: 'RS256', kid }))
    add('attacker RSA key, embedded jwk', rsaSigned({ alg: 'RS256', kid, jwk: rsaJwk }))
    add('attacker RSA key, jwk with x5u at a socket', rsaSigned({ alg: 'RS256', jwk: { ...rsaJwk, x5u: `${keyTrap.url}/x5u` } }))
    add('attacker RSA key, jku at a socket', rsaSigned({ alg: 'RS256', jku: `${keyTrap.url}/jwks.json` }))
    add('attacker HMAC key, our kid', hmac(randomBytes(32), { alg: 'HS256', kid }))
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const ecInput = `${b64({ alg: 'ES256', kid, typ: 'JWT', jwk: await exportJWK(ec.publicKey) })}.${b64(claims)}`
    add('attacker EC key, embedded jwk', `${ecInput}.${sign('sha256', Buffer.from(ecInput), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`)
    // "Psychic signatures" (CVE-2022-21449): r = s = 0 verified as valid by a broken ECDSA check.
    for (const [label, sig] of [['raw', Buffer.alloc(64).toString('base64url')], ['DER', Buffer.from('3006020100020100', 'hex').toString('base64url')]] as const) {
      add(`ES256 zero signature (${label}), our kid`, `${b64({ alg: 'ES256', kid, typ: 'JWT' })}.${b64(claims)}.${sig}`)
      add(`ES256 zero signature (${label}), embedded jwk`, `${b64({ alg: 'ES256', typ: 'JWT', jwk: await exportJWK(ec.publicKey) })}.${b64(claims)}.${sig}`)
    }

    // HMAC under a secret someone might have used.
    for (const weak of WEAK_SECRETS) add(`HS256 with weak secret ${JSON.stringify(weak)}`, hmac(weak, { alg: 'HS256', kid }))

    if (alg !== 'HS256') {
      // Key confusion: HMAC keyed with our public key in each form a verifier might hold it.
      const pem = readFileSync(join(configDir, 'public_key.pem'), 'utf8')
      const publicKey = createPublicKey(pem)
      const jwk = (await send(url, 'GET', '/.well-known/jwks.json')).body.keys[0]
      const forms: [string, string | Buffer][] = [
        ['PEM', pem], ['PEM without its last newline', pem.trimEnd()],
        ['SPKI DER', publicKey.export({ format: 'der', type: 'spki' })], ['PKCS#1 DER', publicKey.export({ format: 'der', type: 'pkcs1' })],
        ['JWK JSON', JSON.stringify(jwk)], ['JWK modulus', Buffer.from(jwk.n, 'base64url')],
      ]
      for (const [label, secret] of forms) {
        add(`key confusion: HS256 keyed with the public key (${label})`, hmac(secret, { alg: 'HS256', kid }))
        add(`key confusion: HS256 keyed with the public key (${label}), no kid`, hmac(secret, { alg: 'HS256' }))
      }
    }

    // Malformed: segment counts, base64, JSON, encodings, size.
    add('1 segment', h)
    add('2 segments', `${h}.${p}`)
    add('4 segments', `${h}.${p}.${s}.${s}`)
    add('5 segments (JWE shape)', `${h}.${p}.${s}.${s}.${s}`)
    for (const garbage of ['garbage', '...', '..', 'a.b.c', 'eyJ.eyJ.eyJ', '%%%.%%%.%%%', `${h}.${p}%.${s}`, `${h}=.${p}.${s}`, `${h}.${p}+/.${s}`]) add(`garbage ${garbage.slice(0, 24)}`, garbage)
    add('header not JSON', `${b64('{"alg"')}.${p}.${s}`)
    add('claims not JSON', `${h}.${b64('{"sub"')}.${s}`)
    add('header invalid UTF-8', `${Buffer.from([0xff, 0xfe, 0x7b]).toString('base64url')}.${p}.${s}`)
    add('header null', `${b64('null')}.${p}.${s}`)
    add('1 MB token', `${h}.${'A'.repeat(1024 * 1024)}.${s}`)

    // The genuine refresh token is not an access token; the genuine access token is not a refresh token.
    cases.push({ name: 'refresh token presented as an access token', token: admin.refresh, against: ['access'] })
    cases.push({ name: 'access token presented as a refresh token', token: admin.access, against: ['refresh'] })

    const { sent, failures } = await attack(targets, cases)
    assert.deepEqual(failures, [], `${failures.length} of ${sent} attacks were not refused`)
    // Give a fetch that was set off by a header time to connect before counting.
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.equal(keyTrap.connections(), 0, 'a key URL in a token header was fetched')

    // Nothing above revoked or changed anything: the genuine credentials still work everywhere.
    for (const target of targets.filter((x) => x.kind === 'access')) {
      assert.ok(accepted(target, await target.hit(admin.access)), `the genuine token still passes ${target.name}`)
    }
    assert.equal((await send(url, 'GET', '/api/v1/api_key/', { headers: { authorization: `Bearer ${admin.access}` } })).body.total_count, 3, 'no API key was created but by the two genuine controls')
    assert.equal(server.core.users.count(), 2)
    tally.cases += cases.length
    tally.requests += sent
    tally.routes = targets.length
  })
}

test.after(() => {
  console.log(`attacks: ${tally.cases} cases × ${tally.routes} routes, all refused (${tally.requests} requests over ${MODES.join(', ')})`)
})
