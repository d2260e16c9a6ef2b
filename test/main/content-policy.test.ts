// The window's content rules: the request filter predicate, the CSP constant and when it is added.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CONSOLE_CSP, isAllowedRequest, withConsoleCsp } from '../../src/main/content-policy.ts'

const ORIGIN = 'http://127.0.0.1:41234'

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name as string, values]),
  )
}

test('the CSP: self by default, no framing, no eval or inline script, no plugins', () => {
  const csp = directives(CONSOLE_CSP)
  assert.deepEqual(csp.get('default-src'), ["'self'"])
  assert.deepEqual(csp.get('frame-ancestors'), ["'none'"])
  assert.deepEqual(csp.get('script-src'), ["'self'"])
  assert.deepEqual(csp.get('object-src'), ["'none'"])
  assert.deepEqual(csp.get('base-uri'), ["'none'"])
  assert.doesNotMatch(CONSOLE_CSP, /unsafe-eval|unsafe-inline|wasm-unsafe-eval|\*|https?:/)
})

test('requests to the console origin pass, whatever the path', () => {
  for (const url of [`${ORIGIN}/`, `${ORIGIN}/api/v1/admin/events?x=1`, `${ORIGIN}/assets/index-abc.js`]) {
    assert.equal(isAllowedRequest(url, ORIGIN), true, url)
  }
})

test('nothing remote, and no other local origin, passes', () => {
  const denied = [
    'https://fonts.googleapis.com/css',
    'https://127.0.0.1:41234/', // scheme differs
    'http://127.0.0.1:41235/', // port differs
    'http://127.0.0.1/',
    'http://localhost:41234/', // host differs, even if it resolves here
    'ws://127.0.0.1:41234/',
    'file:///etc/passwd',
    'blob:https://evil.example/0b2c3d4e',
    'chrome-extension://abc/page.html',
    'javascript:alert(1)',
    'not a url',
    '',
  ]
  for (const url of denied) assert.equal(isAllowedRequest(url, ORIGIN), false, url)
})

test('DevTools, inline data and the console own blobs are not remote content', () => {
  assert.equal(isAllowedRequest('devtools://devtools/bundled/devtools_app.html', ORIGIN), true)
  assert.equal(isAllowedRequest('data:image/png;base64,iVBORw0KGgo=', ORIGIN), true)
  assert.equal(isAllowedRequest(`blob:${ORIGIN}/0b2c3d4e-1111-2222-3333-444455556666`, ORIGIN), true)
})

test('the CSP is added to console responses that have none, keeping their headers', () => {
  const headers = { 'Content-Type': ['text/html'] }
  assert.deepEqual(withConsoleCsp(`${ORIGIN}/`, headers, ORIGIN), {
    'Content-Type': ['text/html'],
    'Content-Security-Policy': [CONSOLE_CSP],
  })
  // Report-Only enforces nothing, so the response still gets one.
  const reportOnly = { 'content-security-policy-report-only': ["default-src 'none'"] }
  assert.deepEqual(withConsoleCsp(`${ORIGIN}/`, reportOnly, ORIGIN)?.['Content-Security-Policy'], [CONSOLE_CSP])
})

test('a response with its own CSP, in any spelling, or from elsewhere, passes unchanged', () => {
  for (const name of ['Content-Security-Policy', 'content-security-policy', 'CONTENT-SECURITY-POLICY']) {
    assert.equal(withConsoleCsp(`${ORIGIN}/`, { [name]: ["default-src 'self'"] }, ORIGIN), null, name)
  }
  assert.equal(withConsoleCsp('devtools://devtools/bundled/devtools_app.html', {}, ORIGIN), null)
})
