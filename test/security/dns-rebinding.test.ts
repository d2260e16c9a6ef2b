// DNS rebinding and the Host header: a request naming a host the server does not know is refused
// 421 before any route (fast path, Express, console files, discovery), discovery publishes the
// configured URLs whatever Host asked, and AUTHDOCK_ALLOWED_HOSTS is validated at start-up.

import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import { test } from 'node:test'
import { loadConfig } from '../../src/server/core/config.ts'
import { ConfigError } from '../../src/server/core/errors.ts'
import { allowedHosts, isHostAllowed, parseHost, publicBaseUrl } from '../../src/server/core/host-policy.ts'
import { login, parseBody, startServer, tempDir, testEnv } from '../helpers.ts'
import { CLIENT_TIMEOUT_MS } from './support.ts'

/** One request with the Host header chosen by the test (fetch sets its own). */
function withHost(url: string, method: string, path: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers: { ...headers, host }, timeout: CLIENT_TIMEOUT_MS }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => void (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: parseBody(text) }))
    })
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer`)))
    req.on('error', reject)
    req.end()
  })
}

const config = (env: Record<string, string>) => loadConfig(env).config

test('the host decision: loopback names and addresses, the issuer host, listed hosts, the bound address', () => {
  const plain = allowedHosts(config({}), { host: '127.0.0.1', port: 7861 })
  for (const host of ['localhost', 'localhost:7861', 'LOCALHOST:1', 'localhost.', 'app.localhost:3000', '127.0.0.1', '127.0.0.1:7861', '127.8.9.10:80', '[::1]', '[::1]:7861']) {
    assert.equal(isHostAllowed(host, plain), true, host)
  }
  for (const host of [undefined, '', 'evil.example', 'evil.example:7861', 'localhost.evil.example', '127.0.0.1.evil.example', '128.0.0.1', '127.1', '127.0.0.256',
    '0.0.0.0:7861', '[::]:7861', 'localhost:99999', 'localhost:', 'http://localhost', 'localhost/x', 'user@localhost', '[::1', '*.localhost']) {
    assert.equal(isHostAllowed(host, plain), false, String(host))
  }

  const listed = allowedHosts(config({ AUTHDOCK_ISSUER: 'https://auth.example.com/', AUTHDOCK_ALLOWED_HOSTS: 'authdock, Auth.Internal:8443,[fd00::5]' }), { host: '0.0.0.0', port: 7861 })
  for (const host of ['auth.example.com', 'auth.example.com:443', 'AUTH.example.com:8443', 'authdock', 'authdock:7861', 'auth.internal:8443', '[fd00::5]:7861', 'localhost:7861']) {
    assert.equal(isHostAllowed(host, listed), true, host)
  }
  for (const host of ['example.com', 'x.auth.example.com', 'auth.internal', 'auth.internal:7861', 'authdock.evil.example', '0.0.0.0:7861', '10.0.0.5:7861']) {
    assert.equal(isHostAllowed(host, listed), false, host)
  }
  // A specific bound address is what a browser sends when it was given that address.
  assert.equal(isHostAllowed('192.168.1.5:7861', allowedHosts(config({}), { host: '192.168.1.5', port: 7861 })), true)
  assert.equal(isHostAllowed('[fe80::1]:7861', allowedHosts(config({}), { host: 'fe80::1', port: 7861 })), true)
  // A non-URL issuer names no host.
  assert.deepEqual(allowedHosts(config({ AUTHDOCK_ISSUER: 'evil.example' }), null), [])
  assert.deepEqual(parseHost('[::1]:80'), { hostname: '[::1]', port: 80 })
})

test('the published base URL: the issuer if it is a URL, else the bound address (127.0.0.1 for a wildcard)', () => {
  assert.equal(publicBaseUrl(config({ AUTHDOCK_ISSUER: 'https://auth.example.com/' }), { host: '127.0.0.1', port: 1 }), 'https://auth.example.com')
  assert.equal(publicBaseUrl(config({ AUTHDOCK_ISSUER: 'https://example.com/auth/' }), null), 'https://example.com/auth')
  assert.equal(publicBaseUrl(config({}), { host: '127.0.0.1', port: 4000 }), 'http://127.0.0.1:4000')
  assert.equal(publicBaseUrl(config({}), { host: '0.0.0.0', port: 4000 }), 'http://127.0.0.1:4000')
  assert.equal(publicBaseUrl(config({}), { host: '::', port: 4000 }), 'http://127.0.0.1:4000')
  assert.equal(publicBaseUrl(config({}), { host: '::1', port: 4000 }), 'http://[::1]:4000')
  assert.equal(publicBaseUrl(config({ AUTHDOCK_ISSUER: 'authdock' }), null), 'http://127.0.0.1:7861')
})

test('AUTHDOCK_ALLOWED_HOSTS: host names or addresses with an optional port, validated at start-up', () => {
  assert.deepEqual(config({ AUTHDOCK_ALLOWED_HOSTS: ' authdock , auth.example.com:8443 ,' }).allowedHosts, [
    { hostname: 'authdock', port: null }, { hostname: 'auth.example.com', port: 8443 },
  ])
  assert.deepEqual(config({}).allowedHosts, [])
  for (const bad of ['*', '*.example.com', 'http://auth.example.com', 'auth.example.com/path', 'auth.example.com:0', 'auth.example.com:70000', 'a b', 'user@host', '.example.com']) {
    assert.throws(() => loadConfig({ AUTHDOCK_ALLOWED_HOSTS: bad }), (e: unknown) => e instanceof ConfigError && e.message.includes('AUTHDOCK_ALLOWED_HOSTS') && e.message.includes(bad), bad)
  }
})

test('Host: evil.example is refused 421 before any route: fast path, Express, console files, discovery', async (t) => {
  const consoleDir = join(tempDir(t), 'console')
  mkdirSync(consoleDir)
  writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>console</title>')
  const { url } = await startServer(t, { consoleDir })
  const admin = await login(url)
  const bearer = { authorization: `Bearer ${admin.access}` }
  // Each with the answer it gets under the server's own Host, so each really reaches its route.
  const cases: [string, string, Record<string, string>, number][] = [
    ['GET', '/api/v1/users/whoami', bearer, 200], // fast path
    ['GET', '/api/v1/auth/verify', { cookie: `access_token_lf=${admin.access}` }, 200], // fast path
    ['POST', '/api/v1/refresh', {}, 401], // fast path, no refresh token
    ['GET', '/api/v1/users/', bearer, 200], // Express
    ['GET', '/api/v1/health', {}, 200],
    ['OPTIONS', '/api/v1/login', { origin: 'http://evil.example', 'access-control-request-method': 'POST' }, 403], // CORS preflight
    ['GET', '/', {}, 200], // the console
    ['GET', '/index.html', {}, 200],
    ['GET', '/.well-known/openid-configuration', {}, 200],
    ['GET', '/.well-known/jwks.json', {}, 200],
  ]
  for (const [method, path, headers, status] of cases) {
    const own = await withHost(url, method, path, new URL(url).host, headers)
    assert.equal(own.status, status, `${method} ${path} with the server's own Host`)
    for (const host of ['evil.example', `evil.example:${new URL(url).port}`]) {
      const r = await withHost(url, method, path, host, headers)
      assert.equal(r.status, 421, `${method} ${path} with Host ${host}`)
      assert.equal(r.body.code, 'HOST_NOT_ALLOWED')
      assert.equal(typeof r.body.detail, 'string')
    }
  }
})

test('a request without a Host header is refused 421', async (t) => {
  const { url } = await startServer(t)
  // HTTP/1.1 requires Host (node answers 400 itself); HTTP/1.0 does not.
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1')
    let out = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => void (out += chunk))
    socket.on('end', () => resolve(out))
    socket.on('error', reject)
    socket.write('GET /api/v1/health HTTP/1.0\r\n\r\n')
  })
  assert.match(text, /^HTTP\/1\.1 421 /)
  assert.match(text, /"code":"HOST_NOT_ALLOWED"/)
})

test('discovery names the configured URLs, whatever allowed Host asked', async (t) => {
  const plain = await startServer(t)
  const port = new URL(plain.url).port
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `app.localhost:${port}`]) {
    const r = await withHost(plain.url, 'GET', '/.well-known/openid-configuration', host)
    assert.equal(r.status, 200, host)
    assert.equal(r.body.jwks_uri, `${plain.url}/.well-known/jwks.json`, host)
    assert.equal(r.body.token_endpoint, `${plain.url}/api/v1/login`, host)
  }

  const issuer = 'https://auth.example.test'
  const behindProxy = await startServer(t, { env: testEnv({ AUTHDOCK_ISSUER: issuer, AUTHDOCK_ALLOWED_HOSTS: 'authdock' }) })
  for (const host of ['auth.example.test', 'authdock:7861', `localhost:${new URL(behindProxy.url).port}`]) {
    const r = await withHost(behindProxy.url, 'GET', '/.well-known/openid-configuration', host)
    assert.equal(r.status, 200, host)
    assert.equal(r.body.issuer, issuer)
    for (const [name, path] of [['jwks_uri', '/.well-known/jwks.json'], ['token_endpoint', '/api/v1/login'], ['introspection_endpoint', '/api/v1/oauth/introspect'], ['revocation_endpoint', '/api/v1/oauth/revoke']] as const) {
      assert.equal(r.body[name], `${issuer}${path}`, `${name} with Host ${host}`)
    }
  }
  assert.equal((await withHost(behindProxy.url, 'GET', '/.well-known/openid-configuration', 'other.example.test')).status, 421)
})
