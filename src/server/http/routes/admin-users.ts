// Admin: users as the console manages them. The same rules as Langflow's /users routes, plus the
// lock-out state, unlocking, signing a user out everywhere, and what each change revoked.

import { z } from 'zod'
import { toIso } from '../../core/clock.ts'
import { AuthError } from '../../core/errors.ts'
import type { User } from '../../core/store/types.ts'
import { userRead } from '../dto.ts'
import { actorOf } from '../request.ts'
import type { Route } from '../route.ts'
import { route } from '../route.ts'
import type { RouteDeps } from '../route-table.ts'
import * as S from '../schemas.ts'
import { userPatch, userPatchOf } from './users.ts'

const CHANGE_ERRORS = ['USER_NOT_FOUND', 'USERNAME_TAKEN', 'EMAIL_TAKEN', 'WEAK_PASSWORD', 'LAST_SUPERUSER', 'SELF_DELETE'] as const

/** Langflow's UserUpdate plus the admin-only profile fields. */
const adminUserPatch = userPatch.extend(S.adminProfileInput)

export function adminUserRoutes({ core }: RouteDeps): Route[] {
  const adminUserRead = (u: User) => {
    const lockedUntil = core.users.lockedUntil(u)
    return {
      ...userRead(u), locked_until: lockedUntil > core.clock.now() ? toIso(lockedUntil) : null,
      email: u.email, email_verified: u.emailVerified, name: u.fullName, groups: core.users.groupsOf(u),
    }
  }
  const changed = (r: { user: User; revokedSessions: readonly string[]; revokedApiKeys: number }) => ({
    body: { user: adminUserRead(r.user), revoked_sessions: [...r.revokedSessions], revoked_api_keys: r.revokedApiKeys },
  })
  return [
    route({
      method: 'GET', path: '/api/v1/admin/users', caller: 'superuser', tag: 'admin: users',
      summary: 'Users, with their lock-out state', query: z.object({ ...S.pageQuery(50), search: S.queryText('search') }),
      response: z.object({ total_count: z.number().int(), users: z.array(S.adminUser) }),
      handler({ query }) {
        const page = core.users.list(query)
        return { body: { total_count: page.total, users: page.users.map(adminUserRead) } }
      },
    }),

    route({
      method: 'POST', path: '/api/v1/admin/users', caller: 'superuser', tag: 'admin: users', status: 201,
      summary: 'Create a user',
      body: z.object({
        username: S.text('username'),
        password: S.text('password'),
        is_active: z.boolean({ error: 'is_active must be true or false' }).default(true),
        is_superuser: z.boolean({ error: 'is_superuser must be true or false' }).default(false),
        ...S.adminProfileInput,
      }),
      response: S.userChange, errors: ['USERNAME_TAKEN', 'EMAIL_TAKEN', 'WEAK_PASSWORD'],
      async handler(call) {
        const { username, password, is_active: isActive, is_superuser: isSuperuser, email, name: fullName, groups } = call.body
        const created = await core.users.create({ username, password, isActive, isSuperuser, email, fullName, groups }, call.context, call.caller.user)
        return { body: { user: adminUserRead(created), revoked_sessions: [], revoked_api_keys: 0 } }
      },
    }),

    route({
      method: 'GET', path: '/api/v1/admin/users/:id', caller: 'superuser', tag: 'admin: users',
      summary: 'One user', params: S.idParam, response: S.adminUser, errors: ['USER_NOT_FOUND'],
      handler({ params }) {
        const user = core.users.byId(params.id)
        if (user === null) throw new AuthError('USER_NOT_FOUND', 'User not found')
        return { body: adminUserRead(user) }
      },
    }),

    route({
      method: 'PATCH', path: '/api/v1/admin/users/:id', caller: 'superuser', tag: 'admin: users',
      summary: 'Change a user; the answer says which sessions and keys the change ended',
      params: S.idParam, body: adminUserPatch, response: S.userChange, errors: CHANGE_ERRORS,
      async handler(call) {
        const { email, name: fullName, groups, ...langflow } = call.body
        const profile = Object.fromEntries(Object.entries({ email, fullName, groups }).filter(([, v]) => v !== undefined))
        return changed(await core.users.update(call.params.id, { ...userPatchOf(langflow), ...profile }, actorOf(call)))
      },
    }),

    route({
      method: 'DELETE', path: '/api/v1/admin/users/:id', caller: 'superuser', tag: 'admin: users',
      summary: 'Delete a user, ending their sessions and keys', params: S.idParam, response: S.userChange, errors: CHANGE_ERRORS,
      handler: (call) => changed(core.users.remove(call.params.id, actorOf(call))),
    }),

    route({
      method: 'POST', path: '/api/v1/admin/users/:id/unlock', caller: 'superuser', tag: 'admin: users',
      summary: "Lift a user's sign-in lock-out", params: S.idParam,
      response: z.object({ user: S.adminUser, was_locked: z.boolean() }), errors: ['USER_NOT_FOUND'],
      handler(call) {
        const { user, wasLocked } = core.users.unlock(call.params.id, actorOf(call))
        return { body: { user: adminUserRead(user), was_locked: wasLocked } }
      },
    }),

    route({
      method: 'POST', path: '/api/v1/admin/users/:id/revoke-sessions', caller: 'superuser', tag: 'admin: users',
      summary: "End every session and API key of a user", params: S.idParam,
      response: z.object({ revoked_sessions: z.array(z.string()), revoked_api_keys: z.number().int() }), errors: ['USER_NOT_FOUND'],
      handler(call) {
        const { revokedSessions, revokedApiKeys } = core.users.signOutEverywhere(call.params.id, actorOf(call))
        return { body: { revoked_sessions: [...revokedSessions], revoked_api_keys: revokedApiKeys } }
      },
    }),
  ]
}
