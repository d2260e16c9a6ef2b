// Reference (a): bare node:http answering a constant JSON, no auth at all. The ceiling of any Node
// endpoint on this machine: whatever authdock does per request is measured against this.

import { createServer } from 'node:http'
import { listen, userRead } from './common.mjs'

const body = JSON.stringify(userRead())
const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }

listen(createServer((_req, res) => {
  res.writeHead(200, headers)
  res.end(body)
}))
