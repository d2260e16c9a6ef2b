// Hash routes (#/users, #/sessions/ID): the console is one page served from `/`, in a browser and
// in Electron alike, so a route never reaches the server and a reload stays on its screen.

import { useSyncExternalStore } from 'react'

export type Route =
  | { page: 'overview' }
  | { page: 'users' }
  | { page: 'sessions' }
  | { page: 'session'; id: string }
  | { page: 'keys' }
  | { page: 'settings' }
  | { page: 'audit' }
  | { page: 'inspector' }

const SIMPLE = ['overview', 'users', 'sessions', 'keys', 'settings', 'audit', 'inspector'] as const

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter((p) => p !== '')
  const [first, second] = parts
  if (first === 'sessions' && second !== undefined) return { page: 'session', id: decodeURIComponent(second) }
  const simple = SIMPLE.find((p) => p === first)
  return simple === undefined ? { page: 'overview' } : { page: simple }
}

export function hrefOf(route: Route): string {
  return route.page === 'session' ? `#/sessions/${encodeURIComponent(route.id)}` : `#/${route.page}`
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(
    (cb) => {
      window.addEventListener('hashchange', cb)
      return () => window.removeEventListener('hashchange', cb)
    },
    () => window.location.hash,
  )
  return parseRoute(hash)
}
