// Reference (d): Express 5 + jose HS256, a straightforward implementation: jwtVerify with the
// secret (HS256 only, our issuer), the token's type, then a users Map lookup (active).

import { createServer } from 'node:http'
import express from 'express'
import { jwtVerify } from 'jose'
import { issuer, listen, secret, userId, userRead } from './common.mjs'

const key = new TextEncoder().encode(secret)
const users = new Map([[userId, userRead()]])

async function requireUser(req, res, next) {
  const header = req.headers.authorization
  try {
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) throw new Error('no token')
    const { payload } = await jwtVerify(header.slice(7), key, { algorithms: ['HS256'], issuer })
    if (payload.type !== 'access') throw new Error('not an access token')
    const user = users.get(payload.sub)
    if (user === undefined || !user.is_active) throw new Error('no such user')
    req.user = user
    req.sid = payload.sid
    next()
  } catch {
    res.status(401).set('WWW-Authenticate', 'Bearer').json({ detail: 'Could not validate credentials' })
  }
}

const app = express()
app.get('/api/v1/users/whoami', requireUser, (req, res) => { res.json(req.user) })
app.get('/api/v1/auth/verify', requireUser, (req, res) => {
  res.set({ 'X-Auth-User': encodeURIComponent(req.user.username), 'X-Auth-User-Id': req.user.id, 'X-Auth-Superuser': String(req.user.is_superuser) })
  res.json({ user_id: req.user.id, username: req.user.username, is_superuser: req.user.is_superuser, session_id: req.sid })
})

listen(createServer(app))
