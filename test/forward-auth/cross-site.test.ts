// Forward auth and cross-site writes: the rule itself (core/cross-site.ts), and GET
// /api/v1/auth/verify answering 403 for a cross-site write authenticated by the admin's cookie,
// as nginx, Traefik and Caddy describe the original request, while Bearer and API-key callers and
// safe methods pass. test/forward-auth/nginx.test.ts drives the same through nginx in Chromium.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isCrossSiteWrite } from '../../src/server/core/cross-site.ts'
import { ACCESS_COOKIE } from '../../src/server/http/cookies.ts'
import { call, login, startServer } from '../helpers.ts'

const APP = '127.0.0.1:8081'

test('the rule: an unsafe method that Origin or Sec-Fetch-Site say another origin sent', () => {
  const write = { method: 'POST', host: APP }
  assert.equal(isCrossSiteWrite({ ...write, origin: 'http://127.0.0.1:9999', secFetchSite: 'same-site' }), true, 'another port is another origin')
  assert.equal(isCrossSiteWrite({ ...write, origin: 'https://evil.example', secFetchSite: 'cross-site' }), true)
  assert.equal(isCrossSiteWrite({ ...write, origin: undefined, secFetchSite: 'same-site' }), true)
  assert.equal(isCrossSiteWrite({ ...write, origin: 'http://127.0.0.1:9999', secFetchSite: undefined }), true, 'an older browser: Origin alone')
  assert.equal(isCrossSiteWrite({ ...write, origin: 'null', secFetchSite: undefined }), true, 'an opaque origin (sandboxed frame, data: URL)')
  for (const method of ['PUT', 'PATCH', 'DELETE', 'post', 'PROPFIND']) {
    assert.equal(isCrossSiteWrite({ method, host: APP, origin: 'http://127.0.0.1:9999', secFetchSite: 'same-site' }), true, method)
  }

  assert.equal(isCrossSiteWrite({ ...write, origin: `http://${APP}`, secFetchSite: 'same-origin' }), false, 'the app\'s own page')
  assert.equal(isCrossSiteWrite({ ...write, origin: `https://${APP}`, secFetchSite: 'same-origin' }), false, 'TLS ended by the proxy')
  assert.equal(isCrossSiteWrite({ ...write, origin: undefined, secFetchSite: 'none' }), false, 'typed by the user')
  // The browser's own word wins: a proxy that does not say where the request was sent to
  // (no X-Forwarded-Host) leaves Origin nothing to be compared with.
  assert.equal(isCrossSiteWrite({ ...write, host: '127.0.0.1:7861', origin: `http://${APP}`, secFetchSite: 'same-origin' }), false, 'Sec-Fetch-Site decides')
  assert.equal(isCrossSiteWrite({ ...write, host: '127.0.0.1:7861', origin: `http://${APP}`, secFetchSite: undefined }), true, 'without it, Origin against the host')
  assert.equal(isCrossSiteWrite({ ...write, origin: undefined, secFetchSite: undefined }), false, 'not a browser')
  for (const method of ['GET', 'HEAD', 'OPTIONS', undefined]) {
    assert.equal(isCrossSiteWrite({ method, host: APP, origin: 'https://evil.example', secFetchSite: 'cross-site' }), false, `${method}: a link from another site is fine`)
  }
})

test('verify: 403 for a cross-site write by cookie; Bearer, API key, safe methods and same-origin writes pass', async (t) => {
  const { url } = await startServer(t)
  const admin = await login(url)
  const key = await call(url, 'POST', '/api/v1/api_key/', { token: admin.access, json: { name: 'proxy' } })
  assert.equal(key.status, 200)
  const verify = (headers: Record<string, string>) => call(url, 'GET', '/api/v1/auth/verify', { headers })
  const cookie = { cookie: `${ACCESS_COOKIE}=${admin.access}` }
  const crossSite = { origin: 'http://127.0.0.1:9999', 'sec-fetch-site': 'same-site' }

  // How each proxy describes the original request.
  const proxies: Record<string, Record<string, string>> = {
    nginx: { 'x-original-method': 'POST', 'x-forwarded-host': APP },
    traefik: { 'x-forwarded-method': 'POST', 'x-forwarded-host': APP },
    caddy: { 'x-forwarded-method': 'POST', host: '127.0.0.1', 'x-forwarded-host': APP },
  }
  for (const [proxy, original] of Object.entries(proxies)) {
    const refused = await verify({ ...cookie, ...original, ...crossSite })
    assert.equal(refused.status, 403, proxy)
    assert.equal(refused.body.code, 'FORBIDDEN')
    assert.equal(typeof refused.body.detail, 'string')
    assert.equal(refused.headers.get('x-auth-user'), null, `${proxy}: no identity handed out`)

    assert.equal((await verify({ ...cookie, ...original, origin: `http://${APP}`, 'sec-fetch-site': 'same-origin' })).status, 200, `${proxy}: same-origin write`)
    assert.equal((await verify({ ...cookie, ...original, origin: `http://${APP}` })).status, 200, `${proxy}: same-origin write, Origin only`)
    assert.equal((await verify({ ...cookie, ...original, ...crossSite, authorization: `Bearer ${admin.access}` })).status, 200, `${proxy}: Bearer`)
    assert.equal((await verify({ ...original, ...crossSite, 'x-api-key': key.body.api_key })).status, 200, `${proxy}: API key`)
  }
  assert.equal((await verify({ ...cookie, 'x-original-method': 'GET', 'x-forwarded-host': APP, ...crossSite })).status, 200, 'a safe method')
  assert.equal((await verify({ ...cookie, 'x-original-method': 'DELETE', 'x-forwarded-host': APP, origin: 'https://evil.example' })).status, 403, 'Origin alone')
  assert.equal((await verify({ ...cookie, 'x-original-method': 'POST', 'x-forwarded-host': APP })).status, 200, 'not from a browser')
  // A proxy that does not say the method: judged as a write, not waved through.
  assert.equal((await verify({ ...cookie, 'x-forwarded-host': APP, ...crossSite })).status, 403, 'no method header')
  assert.equal((await verify({ ...cookie, 'x-forwarded-host': APP, origin: `http://${APP}`, 'sec-fetch-site': 'same-origin' })).status, 200, 'no method header, same origin')
  // A jar padded past 16 KB by another page's cookies (cookies are per host, not per port): the
  // cookie that authenticates is the cookie the rule sees.
  const padding = Array.from({ length: 5 }, (_, i) => `junk${i}=${'x'.repeat(4000)}`).join('; ')
  const padded = await verify({ cookie: `${padding}; ${ACCESS_COOKIE}=${admin.access}`, 'x-original-method': 'POST', 'x-forwarded-host': APP, ...crossSite })
  assert.equal(padded.status, 403, 'a padded cookie jar')
  assert.equal(padded.headers.get('x-auth-user'), null)
  // A bad cookie is still a 401, whatever the request.
  assert.equal((await verify({ cookie: `${ACCESS_COOKIE}=nope`, 'x-original-method': 'GET' })).status, 401)
})
