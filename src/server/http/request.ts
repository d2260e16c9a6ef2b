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

/** One value of a request header (the first, if sent twice). */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()]
  return Array.isArray(v) ? v[0] : v
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
