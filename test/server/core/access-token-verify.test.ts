// The hot path's token check through the core (no HTTP): every HS256 and RS256 token that must be
// refused is, including ones that reuse the exact header text of a token verified just before
// (verify() remembers checked headers) and ones of a key that has just been retired; the live
// session is checked on every call; the strict JSON parser refuses a member named twice.

import assert from 'node:assert/strict'
import { createHmac, sign } from 'node:crypto'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import fc from 'fast-check'
import { createAuthCore } from '../../../src/server/core/core.ts'
import type { AuthCore, Logger } from '../../../src/server/core/core.ts'
import { AuthError } from '../../../src/server/core/errors.ts'
import type { LoadedKey } from '../../../src/server/core/keys/key-material.ts'
import { parseStrictObject } from '../../../src/server/core/tokens/strict-json.ts'
import { ADMIN, manualClock, tempDir, testEnv } from '../../helpers.ts'

const silent: Logger = { info() {}, warn() {}, error() {} }
const context = { ip: '127.0.0.1', userAgent: 'test' }
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url')

async function coreFor(t: TestContext, alg: 'HS256' | 'RS256') {
  const clock = manualClock()
  const core = await createAuthCore({ configDir: tempDir(t), env: testEnv({ LANGFLOW_ALGORITHM: alg }), clock, log: silent })
  t.after(() => core.close())
  await core.keys.pending()
  const pair = await core.login(ADMIN.username, ADMIN.password, context)
  return { core, clock, pair }
}

/** Signs the exact header and claims text with a key of the ring, byte for byte. */
function signRaw(key: LoadedKey, header: string, claims: string): string {
  const input = `${b64(header)}.${b64(claims)}`
  const signingKey = key.signingKey as NonNullable<LoadedKey['signingKey']>
  const signature = key.alg === 'HS256'
    ? createHmac('sha256', signingKey).update(input).digest()
    : sign(key.alg === 'RS256' ? 'sha256' : 'sha512', Buffer.from(input), signingKey)
  return `${input}.${signature.toString('base64url')}`
}

const parts = (token: string) => {
  const [h, p, s] = token.split('.') as [string, string, string]
  return { h, p, s, header: Buffer.from(h, 'base64url').toString(), claims: JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown> }
}

function refused(core: AuthCore, token: string, label: string, code = 'INVALID_TOKEN'): void {
  assert.throws(() => core.accessTokens.verify(token), (err: unknown) => err instanceof AuthError && err.code === code, label)
  assert.throws(() => core.authenticate.token(token), (err: unknown) => err instanceof AuthError && err.code === code, label)
}

for (const alg of ['HS256', 'RS256'] as const) {
  test(`${alg}: verify() refuses every token it must, also after the genuine header was remembered`, async (t) => {
    const { core, clock, pair } = await coreFor(t, alg)
    const key = core.keys.signer()
    const genuine = pair.accessToken
    // Verified twice: the second time through the remembered header (and, for RS256, signature).
    for (let i = 0; i < 2; i++) {
      const verified = core.accessTokens.verify(genuine)
      assert.equal(verified.kid, key.kid)
      assert.equal(verified.sid, pair.session.id)
      assert.equal(core.authenticate.token(genuine).user.id, pair.user.id)
    }
    const { h, p, s, header, claims } = parts(genuine)
    const now = Math.floor(clock.now() / 1000)
    const good = JSON.stringify(claims)
    const signed = (headerText: string, claimsText = good) => signRaw(key, headerText, claimsText)
    const withClaims = (extra: Record<string, unknown>) => signRaw(key, header, JSON.stringify({ ...claims, ...extra }))
    const mid = Math.floor(s.length / 2)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const otherAlg = alg === 'HS256' ? 'RS256' : 'HS256'

    const cases: [string, string][] = [
      // The remembered header text, with a signature or payload that is not its own.
      ['bad signature (one character changed)', `${h}.${p}.${s.slice(0, mid)}${s[mid] === 'A' ? 'B' : 'A'}${s.slice(mid + 1)}`],
      ['non-canonical signature (a padding bit)', `${h}.${p}.${s.slice(0, -1)}${alphabet[alphabet.indexOf(s.at(-1) as string) ^ 1]}`],
      ['tampered payload under the remembered header', `${h}.${b64(JSON.stringify({ ...claims, sub: 'someone-else' }))}.${s}`],
      ['empty signature', `${h}.${p}.`],
      ['signature of another token', `${h}.${p}.${parts(withClaims({ jti: 'x' })).s}`],
      // Headers.
      ['alg none, no signature', `${b64(JSON.stringify({ alg: 'none', kid: key.kid, typ: 'JWT' }))}.${p}.`],
      ['alg none, the genuine signature', `${b64(JSON.stringify({ alg: 'none', kid: key.kid, typ: 'JWT' }))}.${p}.${s}`],
      ['wrong alg for the kid', signed(JSON.stringify({ alg: otherAlg, kid: key.kid, typ: 'JWT' }))],
      ['RS512 named for an RS256/HS256 kid', signed(JSON.stringify({ alg: 'RS512', kid: key.kid, typ: 'JWT' }))],
      ['unknown kid', signed(JSON.stringify({ alg, kid: 'no-such-kid', typ: 'JWT' }))],
      ['no kid', signed(JSON.stringify({ alg, typ: 'JWT' }))],
      ['kid not a string', signed(JSON.stringify({ alg, kid: [key.kid], typ: 'JWT' }))],
      ['typ not JWT', signed(JSON.stringify({ alg, kid: key.kid, typ: 'at+jwt' }))],
      ['jku header', signed(JSON.stringify({ alg, kid: key.kid, typ: 'JWT', jku: 'http://127.0.0.1:9/' }))],
      ['jwk header', signed(JSON.stringify({ alg, kid: key.kid, typ: 'JWT', jwk: { kty: 'oct' } }))],
      ['crit header', signed(JSON.stringify({ alg, kid: key.kid, typ: 'JWT', crit: ['exp'] }))],
      ['alg named twice (none first)', signed(`{"alg":"none","alg":"${alg}","kid":"${key.kid}","typ":"JWT"}`)],
      ['kid named twice, once escaped', signed(`{"alg":"${alg}","\\u006bid":"bogus","kid":"${key.kid}","typ":"JWT"}`)],
      ['header not an object', signed('["HS256"]')],
      // Claims.
      ['wrong issuer', withClaims({ iss: 'someone-else' })],
      ['no issuer', withClaims({ iss: undefined })],
      ['type refresh', withClaims({ type: 'refresh' })],
      ['no type', withClaims({ type: undefined })],
      ['sub not a string', withClaims({ sub: 42 })],
      ['no sid', withClaims({ sid: undefined })],
      ['no exp', withClaims({ exp: undefined })],
      ['exp as a string', withClaims({ exp: String(now + 600) })],
      ['nbf in the future', withClaims({ nbf: now + 600 })],
      ['nbf as a string', withClaims({ nbf: String(now - 5) })],
      ['sub named twice', signed(header, good.replace('{', '{"sub":"someone-else",'))],
      ['type named twice', signed(header, good.replace('{', '{"type":"refresh",'))],
      ['claims not an object', signed(header, '"access"')],
      // Shapes.
      ['two parts', `${h}.${p}`],
      ['four parts', `${h}.${p}.${s}.${s}`],
      ['empty header', `.${p}.${s}`],
      ['not base64url in the payload', `${h}.${p.slice(0, 5)}+${p.slice(6)}.${s}`],
      ['not base64url in the header', `${h.slice(0, 5)}=${h.slice(6)}.${p}.${s}`],
      ['longer than any token', `${h}.${'A'.repeat(9000)}.${s}`],
    ]
    for (const [label, token] of cases) refused(core, token, `${alg} ${label}`)
    refused(core, withClaims({ exp: now - 1 }), `${alg} expired`, 'TOKEN_EXPIRED')

    // Signed right, with nothing wrong: accepted, so the refusals above are about what they change.
    assert.equal(core.accessTokens.verify(withClaims({ jti: 'another' })).kid, key.kid)
    assert.equal(core.accessTokens.verify(genuine).kid, key.kid, 'the genuine token still verifies after all that')

    // Time passes: the genuine token itself expires.
    clock.advance(3601_000)
    refused(core, genuine, `${alg} genuine token past its exp`, 'TOKEN_EXPIRED')
  })

  test(`${alg}: a remembered token of a retired key is refused at once; a revoked session on the next call`, async (t) => {
    const { core, pair } = await coreFor(t, alg)
    const token = pair.accessToken
    assert.equal(core.authenticate.token(token).sessionId, pair.session.id)
    await core.keys.rotate()
    // Verify-only now: still accepted (rotation logs no one out).
    assert.equal(core.authenticate.token(token).sessionId, pair.session.id)
    core.keys.retireAllInactive()
    refused(core, token, `${alg} token of a retired key`)

    // A token of the new key, verified, then its session revoked: the signature still holds, the
    // caller does not.
    const fresh = await core.login(ADMIN.username, ADMIN.password, context)
    assert.equal(core.authenticate.token(fresh.accessToken).sessionId, fresh.session.id)
    assert.equal(core.sessions.revoke(fresh.session.id, 'admin'), true)
    assert.equal(core.accessTokens.verify(fresh.accessToken).sid, fresh.session.id)
    assert.throws(() => core.authenticate.token(fresh.accessToken), (err: unknown) => err instanceof AuthError && err.code === 'SESSION_REVOKED')
  })
}

test('HS256: a token signed with another secret under our kid and header is refused', async (t) => {
  const { core, pair } = await coreFor(t, 'HS256')
  const { h, p } = parts(pair.accessToken)
  core.accessTokens.verify(pair.accessToken) // its header is remembered now
  for (const secret of ['', 'secret', 'a-guessed-secret-of-enough-length-000000']) {
    const forged = `${h}.${p}.${createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')}`
    refused(core, forged, `HS256 signed with "${secret}"`)
  }
})

test('parseStrictObject: null exactly when a top-level member is named twice (escapes decoded), whatever the strings hold', () => {
  // Names that collide once decoded, and string values full of what a scanner could trip on.
  const names = fc.constantFrom('alg', '\\u0061lg', 'a\\"b', 'a\\\\', 'kid', 'k,i', '{', '}', '[', ']', '__proto__', '1', '')
  const decoded = (name: string): string => JSON.parse(`"${name}"`) as string
  const scalar = fc.oneof(fc.string({ unit: fc.constantFrom('a', ',', '"', '\\', '{', '}', '[', ']', ':', ' ', 'é') }).map((s) => JSON.stringify(s)), fc.integer().map(String), fc.constant('null'), fc.constant('true'))
  const nested = fc.array(fc.tuple(names, scalar), { maxLength: 3 }).map((ms) => `{${ms.map(([n, v]) => `"${n}":${v}`).join(',')}}`)
  const value = fc.oneof(scalar, nested, nested.map((o) => `[${o},${o}]`))
  const space = fc.constantFrom('', ' ', '\n\t ')
  fc.assert(
    fc.property(fc.array(fc.tuple(names, value, space), { maxLength: 6 }), space, (members, outer) => {
      const text = `${outer}{${members.map(([n, v, sp]) => `${sp}"${n}"${sp}:${sp}${v}${sp}`).join(',')}}${outer}`
      const repeated = new Set(members.map(([n]) => decoded(n))).size !== members.length
      const parsed = parseStrictObject(text)
      if (repeated) assert.equal(parsed, null, text)
      else assert.deepEqual(parsed, JSON.parse(text), text)
    }),
    { numRuns: 2000 },
  )
  for (const notObject of ['[]', '"x"', '1', 'null', '', '{', '{"a":1}x', '\ufeff{}']) assert.equal(parseStrictObject(notObject), null, notObject)
  assert.deepEqual(parseStrictObject('{}'), {})
  assert.deepEqual(parseStrictObject(' { } '), {})
})
