// GET /api/v1/auth/verify, the question nginx auth_request, Traefik forwardAuth and Caddy
// forward_auth ask for every request to the app they protect: who the caller is, in headers, and
// a refusal for a cross-site write that only the admin's cookie authenticates.

import type { IncomingMessage } from 'node:http'
import type { Principal } from '../core/authenticate.ts'
import { isCrossSiteWrite } from '../core/cross-site.ts'
import type { BrowserRequest } from '../core/cross-site.ts'
import { AuthError } from '../core/errors.ts'
import type { Credential } from './credentials.ts'
import { headerOf } from './request.ts'


/**
 * The original request as the proxy describes it. The method: X-Original-Method (our nginx
 * snippet) or X-Forwarded-Method (Traefik, Caddy). The host it was sent to: X-Forwarded-Host (the
 * snippet, Traefik, Caddy; the first one if proxies chained), else Host (a proxy that keeps it).
 * Origin and Sec-Fetch-Site are the browser's own headers, which every one of them passes on.
 */
export function originalRequest(req: IncomingMessage): BrowserRequest {
  return {
    // A proxy that does not say which method it is asking about gets its answer as for a write:
    // failing open would let every cross-site form through such a proxy.
    method: headerOf(req, 'x-original-method') ?? headerOf(req, 'x-forwarded-method') ?? 'POST',
    origin: headerOf(req, 'origin'),
    secFetchSite: headerOf(req, 'sec-fetch-site'),
    host: (headerOf(req, 'x-forwarded-host') ?? headerOf(req, 'host'))?.split(',')[0],
  }
}

/**
 * The proxy's answer: 200 with the caller in X-Auth-* headers, or 403 (which nginx turns into a
 * 403 for the client) when the original request is a cross-site write authenticated by cookie,
 * such as a form another page posts with the admin's cookie. Bearer and API-key callers are
 * never browsers acting on their own, and are not affected.
 */
export function forwardAuthReply(principal: Principal, credential: Credential | null, req: IncomingMessage) {
  if (credential === 'cookie' && isCrossSiteWrite(originalRequest(req))) {
    throw new AuthError('FORBIDDEN', 'A cross-site request authenticated by cookie may not change anything: it must come from the protected app\'s own pages')
  }
  const { user } = principal
  return {
    headers: { 'X-Auth-User': encodeURIComponent(user.username), 'X-Auth-User-Id': user.id, 'X-Auth-Superuser': String(user.isSuperuser) },
    body: { user_id: user.id, username: user.username, is_superuser: user.isSuperuser, session_id: principal.sessionId },
  }
}
