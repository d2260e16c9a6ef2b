// The API documents itself: GET /openapi.json is generated from the route table, and /docs shows
// it with Swagger UI (the page FastAPI, and so Langflow, serves at /docs), from files of the
// swagger-ui-dist package and a start-up script of ours, so the page needs no inline script.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { version } from '../../../../package.json'
import { publicBaseUrl } from '../../core/host-policy.ts'
import { openApiDocument } from '../openapi.ts'
import type { Route } from '../route.ts'
import { route } from '../route.ts'
import type { RouteDeps } from '../route-table.ts'

const require = createRequire(import.meta.url)

/** Swagger UI's own files, read once on first use. */
const SWAGGER_DIR = dirname(require.resolve('swagger-ui-dist/package.json'))
const cache = new Map<string, Buffer>()
const swaggerFile = (name: string): Buffer => {
  let file = cache.get(name)
  if (file === undefined) cache.set(name, (file = readFileSync(join(SWAGGER_DIR, name))))
  return file
}

/** Its script and style from here; the images its stylesheet holds as data: URLs. */
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>authdock API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/start.js"></script>
</body>
</html>
`

const START = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, tryItOutEnabled: false })\n`

const asset = (path: string, type: string, content: () => string | Buffer): Route =>
  route({
    method: 'GET', path, caller: 'public', tag: 'docs', summary: 'A file of the docs page', response: null, hidden: true,
    handler: () => ({ headers: { 'Content-Type': type, 'Cache-Control': 'public, max-age=3600' }, raw: content() }),
  })

export function docsRoutes({ core, listenAddress }: RouteDeps, table: () => readonly Route[]): Route[] {
  let document: string | undefined
  return [
    route({
      method: 'GET', path: '/openapi.json', caller: 'public', tag: 'docs',
      summary: 'This document: the API as OpenAPI 3.1', response: z.record(z.string(), z.unknown()),
      handler() {
        // The table is fixed once the server runs; the base URL only once it listens.
        document ??= listenAddress() === null ? undefined : JSON.stringify(openApiDocument(table(), { version, serverUrl: publicBaseUrl(core.config, listenAddress()) }))
        const body = document ?? JSON.stringify(openApiDocument(table(), { version, serverUrl: publicBaseUrl(core.config, null) }))
        return { headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache' }, raw: body }
      },
    }),
    route({
      method: 'GET', path: '/docs', caller: 'public', tag: 'docs', summary: 'The API, readable (Swagger UI)', response: null, hidden: true,
      handler: () => ({ headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': DOCS_CSP, 'Cache-Control': 'no-cache' }, raw: PAGE }),
    }),
    asset('/docs/swagger-ui.css', 'text/css; charset=utf-8', () => swaggerFile('swagger-ui.css')),
    asset('/docs/swagger-ui-bundle.js', 'text/javascript; charset=utf-8', () => swaggerFile('swagger-ui-bundle.js')),
    asset('/docs/start.js', 'text/javascript; charset=utf-8', () => START),
  ]
}
