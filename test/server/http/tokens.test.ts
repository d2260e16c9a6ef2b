// Each algorithm end to end (login, whoami, JWKS, verification by a standard client library), and
// forged or broken tokens of every kind: all 401 JSON with WWW-Authenticate, never 2xx or 5xx.

import assert from 'node:assert/strict'
import { createHmac, generateKeyPairSync, randomUUID, sign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { SignJWT, createRemoteJWKSet, exportJWK, jwtVerify } from 'jose'
import { call, decodeJwt, login, startServer, testEnv, assertError } from '../../helpers.ts'
import type { Running } from '../../helpers.ts'

const ALGS = ['HS256', 'RS256', 'RS512'] as const
type Alg = (typeof ALGS)[number]

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

/** Signs any header and claims with the server's own key (read from its config dir), byte for byte. */
function signWithServerKey(running: Running, alg: Alg, header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const input = `${b64({ alg, ...header })}.${b64(claims)}`
  const signature = alg === 'HS256'
    ? createHmac('sha256', readFileSync(join(running.configDir, 'secret_key'), 'utf8')).update(input).digest()
    : sign(alg === 'RS256' ? 'sha256' : 'sha512', Buffer.from(input), readFileSync(join(running.configDir, 'private_key.pem'), 'utf8'))
  return `${input}.${signature.toString('base64url')}`
}

async function expect401(url: string, token: string, label: string): Promise<void> {
  const viaHeader = await call(url, 'GET', '/api/v1/users/whoami', { headers: { authorization: `Bearer ${token}` } })
  const viaCookie = await call(url, 'GET', '/api/v1/users/whoami', { headers: { cookie: `access_token_lf=${encodeURIComponent(token)}` } })
  for (const r of [viaHeader, viaCookie]) {
    assert.equal(r.status, 401, `${label}: ${r.status} ${JSON.stringify(r.body)}`)
    assertError(r, 401)
  }
}

for (const alg of ALGS) {
  test(`${alg}: login, whoami and the token's header and claims`, async (t) => {
    const running = await startServer(t, { env: testEnv({ LANGFLOW_ALGORITHM: alg }) })
    const { url } = running
    const tokens = await login(url)
    const { header, payload } = decodeJwt(tokens.access)
    assert.equal(header.alg, alg)
    assert.equal(header.typ, 'JWT')
    assert.equal(typeof header.kid, 'string')
    assert.equal(payload.type, 'access')
    assert.equal(payload.iss, 'authdock')
    assert.equal((payload.exp as number) - (payload.iat as number), 3600)
    assert.equal(typeof payload.jti, 'string')
    assert.equal(typeof payload.sid, 'string')
    const me = await call(url, 'GET', '/api/v1/users/whoami', { token: tokens.access })
    assert.equal(me.status, 200)
    assert.equal(me.body.id, payload.sub)
    // The access cookie alone authenticates too.
    const byCookie = await call(url, 'GET', '/api/v1/users/whoami', { headers: { cookie: `access_token_lf=${tokens.access}` } })
    assert.equal(byCookie.status, 200)

    const jwks = await call(url, 'GET', '/.well-known/jwks.json')
    assert.equal(jwks.status, 200)
    assert.match(jwks.headers.get('cache-control') ?? '', /max-age=\d+/)
    const etag = jwks.headers.get('etag') ?? ''
    assert.equal((await call(url, 'GET', '/.well-known/jwks.json', { headers: { 'if-none-match': etag } })).status, 304)
    if (alg === 'HS256') {
      assert.deepEqual(jwks.body, { keys: [] }, 'a symmetric key is never published')
      const secret = new TextEncoder().encode(readFileSync(join(running.configDir, 'secret_key'), 'utf8'))
      await jwtVerify(tokens.access, secret, { algorithms: ['HS256'], issuer: 'authdock' })
    } else {
      assert.equal(jwks.body.keys.length, 1)
      const [jwk] = jwks.body.keys
      assert.equal(jwk.kid, header.kid)
      assert.equal(jwk.alg, alg)
      assert.equal(jwk.use, 'sig')
      assert.equal(jwk.kty, 'RSA')
      assert.equal(jwk.d, undefined, 'no private part')
      // A local app verifies our tokens with a standard library and nothing but the JWKS URL.
      const remote = createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`))
      const verified = await jwtVerify(tokens.access, remote, { issuer: 'authdock', algorithms: [alg] })
      assert.equal(verified.payload.sub, payload.sub)
    }
  })

  test(`${alg}: forged, tampered and malformed tokens all get 401`, async (t) => {
    const running = await startServer(t, { env: testEnv({ LANGFLOW_ALGORITHM: alg }) })
    const { url } = running
    const tokens = await login(url)
    const real = decodeJwt(tokens.access)
    const kid = real.header.kid as string
    const claims = real.payload
    const [h, p, s] = tokens.access.split('.') as [string, string, string]
    const now = Math.floor(Date.now() / 1000)
    const forged: [string, string][] = []

    for (const none of ['none', 'None', 'NONE', 'nOnE']) {
      forged.push([`alg ${none}`, `${b64({ alg: none, kid, typ: 'JWT' })}.${p}.`])
      forged.push([`alg ${none} with the old signature`, `${b64({ alg: none, kid, typ: 'JWT' })}.${p}.${s}`])
    }
    forged.push(['stripped signature', `${h}.${p}.`])
    forged.push(['truncated signature', `${h}.${p}.${s.slice(0, -4)}`])
    const mid = Math.floor(s.length / 2)
    forged.push(['bit-flipped signature', `${h}.${p}.${s.slice(0, mid)}${s[mid] === 'A' ? 'B' : 'A'}${s.slice(mid + 1)}`])
    // The last character carries unused padding bits: flipping one must still be refused.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet[alphabet.indexOf(s.at(-1) as string) ^ 1] as string
    forged.push(['non-canonical signature encoding', `${h}.${p}.${s.slice(0, -1)}${last}`])
    forged.push(['tampered payload (sub)', `${h}.${b64({ ...claims, sub: randomUUID() })}.${s}`])
    forged.push(['tampered payload (exp)', `${h}.${b64({ ...claims, exp: now + 999_999 })}.${s}`])
    forged.push(['tampered header (kid)', `${b64({ ...real.header, kid: 'other' })}.${p}.${s}`])

    // Signed with the server's real key, but wrong in what they say.
    const valid = { ...claims, jti: randomUUID() }
    const signed = (header: Record<string, unknown>, c: Record<string, unknown>) => signWithServerKey(running, alg, { kid, typ: 'JWT', ...header }, c)
    forged.push(['unknown kid', await signed({ kid: 'unknown-kid' }, valid)])
    forged.push(['kid path traversal', await signed({ kid: '../../../../etc/passwd' }, valid)])
    forged.push(["kid SQL", await signed({ kid: "' OR '1'='1" }, valid)])
    forged.push(['no kid', await signed({ kid: undefined }, valid)])
    forged.push(['type refresh', await signed({}, { ...valid, type: 'refresh' })])
    forged.push(['no type', await signed({}, { ...valid, type: undefined })])
    forged.push(['no exp', await signed({}, { ...valid, exp: undefined })])
    forged.push(['exp as a string', await signed({}, { ...valid, exp: String(now + 600) })])
    forged.push(['expired', await signed({}, { ...valid, exp: now - 5 })])
    forged.push(['not yet valid', await signed({}, { ...valid, nbf: now + 600 })])
    forged.push(['wrong issuer', await signed({}, { ...valid, iss: 'someone-else' })])
    forged.push(['unknown session', await signed({}, { ...valid, sid: randomUUID() })])
    forged.push(['session of another user', await signed({}, { ...valid, sub: randomUUID() })])
    forged.push(['unknown crit', await signed({ crit: ['exp-ext'] }, { ...valid, 'exp-ext': 1 })])
    forged.push(['jku header', await signed({ jku: 'http://127.0.0.1:9/jwks.json' }, valid)])
    forged.push(['x5u header', await signed({ x5u: 'http://127.0.0.1:9/cert.pem' }, valid)])
    forged.push(['typ not JWT', await signed({ typ: 'at+jwt' }, valid)])
    forged.push(['alg of another family for our kid', await signed({ alg: alg === 'HS256' ? 'RS256' : 'HS256' }, valid)])
    // Sanity: the same signer with nothing wrong produces a token the server accepts.
    assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: await signed({}, valid) })).status, 200)

    // An attacker's own RSA key, announced in the token itself.
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const attackerJwk = await exportJWK(attacker.publicKey)
    forged.push(['embedded jwk', await new SignJWT(valid).setProtectedHeader({ alg: 'RS256', kid, jwk: attackerJwk }).sign(attacker.privateKey)])
    forged.push(['attacker key, our kid', await new SignJWT(valid).setProtectedHeader({ alg: 'RS256', kid }).sign(attacker.privateKey)])

    if (alg !== 'HS256') {
      // Key confusion: HMAC keyed with our public key, as PEM, DER and JWK text.
      const pem = readFileSync(join(running.configDir, 'public_key.pem'), 'utf8')
      const jwk = JSON.stringify((await call(url, 'GET', '/.well-known/jwks.json')).body.keys[0])
      const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64')
      for (const [label, secret] of [['PEM', pem], ['DER', der], ['JWK', jwk]] as const) {
        const head = b64({ alg: 'HS256', kid, typ: 'JWT' })
        const body = b64(valid)
        const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')
        forged.push([`HS256 signed with the public key (${label})`, `${head}.${body}.${sig}`])
      }
    } else {
      for (const weak of ['', 'secret', 'password', 'changeme', 'your-secret-key-here']) {
        const head = b64({ alg: 'HS256', kid, typ: 'JWT' })
        const body = b64(valid)
        forged.push([`weak secret "${weak}"`, `${head}.${body}.${createHmac('sha256', weak).update(`${head}.${body}`).digest('base64url')}`])
      }
    }

    for (const garbage of ['garbage', 'a.b.c', '..', 'a.b', 'a.b.c.d', `${b64('[]')}.${p}.${s}`, `${b64('null')}.${p}.${s}`, `${h}.${b64('"str"')}.${s}`, '%%%.%%%.%%%', 'eyJ.eyJ.eyJ']) {
      forged.push([`garbage ${garbage.slice(0, 20)}`, garbage])
    }
    forged.push(['1 MB token', `${h}.${'A'.repeat(1024 * 1024)}.${s}`])

    for (const [label, token] of forged) await expect401(url, token, `${alg} ${label}`)
    // The genuine token still works after all that.
    assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: tokens.access })).status, 200)
  })
}

test('no credential at all is a 401 JSON with WWW-Authenticate; a token in the URL query is never read', async (t) => {
  const { url } = await startServer(t)
  const tokens = await login(url)
  for (const path of ['/api/v1/users/whoami', `/api/v1/users/whoami?token=${tokens.access}`, `/api/v1/users/whoami?access_token=${tokens.access}`]) {
    const r = await call(url, 'GET', path)
    assert.equal(r.status, 401)
    assertError(r, 401, 'NOT_AUTHENTICATED', 'No authentication credentials provided')
  }
  // A non-Bearer Authorization scheme is not a credential.
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { headers: { authorization: `Basic ${tokens.access}` } })).status, 401)
})

test('a refresh token is not an access token, and an access token is not a refresh token', async (t) => {
  const { url } = await startServer(t)
  const tokens = await login(url)
  assert.equal((await call(url, 'GET', '/api/v1/users/whoami', { token: tokens.refresh })).status, 401)
  assert.equal((await call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: tokens.access } })).status, 401)
})
