// Opaque refresh tokens. Only a SHA-256 of each is stored. A child token is an HMAC of its parent
// under a server secret, so two requests racing with the same parent inside the grace window get
// the very same child without the child ever being stored in clear.

import { createHash, createHmac, randomBytes } from 'node:crypto'
import type { RequestContext } from '../audit.ts'
import type { MetaStore } from '../store/types.ts'

const PEPPER = 'refresh_token_pepper'

export function createRefreshTokenFactory(meta: MetaStore) {
  let pepper = meta.get(PEPPER)
  if (pepper === null) {
    pepper = randomBytes(32).toString('base64url')
    meta.set(PEPPER, pepper)
  }
  const secret = pepper
  return {
    first: (): string => randomBytes(32).toString('base64url'),
    childOf: (parent: string): string => createHmac('sha256', secret).update(parent).digest('base64url'),
    hash: (token: string): string => createHash('sha256').update(token).digest('base64url'),
    /** The client presenting a token (address and user agent): a grace answer goes only to the one that rotated it. */
    fingerprint: (context: RequestContext): string =>
      createHash('sha256').update(JSON.stringify([context.ip, context.userAgent])).digest('base64url'),
  }
}

export type RefreshTokenFactory = ReturnType<typeof createRefreshTokenFactory>
