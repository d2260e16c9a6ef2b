// Forward auth for real behind Caddy: Debian's caddy runs deploy/caddy/forward-auth.caddy (the
// README's snippet, only the two addresses swapped for live ports) in the site block of a tiny
// app, with authdock answering its forward_auth requests; and the page on another port in Chromium.

import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { ACCESS_COOKIE } from '../../src/server/http/cookies.ts'
import { call, login, startServer, tempDir } from '../helpers.ts'
import { callThrough, crossPortFormIsRefused, freePort, runProxy, snippetFor, startApp } from './proxy-harness.ts'
import type { ThroughOptions } from './proxy-harness.ts'

const CADDY = '/usr/bin/caddy'
const SNIPPET = new URL('../../deploy/caddy/forward-auth.caddy', import.meta.url)
const README = new URL('../../README.md', import.meta.url)

/** Runs caddy in the foreground, plain HTTP, no admin endpoint, its state in a temp dir; stopped when the test ends. */
async function startCaddy(t: TestContext, snippet: string): Promise<string> {
  if (!existsSync(CADDY)) {
    throw new Error(`caddy is not installed (${CADDY} is missing): install it with \`apt-get install caddy\`. npm test installs it itself when run as root with apt-get.`)
  }
  const dir = tempDir(t)
  const port = await freePort()
  const config = ['{', '\tadmin off', '\tauto_https off', `\tstorage file_system ${join(dir, 'data')}`, '}', `http://127.0.0.1:${port} {`, snippet, '}', ''].join('\n')
  writeFileSync(join(dir, 'Caddyfile'), config)
  const env = { PATH: process.env.PATH, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir }
  return runProxy(t, 'caddy', CADDY, ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], port, { env })
}

test('Caddy forward_auth in front of an app, with authdock deciding', async (t) => {
  const authdock = await startServer(t)
  const app = await startApp(t)
  const proxy = await startCaddy(t, snippetFor(SNIPPET, Number(new URL(authdock.url).port), app.port))
  const admin = await login(authdock.url)
  const adminId: string = (await call(authdock.url, 'GET', '/api/v1/users/whoami', { token: admin.access })).body.id

  const through = (options: ThroughOptions = {}) => callThrough(proxy, options)

  // No credential: authdock's 401 reaches the client, the app never sees the request.
  const none = await through()
  assert.equal(none.status, 401)
  assert.equal(none.seen, null)
  assert.equal(none.headers.get('www-authenticate'), 'Bearer')

  // A Bearer token: the app sees the admin, and X-Auth-* headers the client sent are dropped.
  const bearer = await through({ token: admin.access, headers: { 'x-auth-user': 'mallory', 'x-auth-superuser': 'false' } })
  assert.equal(bearer.status, 200)
  assert.deepEqual(bearer.seen, { method: 'GET', url: '/app/page?x=1', user: 'admin', userId: adminId, superuser: 'true', bodyBytes: 0 })
  const anonymousForged = await through({ headers: { 'x-auth-user': 'admin' } })
  assert.equal(anonymousForged.status, 401)

  // The cookie: a cross-site write is refused (Caddy passes Origin and Sec-Fetch-Site on, and the
  // method as X-Forwarded-Method), a same-origin one and a cross-site read go through.
  const cookie = { cookie: `${ACCESS_COOKIE}=${admin.access}` }
  const crossSite = await through({ method: 'POST', json: { amount: 100 }, headers: { ...cookie, origin: 'http://127.0.0.1:9999', 'sec-fetch-site': 'same-site' } })
  assert.equal(crossSite.status, 403)
  assert.equal(crossSite.body.code, 'FORBIDDEN')
  assert.ok(!app.seen.some((s) => s.method === 'POST'), 'the app never received the cross-site POST')
  const sameOrigin = await through({ method: 'POST', json: { amount: 100 }, headers: { ...cookie, origin: proxy, 'sec-fetch-site': 'same-origin' } })
  assert.equal(sameOrigin.status, 200)
  assert.equal(sameOrigin.seen?.user, 'admin')
  assert.equal(sameOrigin.seen?.bodyBytes, JSON.stringify({ amount: 100 }).length, 'the body reaches the app')
  assert.equal((await through({ headers: { ...cookie, origin: 'http://127.0.0.1:9999', 'sec-fetch-site': 'same-site' } })).status, 200, 'a read')

  // A revoked session is refused at once; authdock down fails closed.
  const session = await login(authdock.url)
  assert.equal((await through({ token: session.access })).status, 200)
  await call(authdock.url, 'POST', '/api/v1/logout', { token: session.access })
  assert.equal((await through({ token: session.access })).status, 401)
  await authdock.close()
  const down = await through({ token: admin.access })
  assert.ok(down.status >= 500, `authdock down: ${down.status}`)
  assert.equal(down.seen, null)
})

test('in Chromium, behind Caddy: a form another port posts with the admin\'s cookie never reaches the app; the app\'s own form does', async (t) => {
  await crossPortFormIsRefused(t, async (authdockPort, appPort) => startCaddy(t, snippetFor(SNIPPET, authdockPort, appPort)))
})

test('the README shows deploy/caddy/forward-auth.caddy verbatim', () => {
  const readme = readFileSync(README, 'utf8')
  const snippet = readFileSync(SNIPPET, 'utf8')
  assert.ok(readme.includes('```caddy\n' + snippet + '```'), `README.md's Caddy block differs from ${fileURLToPath(SNIPPET)}`)
})
