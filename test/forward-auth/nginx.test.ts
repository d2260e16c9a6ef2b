// Forward auth for real: Debian's nginx runs deploy/nginx/forward-auth.conf (the README's snippet,
// only the two addresses swapped for live ports) in front of a tiny app, with authdock answering
// its auth_request subrequests; and Debian's Chromium, holding the admin's cookie, meets a page on
// another port that posts a form to that app.

import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { call, login, startServer, tempDir, testEnv } from '../helpers.ts'
import { callThrough, crossPortFormIsRefused, freePort, runProxy, snippetFor, startApp } from './proxy-harness.ts'
import type { ThroughOptions } from './proxy-harness.ts'

const NGINX = '/usr/sbin/nginx'
const SNIPPET = new URL('../../deploy/nginx/forward-auth.conf', import.meta.url)
const README = new URL('../../README.md', import.meta.url)

/** Runs nginx in the foreground with everything it writes in a temp dir; stopped when the test ends. */
async function startNginx(t: TestContext, snippet: string): Promise<string> {
  if (!existsSync(NGINX)) {
    throw new Error(`nginx is not installed (${NGINX} is missing): install it with \`apt-get install nginx\` (Debian/Ubuntu; nginx-light works too). npm test installs it itself when run as root with apt-get.`)
  }
  const dir = tempDir(t)
  const port = await freePort()
  const file = (name: string) => join(dir, name)
  const config = [
    // A root master would otherwise run its workers as nobody, who cannot enter the 0700 temp dir.
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    `pid ${file('nginx.pid')};`,
    `error_log ${file('error.log')} info;`,
    'events {}',
    'http {',
    `    access_log ${file('access.log')};`,
    `    client_body_temp_path ${file('client_body')};`,
    `    proxy_temp_path ${file('proxy')};`,
    `    fastcgi_temp_path ${file('fastcgi')};`,
    `    uwsgi_temp_path ${file('uwsgi')};`,
    `    scgi_temp_path ${file('scgi')};`,
    '    server {',
    `        listen 127.0.0.1:${port};`,
    snippet,
    '    }',
    '}',
    '',
  ].join('\n')
  writeFileSync(file('nginx.conf'), config)

  const errorLog = () => (existsSync(file('error.log')) ? readFileSync(file('error.log'), 'utf8') : '')
  // -e: the compiled-in /var/log/nginx/error.log is opened before the config is read.
  return runProxy(t, 'nginx', NGINX, ['-p', dir, '-c', file('nginx.conf'), '-e', file('error.log')], port, { moreOutput: errorLog })
}

test('nginx auth_request in front of an app, with authdock deciding', async (t) => {
  const authdock = await startServer(t, { env: testEnv({ LANGFLOW_NEW_USER_IS_ACTIVE: 'true' }) })
  const app = await startApp(t)
  const authdockPort = Number(new URL(authdock.url).port)
  const proxy = await startNginx(t, snippetFor(SNIPPET, authdockPort, app.port))

  const admin = await login(authdock.url)
  const whoami = await call(authdock.url, 'GET', '/api/v1/users/whoami', { token: admin.access })
  assert.equal(whoami.status, 200)
  const adminId: string = whoami.body.id

  const through = (options: ThroughOptions = {}) => callThrough(proxy, options)

  await t.test('no credential: 401 from nginx, the app never sees the request', async () => {
    const r = await through()
    assert.equal(r.status, 401)
    assert.equal(r.seen, null)
    // nginx hands the client the subrequest's WWW-Authenticate on a 401 (RFC 6750: no error code without a credential).
    assert.equal(r.headers.get('www-authenticate'), 'Bearer')
  })

  await t.test('a valid Bearer token: the app sees the admin', async () => {
    const r = await through({ token: admin.access })
    assert.equal(r.status, 200)
    assert.deepEqual(r.seen, { method: 'GET', url: '/app/page?x=1', user: 'admin', userId: adminId, superuser: 'true', bodyBytes: 0 })
  })

  await t.test('a POST with a body: the body reaches the app, not authdock', async () => {
    const r = await through({ token: admin.access, method: 'POST', json: { hello: 'world' } })
    assert.equal(r.status, 200)
    assert.equal(r.seen?.method, 'POST')
    assert.equal(r.seen?.bodyBytes, JSON.stringify({ hello: 'world' }).length)
    assert.equal(r.seen?.user, 'admin')
  })

  await t.test('the access_token_lf cookie', async () => {
    const r = await through({ headers: { cookie: `theme=dark; access_token_lf=${admin.access}` } })
    assert.equal(r.status, 200)
    assert.equal(r.seen?.user, 'admin')
    assert.equal(r.seen?.userId, adminId)
    assert.equal(r.seen?.superuser, 'true')
  })

  await t.test('an API key in X-Api-Key', async () => {
    const created = await call(authdock.url, 'POST', '/api/v1/api_key/', { token: admin.access, json: { name: 'nginx' } })
    assert.equal(created.status, 200)
    const r = await through({ headers: { 'x-api-key': created.body.api_key } })
    assert.equal(r.status, 200)
    assert.equal(r.seen?.user, 'admin')
    assert.equal(r.seen?.userId, adminId)
    assert.equal(r.seen?.superuser, 'true')
    assert.equal((await through({ headers: { 'x-api-key': 'sk-not-a-real-key' } })).status, 401)
  })

  await t.test('a forged token: 401', async () => {
    const [header, payload] = admin.access.split('.')
    const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`
    assert.equal((await through({ token: forged })).status, 401)
    assert.equal((await through({ token: 'not-a-jwt' })).status, 401)
  })

  await t.test('a normal user: X-Auth-Superuser false, the name percent-encoded, forged X-Auth-* headers dropped', async () => {
    const username = 'zoë normal'
    const created = await call(authdock.url, 'POST', '/api/v1/users/', { token: admin.access, json: { username, password: 'zoe-password-1' } })
    assert.equal(created.status, 201)
    const zoe = await login(authdock.url, username, 'zoe-password-1')
    const r = await through({
      token: zoe.access,
      headers: { 'x-auth-user': 'admin', 'x-auth-user-id': adminId, 'x-auth-superuser': 'true' },
    })
    assert.equal(r.status, 200)
    assert.equal(r.seen?.user, encodeURIComponent(username))
    assert.equal(r.seen?.userId, created.body.id)
    assert.equal(r.seen?.superuser, 'false')
  })

  await t.test('after logout the same token is refused at once', async () => {
    const session = await login(authdock.url)
    assert.equal((await through({ token: session.access })).status, 200)
    const out = await call(authdock.url, 'POST', '/api/v1/logout', { token: session.access })
    assert.ok(out.status >= 200 && out.status < 300, `logout: ${out.status}`)
    const r = await through({ token: session.access })
    assert.equal(r.status, 401)
    assert.equal(r.seen, null)
    assert.equal((await through({ headers: { cookie: `access_token_lf=${session.access}` } })).status, 401)
    // Other sessions are untouched.
    assert.equal((await through({ token: admin.access })).status, 200)
  })

  await t.test('deactivating a user refuses their token at once', async () => {
    const created = await call(authdock.url, 'POST', '/api/v1/users/', { token: admin.access, json: { username: 'dora', password: 'dora-password-1' } })
    assert.equal(created.status, 201)
    const dora = await login(authdock.url, 'dora', 'dora-password-1')
    assert.equal((await through({ token: dora.access })).status, 200)
    const patched = await call(authdock.url, 'PATCH', `/api/v1/users/${created.body.id}`, { token: admin.access, json: { is_active: false } })
    assert.equal(patched.status, 200)
    assert.equal((await through({ token: dora.access })).status, 401)
  })

  await t.test('authdock down: nginx fails closed (500), never lets the request through', async () => {
    await authdock.close()
    const r = await through({ token: admin.access })
    assert.equal(r.status, 500)
    assert.equal(r.seen, null)
  })
})

// The attack of a page on another port, in Chromium (proxy-harness.ts), with nginx in front.
test('in Chromium: a form another port posts with the admin\'s cookie never reaches the app; the app\'s own form does', async (t) => {
  await crossPortFormIsRefused(t, (authdockPort, appPort) => startNginx(t, snippetFor(SNIPPET, authdockPort, appPort)))
})

// The README shows the snippet; this keeps its copy from drifting from the file tested above.
test('the README shows deploy/nginx/forward-auth.conf verbatim', () => {
  const readme = readFileSync(README, 'utf8')
  const snippet = readFileSync(SNIPPET, 'utf8')
  assert.ok(readme.includes('```nginx\n' + snippet + '```'), `README.md's nginx block differs from ${fileURLToPath(SNIPPET)}`)
})
