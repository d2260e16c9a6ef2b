// The placeholder console page: is the auth server up, and does it still need first-run setup.

import { useEffect, useState } from 'react'
import { api } from './api.ts'

type Status =
  | { readonly kind: 'loading' }
  | { readonly kind: 'down'; readonly error: string }
  | { readonly kind: 'up'; readonly setupNeeded: boolean; readonly setupCode: string | null }

export function App() {
  const [status, setStatus] = useState<Status>({ kind: 'loading' })

  useEffect(() => {
    const abort = new AbortController()
    const settle = (next: Status) => {
      if (!abort.signal.aborted) setStatus(next)
    }
    loadStatus(abort.signal).then(settle, (err: unknown) =>
      settle({ kind: 'down', error: err instanceof Error ? err.message : String(err) }),
    )
    return () => abort.abort()
  }, [])

  return (
    <main>
      <h1>authdock</h1>
      {status.kind === 'loading' && <p>Checking the auth server…</p>}
      {status.kind === 'down' && <p role="alert">Auth server not reachable: {status.error}</p>}
      {status.kind === 'up' && (
        <>
          <p className="ok">Auth server running</p>
          {!status.setupNeeded && <p>Setup is complete.</p>}
          {status.setupNeeded && status.setupCode !== null && (
            <p>
              First-run setup needed: create the first superuser with setup code <code>{status.setupCode}</code>.
            </p>
          )}
          {status.setupNeeded && status.setupCode === null && (
            <p>First-run setup needed: the setup code is printed in the server's terminal.</p>
          )}
        </>
      )}
    </main>
  )
}

async function loadStatus(signal: AbortSignal): Promise<Status> {
  const [health, setup] = await Promise.all([api.health(signal), api.setupStatus(signal)])
  if (health.status !== 'ok') return { kind: 'down', error: `health is "${health.status}"` }
  // Only the desktop app is handed the code (over IPC); a browser never sees it over HTTP.
  const setupCode = setup.needed && window.desktop ? await window.desktop.setupCode() : null
  return { kind: 'up', setupNeeded: setup.needed, setupCode }
}
