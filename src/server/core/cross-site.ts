// Whether a state change came from another site: the rule for requests a browser authenticates on
// its own, with a cookie. Browsers attach the cookie to requests other pages make (SameSite=Lax
// lets same-site ones through, and every port of 127.0.0.1 is the same site), so a write that
// authenticates by cookie must come from the very origin it is sent to.

/** RFC 9110 §9.2.1: methods that change nothing; anything else may. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS'])

/** What a browser says of a request: its method, and where it came from and was sent to. */
export interface BrowserRequest {
  readonly method: string | undefined
  /** The Origin header, if any. */
  readonly origin: string | undefined
  /** The Sec-Fetch-Site header, if any. */
  readonly secFetchSite: string | undefined
  /** The host (with port) the request was sent to, as in its Host header. */
  readonly host: string | undefined
}

/** An Origin's host (with port), lower case; null for `null` or anything unparsable. */
function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host
  } catch {
    return null
  }
}

/**
 * True for an unsafe method that another origin sent (same-site is another origin: another port).
 * Sec-Fetch-Site, which no page can set, decides when the browser sends it; only without it (an
 * older browser) is Origin compared with the host the request was sent to. Only the host, not the
 * scheme: behind a proxy that ends TLS the page is https and the request that reaches us is not.
 * A request with neither header is not from a browser, and is not judged here. A request whose
 * method is unknown is taken as safe: who cannot say what it was cannot say it was a write.
 */
export function isCrossSiteWrite(request: BrowserRequest): boolean {
  if (request.method === undefined || SAFE_METHODS.has(request.method.toUpperCase())) return false
  const site = request.secFetchSite
  if (site !== undefined) return site !== 'same-origin' && site !== 'none'
  return request.origin !== undefined && hostOf(request.origin) !== (request.host ?? '').trim().toLowerCase()
}
