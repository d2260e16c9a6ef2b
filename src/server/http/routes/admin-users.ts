// Admin: users as the console manages them. The same rules as Langflow's /users routes, plus the
// lock-out state, unlocking, signing a user out everywhere, and what each change revoked.

import { Router } from 'express'
import type { AuthCore } from '../../core/core.ts'
import { AuthError } from '../../core/errors.ts'
import type { User } from '../../core/store/types.ts'
import { toIso } from '../../core/clock.ts'
import { userRead } from '../dto.ts'
import { actorOf, jsonObject, pageOf, queryText } from '../request.ts'
import { userPatchOf } from './users.ts'

function optionalBool(value: unknown, name: string): boolean | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'boolean') throw new AuthError('INVALID_INPUT', `${name} must be true or false`)
  return value
}

export function adminUserRoutes(core: AuthCore): Router {
  const router = Router()
  const adminUserRead = (u: User) => {
    const lockedUntil = core.users.lockedUntil(u)
    return { ...userRead(u), locked_until: lockedUntil > core.clock.now() ? toIso(lockedUntil) : null }
  }
  const changed = (r: { user: User; revokedSessions: readonly string[]; revokedApiKeys: number }) => ({
    user: adminUserRead(r.user), revoked_sessions: r.revokedSessions, revoked_api_keys: r.revokedApiKeys,
  })

  router.get('/users', (req, res) => {
    const page = core.users.list({ ...pageOf(req, 50), search: queryText(req, 'search') })
    res.json({ total_count: page.total, users: page.users.map(adminUserRead) })
  })

  router.post('/users', async (req, res) => {
    const body = jsonObject(req)
    const { user, context } = actorOf(req, res)
    const created = await core.users.create(
      {
        username: body.username,
        password: body.password,
        isActive: optionalBool(body.is_active, 'is_active') ?? true,
        isSuperuser: optionalBool(body.is_superuser, 'is_superuser') ?? false,
      },
      context,
      user,
    )
    res.status(201).json({ user: adminUserRead(created), revoked_sessions: [], revoked_api_keys: 0 })
  })

  router.get('/users/:id', (req, res) => {
    const user = core.users.byId(String(req.params.id))
    if (user === null) throw new AuthError('USER_NOT_FOUND', 'User not found')
    res.json(adminUserRead(user))
  })

  router.patch('/users/:id', async (req, res) => {
    res.json(changed(await core.users.update(String(req.params.id), userPatchOf(jsonObject(req)), actorOf(req, res))))
  })

  router.delete('/users/:id', (req, res) => {
    res.json(changed(core.users.remove(String(req.params.id), actorOf(req, res))))
  })

  router.post('/users/:id/unlock', (req, res) => {
    const { user, wasLocked } = core.users.unlock(String(req.params.id), actorOf(req, res))
    res.json({ user: adminUserRead(user), was_locked: wasLocked })
  })

  router.post('/users/:id/revoke-sessions', (req, res) => {
    const { revokedSessions, revokedApiKeys } = core.users.signOutEverywhere(String(req.params.id), actorOf(req, res))
    res.json({ revoked_sessions: revokedSessions, revoked_api_keys: revokedApiKeys })
  })

  return router
}
