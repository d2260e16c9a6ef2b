// The console: decides between setup, sign-in and the signed-in shell (sidebar + one screen).

import { useCallback, useEffect, useState } from 'react'
import type { UserRead } from '../shared/api-types.ts'
import { api, setSignedOutHandler } from './api.ts'
import { subscribe, useLiveState } from './live.ts'
import { hrefOf, useRoute } from './router.ts'
import type { Route } from './router.ts'
import { DesktopPrefs } from './components/DesktopPrefs.tsx'
import { errorText } from './components/ui.tsx'
import { Audit } from './pages/Audit.tsx'
import { Inspector } from './pages/Inspector.tsx'
import { Keys } from './pages/Keys.tsx'
import { Overview } from './pages/Overview.tsx'
import { SessionDetail } from './pages/SessionDetail.tsx'
import { Sessions } from './pages/Sessions.tsx'
import { Setup, SignIn } from './pages/SignIn.tsx'
import { TokenSettings } from './pages/TokenSettings.tsx'
import { Users } from './pages/Users.tsx'

type Status =
  | { kind: 'loading' }
  | { kind: 'down'; error: string }
  | { kind: 'setup' }
  | { kind: 'signed-out'; message: string | null }
  | { kind: 'not-admin'; user: UserRead }
  | { kind: 'signed-in'; user: UserRead }

async function loadStatus(): Promise<Status> {
  const setup = await api.setupStatus()
  if (setup.needed) return { kind: 'setup' }
  const user = await api.whoami()
  if (user === null) return { kind: 'signed-out', message: null }
  return user.is_superuser ? { kind: 'signed-in', user } : { kind: 'not-admin', user }
}

export function App() {
  const [status, setStatus] = useState<Status>({ kind: 'loading' })
  const check = useCallback(() => {
    loadStatus().then(setStatus, (err: unknown) => setStatus({ kind: 'down', error: errorText(err) }))
  }, [])
  useEffect(() => {
    check()
    setSignedOutHandler(() => setStatus({ kind: 'signed-out', message: 'Your session ended. Sign in again.' }))
  }, [check])

  switch (status.kind) {
    case 'loading':
      return <p className="state loading center">Connecting to the auth server…</p>
    case 'down':
      return (
        <main className="auth-card" role="alert">
          <h1>authdock</h1>
          <p>The auth server is not reachable: {status.error}</p>
          <button onClick={check}>Try again</button>
        </main>
      )
    case 'setup':
      return <Setup onDone={check} />
    case 'signed-out':
      return <SignIn onSignedIn={check} message={status.message} />
    case 'not-admin':
      return (
        <main className="auth-card">
          <h1>authdock</h1>
          <p>
            You are signed in as <strong>{status.user.username}</strong>, who is not a superuser. The console is for superusers.
          </p>
          <button onClick={() => void api.logout().finally(check)}>Sign out</button>
        </main>
      )
    case 'signed-in':
      return <Shell user={status.user} onSignOut={() => void api.logout().finally(check)} />
  }
}

const NAV: { route: Route; label: string }[] = [
  { route: { page: 'overview' }, label: 'Overview' },
  { route: { page: 'users' }, label: 'Users' },
  { route: { page: 'sessions' }, label: 'Sessions' },
  { route: { page: 'keys' }, label: 'Keys & algorithm' },
  { route: { page: 'settings' }, label: 'Token settings' },
  { route: { page: 'audit' }, label: 'Audit log' },
  { route: { page: 'inspector' }, label: 'Token inspector' },
]

function Shell(props: { user: UserRead; onSignOut: () => void }) {
  const route = useRoute()
  const live = useLiveState()
  // Keeps the live feed open for the whole signed-in session, whatever screen is shown: a screen
  // change must not close it and replay old events into the next screen.
  useEffect(() => subscribe(() => {}), [])
  const current = route.page === 'session' ? 'sessions' : route.page
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Console">
        <div className="brand">authdock</div>
        <ul>
          {NAV.map((item) => (
            <li key={item.route.page}>
              <a href={hrefOf(item.route)} aria-current={current === item.route.page ? 'page' : undefined}>
                {item.label}
              </a>
            </li>
          ))}
        </ul>
        <div className="sidebar-foot">
          <span className={`live-dot ${live}`} role="status" title="Live updates from the server">
            {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
          </span>
          <span className="muted">{props.user.username}</span>
          <DesktopPrefs />
          <button className="link" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </nav>
      <main className="content" id="content">
        <Screen route={route} me={props.user} />
      </main>
    </div>
  )
}

function Screen(props: { route: Route; me: UserRead }) {
  const { route } = props
  switch (route.page) {
    case 'overview':
      return <Overview />
    case 'users':
      return <Users me={props.me} />
    case 'sessions':
      return <Sessions />
    case 'session':
      return <SessionDetail id={route.id} />
    case 'keys':
      return <Keys />
    case 'settings':
      return <TokenSettings />
    case 'audit':
      return <Audit />
    case 'inspector':
      return <Inspector />
  }
}
