// An example local app protected by authdock/verify: tokens are checked here, offline, against
// authdock's JWKS and revocation stream. Run it from inside the authdock package (see README.md).

import express from 'express'
import { createVerifier } from 'authdock/verify'

const baseUrl = process.env.AUTHDOCK_URL ?? 'http://127.0.0.1:7861'
const apiKey = process.env.AUTHDOCK_API_KEY
const port = Number(process.env.PORT ?? 3000)
if (!apiKey) {
  process.stderr.write("set AUTHDOCK_API_KEY to a superuser's API key of authdock (POST /api/v1/api_key/)\n")
  process.exit(2)
}
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`PORT must be a port number (0 for any free one), not ${process.env.PORT}\n`)
  process.exit(2)
}

const verifier = createVerifier({
  baseUrl,
  apiKey,
  issuer: process.env.AUTHDOCK_ISSUER ?? 'authdock',
  onError: (err) => process.stderr.write(`authdock: ${err.message}\n`),
})

const app = express()
app.disable('x-powered-by')
app.get('/hello', verifier.middleware(), (req, res) => {
  // Access tokens carry the user id, not the name; an app that needs names keeps its own map.
  res.json({ hello: req.auth.payload.username ?? req.auth.sub })
})

try {
  // Serve nothing before the revocation snapshot: a token revoked while we were down must fail.
  await verifier.ready
} catch (err) {
  process.stderr.write(`cannot start: ${err.message}\n`)
  process.exit(1)
}
// Express 5 calls back with the error if binding fails.
const server = app.listen(port, '127.0.0.1', (err) => {
  if (err) {
    process.stderr.write(`cannot listen: ${err.message}\n`)
    process.exit(1)
  }
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`)
})

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    verifier.close() // the open stream would otherwise keep the process alive
    server.close(() => process.exit(0))
    server.closeIdleConnections()
  })
}
