// Reference (c): Express 5 answering a constant JSON, no auth: what Express itself costs per request.

import { createServer } from 'node:http'
import express from 'express'
import { listen, userRead } from './common.mjs'

const user = userRead()
const app = express()
app.get('/api/v1/users/whoami', (_req, res) => { res.json(user) })
app.get('/api/v1/auth/verify', (_req, res) => { res.json(user) })

listen(createServer(app))
