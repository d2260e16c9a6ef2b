// The API's contract: GET /openapi.json is a valid OpenAPI 3.1 document, names exactly the routes
// the server answers, and a request outside a documented schema gets one of the statuses the
// document lists for it. (Every other test's answers are checked against the same declarations
// by test/helpers.ts's startServer.)

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Validator } from '@seriousme/openapi-schema-validator'
import { createCookieJar } from '../../../src/server/http/cookies.ts'
import { routeTable } from '../../../src/server/http/route-table.ts'
import { createStreamHub } from '../../../src/server/http/sse.ts'
import { call, login, startServer } from '../../helpers.ts'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any -- a JSON document under test

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const
const BOGUS_ID = '00000000-0000-4000-8000-000000000000'

function operations(doc: Json): { method: string; path: string; op: Json }[] {
  return Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m] !== undefined).map((m) => ({ method: m.toUpperCase(), path, op: item[m] as Json })),
  )
}

/** A value of the wrong JSON type for `schema`. */
function wrongFor(schema: Json | undefined): unknown {
  const type = schema?.type
  if (type === 'string' || schema?.enum !== undefined || schema?.const !== undefined) return 12345
  if (type === 'boolean') return 'maybe'
  if (type === 'number' || type === 'integer') return 'many'
  return 'wrong'
}

/** A JSON body that breaks the schema: every declared property of the wrong type. */
function violating(schema: Json): unknown {
  const properties = schema.properties as Record<string, Json> | undefined
  if (properties === undefined || Object.keys(properties).length === 0) return 'not an object'
  return Object.fromEntries(Object.entries(properties).map(([name, p]) => [name, wrongFor(p)]))
}

const concrete = (path: string) => path.replace(/\{[^}]+\}/g, BOGUS_ID)

test('GET /openapi.json is a valid OpenAPI 3.1 document naming every route of the table, and nothing else', async (t) => {
  const { url, server } = await startServer(t)
  const r = await call(url, 'GET', '/openapi.json')
  assert.equal(r.status, 200)
  const doc = r.body as Json
  assert.equal(doc.openapi, '3.1.0')
  const validator = new Validator()
  const verdict = await validator.validate(structuredClone(doc))
  assert.ok(verdict.valid, JSON.stringify(verdict.errors, null, 1)?.slice(0, 2000))

  const documented = operations(doc).map((o) => `${o.method} ${o.path}`).sort()
  const table = routeTable({ core: server.core, cookies: createCookieJar(server.core.config), streams: createStreamHub(), listenAddress: () => null })
  const served = table.filter((rt) => rt.hidden !== true).map((rt) => `${rt.method} ${rt.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`).sort()
  assert.deepEqual(documented, served)
  assert.ok(documented.length >= 45, `the document has the whole API (${documented.length} operations)`)

  // Each documented operation is answered, and not by the router's 404 or 405: it exists.
  const admin = await login(url)
  for (const { method, path, op } of operations(doc)) {
    if (op.responses['200']?.content === undefined && /stream|events/.test(path)) continue // event streams never end
    if (method !== 'GET') continue // the unsafe ones are exercised below, with bodies that change nothing
    const answer = await call(url, method, concrete(path), { token: admin.access })
    assert.ok(![404, 405].includes(answer.status) || answer.body?.code !== 'NOT_FOUND', `${method} ${path}: ${answer.status}`)
    assert.ok(Object.keys(op.responses).includes(String(answer.status)), `${method} ${path} answered ${answer.status}, documented ${Object.keys(op.responses).join(', ')}`)
  }
  // Every route says who may call it, and what it answers on failure.
  for (const { method, path, op } of operations(doc)) {
    assert.ok(Array.isArray(op.security), `${method} ${path} security`)
    assert.ok(Object.keys(op.responses).some((s) => Number(s) >= 400) || op.security.length === 0, `${method} ${path} lists its errors`)
  }
})

test('a request outside a documented schema gets a status the document lists for that operation', async (t) => {
  const { url } = await startServer(t)
  const doc = (await call(url, 'GET', '/openapi.json')).body as Json
  let bodies = 0
  let queries = 0
  for (const { method, path, op } of operations(doc)) {
    const documented = Object.keys(op.responses)
    // A fresh session each time: a logout with a bad body still signs its caller out.
    const admin = await login(url)
    const schema = op.requestBody?.content?.['application/json']?.schema as Json | undefined
    if (schema !== undefined) {
      bodies += 1
      const r = await call(url, method, concrete(path), { token: admin.access, json: violating(schema) })
      // A route documented as ignoring a body it cannot use answers as without one.
      if (op.requestBody['x-authdock-lenient'] !== true) assert.ok(r.status >= 400 && r.status < 500, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`)
      assert.ok(documented.includes(String(r.status)), `${method} ${path} answered ${r.status} (${JSON.stringify(r.body)}), documented ${documented.join(', ')}`)
    }
    for (const p of (op.parameters ?? []) as Json[]) {
      if (p.in !== 'query' || (p.schema?.type !== 'string' && p.schema?.pattern === undefined)) continue
      if (p.schema?.pattern === undefined && p.schema?.enum === undefined && p.schema?.maxLength === undefined) continue
      queries += 1
      const bad = p.schema?.maxLength !== undefined && p.schema?.pattern === undefined && p.schema?.enum === undefined ? 'x'.repeat(p.schema.maxLength + 1) : 'not-valid-%'
      const r = await call(url, method, `${concrete(path)}?${p.name}=${encodeURIComponent(bad)}`, { token: admin.access })
      assert.equal(r.status, 422, `${method} ${path}?${p.name}: ${r.status} ${JSON.stringify(r.body)}`)
      assert.ok(documented.includes('422'), `${method} ${path} documents its 422`)
    }
  }
  assert.ok(bodies >= 15 && queries >= 5, `bodies ${bodies}, query parameters ${queries}`)
})
