// What handlers read off a request besides their declared input: the caller's context for the
// audit log, the actor of an admin change, and the typed confirmation of a sign-everyone-out.

import type { IncomingMessage } from 'node:http'
import type { RequestContext } from '../core/audit.ts'
import type { Principal } from '../core/authenticate.ts'
import { AuthError } from '../core/errors.ts'
import { REVOKE_ALL_CONFIRMATION } from './schemas.ts'

export function contextOf(req: IncomingMessage): RequestContext {
  const agent = req.headers['user-agent']
  return { ip: req.socket.remoteAddress ?? null, userAgent: agent === undefined ? null : agent.slice(0, 512) }
}

/** A field of a parsed JSON or form body, or undefined. */
export function fieldOf(body: unknown, name: string): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined
  return Object.hasOwn(body, name) ? (body as Record<string, unknown>)[name] : undefined
}

/** Who makes an admin change, as the core records it. */
export const actorOf = (call: { caller: Principal; context: RequestContext }) => ({
  user: call.caller.user,
  sessionId: call.caller.sessionId,
  context: call.context,
})

/** The typed confirmation a request that signs everyone out must carry in its JSON body. */
export function requireConfirmation(confirm: unknown): void {
  if (confirm !== REVOKE_ALL_CONFIRMATION) {
    throw new AuthError('CONFIRMATION_REQUIRED', `This signs everyone out; send {"confirm": "${REVOKE_ALL_CONFIRMATION}"} to confirm`)
  }
}
