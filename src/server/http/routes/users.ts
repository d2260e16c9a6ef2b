// Langflow's /users routes: sign-up or superuser creation, whoami, list, patch, reset, delete.

import { Router } from 'express'
import type { AuthCore } from '../../core/core.ts'
import type { UserPatch } from '../../core/users/users.ts'
import { userRead } from '../dto.ts'
import { resolvePrincipal } from '../credentials.ts'
import { actorOf, contextOf, createGuards, jsonObject, pageOf, queryText } from '../request.ts'

// snake_case wire fields → the core's patch
const PATCH_FIELDS: Record<string, keyof UserPatch> = {
  username: 'username',
  profile_image: 'profileImage',
  password: 'password',
  is_active: 'isActive',
  is_superuser: 'isSuperuser',
  last_login_at: 'lastLoginAt',
  optins: 'optins',
}

/** Langflow's UserUpdate body (snake_case) as the core's patch; absent fields stay absent. */
export function userPatchOf(body: Record<string, unknown>): UserPatch {
  const patch: UserPatch = {}
  for (const [wire, name] of Object.entries(PATCH_FIELDS)) if (body[wire] !== undefined) patch[name] = body[wire]
  return patch
}

export function userRoutes(core: AuthCore): Router {
  const router = Router()
  const { requireUser, requireSuperuser } = createGuards(core)

  // Who may sign up is core's signUp; a caller is optional here.
  router.post('/users/', async (req, res) => {
    const body = jsonObject(req)
    const user = await core.signUp({ username: body.username, password: body.password, optins: body.optins }, resolvePrincipal(core, req), contextOf(req))
    res.status(201).json(userRead(user))
  })

  // GET /users/whoami is answered by fast-routes.ts.

  router.get('/users/', requireSuperuser, (req, res) => {
    const page = core.users.list({ ...pageOf(req), search: queryText(req, 'search') })
    res.json({ total_count: page.total, users: page.users.map(userRead) })
  })

  router.patch('/users/:id', requireUser, async (req, res) => {
    const body = jsonObject(req)
    const { user } = await core.users.update(String(req.params.id), userPatchOf(body), actorOf(req, res))
    res.json(userRead(user))
  })

  router.patch('/users/:id/reset-password', requireUser, async (req, res) => {
    const body = jsonObject(req)
    const { user } = await core.users.resetPassword(
      String(req.params.id),
      { currentPassword: body.current_password, password: body.password },
      actorOf(req, res),
    )
    res.json(userRead(user))
  })

  router.delete('/users/:id', requireSuperuser, (req, res) => {
    core.users.remove(String(req.params.id), actorOf(req, res))
    res.json({ detail: 'User deleted' })
  })

  return router
}
