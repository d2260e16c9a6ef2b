// Langflow's /users routes: sign-up or superuser creation, whoami, list, patch, reset, delete.

import { z } from 'zod'
import type { UserPatch } from '../../core/users/users.ts'
import { userRead } from '../dto.ts'
import { actorOf } from '../request.ts'
import type { Route } from '../route.ts'
import { route } from '../route.ts'
import type { RouteDeps } from '../route-table.ts'
import * as S from '../schemas.ts'

/** Langflow's UserUpdate: every field may be left out. */
export const userPatch = z.object({
  username: S.text('username').optional(),
  profile_image: z.string().nullable().optional(),
  password: S.text('password').optional(),
  is_active: z.boolean({ error: 'is_active must be true or false' }).optional(),
  is_superuser: z.boolean({ error: 'is_superuser must be true or false' }).optional(),
  last_login_at: z.string().nullable().optional(),
  optins: z.record(z.string(), z.unknown()).nullable().optional(),
})

/** Langflow's UserUpdate body (snake_case) as the core's patch; absent fields stay absent. */
export function userPatchOf(body: z.output<typeof userPatch>): UserPatch {
  // Langflow's fields only: email, name and groups are the admin route's (admin-users.ts).
  const wire: Record<Exclude<keyof UserPatch, 'email' | 'fullName' | 'groups'>, unknown> = {
    username: body.username,
    profileImage: body.profile_image,
    password: body.password,
    isActive: body.is_active,
    isSuperuser: body.is_superuser,
    lastLoginAt: body.last_login_at,
    optins: body.optins,
  }
  return Object.fromEntries(Object.entries(wire).filter(([, v]) => v !== undefined)) as UserPatch
}

const USER_CHANGE_ERRORS = ['USER_NOT_FOUND', 'USERNAME_TAKEN', 'WEAK_PASSWORD', 'LAST_SUPERUSER', 'PASSWORD_CHANGE_NOT_ALLOWED'] as const

export function userRoutes({ core }: RouteDeps): Route[] {
  return [
    // A superuser always may; anyone else only when sign-up is on and auto-login off (Langflow newest).
    route({
      method: 'POST', path: '/api/v1/users/', caller: 'optional', tag: 'users', status: 201,
      summary: 'Sign up, or (as a superuser) create a user',
      body: z.object({ username: S.text('username'), password: S.text('password'), optins: z.record(z.string(), z.unknown()).optional() }),
      response: S.userRead, errors: ['SIGNUP_DISABLED', 'USERNAME_TAKEN', 'WEAK_PASSWORD'],
      async handler({ body, caller, context }) {
        return { body: userRead(await core.signUp(body, caller, context)) }
      },
    }),

    route({
      method: 'GET', path: '/api/v1/users/whoami', caller: 'user', tag: 'users',
      summary: 'The signed-in user', response: S.userRead,
      handler: ({ caller }) => ({ body: userRead(caller.user) }),
    }),

    route({
      method: 'GET', path: '/api/v1/users/', caller: 'superuser', tag: 'users',
      summary: 'List users', query: z.object({ ...S.pageQuery(10), search: S.queryText('search') }),
      response: z.object({ total_count: z.number().int(), users: z.array(S.userRead) }),
      handler({ query }) {
        const page = core.users.list(query)
        return { body: { total_count: page.total, users: page.users.map(userRead) } }
      },
    }),

    route({
      method: 'PATCH', path: '/api/v1/users/:id', caller: 'user', tag: 'users',
      summary: 'Change a user (yourself; anyone, as a superuser)',
      params: S.idParam, body: userPatch, response: S.userRead, errors: [...USER_CHANGE_ERRORS, 'NOT_SUPERUSER', 'FORBIDDEN'],
      async handler(call) {
        const { user } = await core.users.update(call.params.id, userPatchOf(call.body), actorOf(call))
        return { body: userRead(user) }
      },
    }),

    route({
      method: 'PATCH', path: '/api/v1/users/:id/reset-password', caller: 'user', tag: 'users',
      summary: 'Change your own password',
      params: S.idParam, body: z.object({ current_password: S.text('current_password').optional(), password: S.text('password') }),
      response: S.userRead, errors: [...USER_CHANGE_ERRORS, 'SAME_PASSWORD', 'WRONG_CURRENT_PASSWORD', 'FORBIDDEN', 'LOGIN_THROTTLED'],
      async handler(call) {
        const { user } = await core.users.resetPassword(call.params.id, { currentPassword: call.body.current_password, password: call.body.password }, actorOf(call))
        return { body: userRead(user) }
      },
    }),

    route({
      method: 'DELETE', path: '/api/v1/users/:id', caller: 'superuser', tag: 'users',
      summary: 'Delete a user', params: S.idParam, response: S.detail, errors: ['USER_NOT_FOUND', 'SELF_DELETE', 'LAST_SUPERUSER'],
      handler(call) {
        core.users.remove(call.params.id, actorOf(call))
        return { body: { detail: 'User deleted' } }
      },
    }),
  ]
}
