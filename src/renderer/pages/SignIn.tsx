// Sign in, and first-run setup (the first superuser). The desktop app is handed the setup code
// over IPC; in a browser the admin types the code that `npm run serve` printed.

import { useEffect, useState } from 'react'
import { api } from '../api.ts'
import { PasswordRules, passwordOk } from '../components/PasswordRules.tsx'
import { errorText } from '../components/ui.tsx'

export function SignIn(props: { onSignedIn: () => void; message?: string | null }) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async () => {
    setBusy(true)
    setError(null)
    try {
      await api.login(username, password)
      props.onSignedIn()
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }
  return (
    <main className="auth-card">
      <h1>authdock</h1>
      <p className="muted">Sign in to the admin console.</p>
      {props.message && <p className="notice error" role="alert">{props.message}</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        <label>
          Username
          <input name="username" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" autoFocus required />
        </label>
        <label>
          Password
          <input name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required />
        </label>
        {error !== null && <p className="error-text" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}

export function Setup(props: { onDone: () => void }) {
  const [code, setCode] = useState('')
  const [fromDesktop, setFromDesktop] = useState(false)
  const [username, setUsername] = useState('admin')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    if (!window.desktop) return
    window.desktop.setupCode().then(
      (c) => {
        if (c === null) return
        setCode(c)
        setFromDesktop(true)
      },
      () => {},
    )
  }, [])

  const submit = async () => {
    setBusy(true)
    setError(null)
    try {
      await api.setup(code.trim(), username, password)
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
      return
    }
    // The user exists now: whether or not signing in works, the next screen is the console or
    // sign-in, never this form again (a second setup would be refused).
    await api.login(username, password).catch(() => {})
    props.onDone()
  }
  return (
    <main className="auth-card">
      <h1>Welcome to authdock</h1>
      <p className="muted">No user exists yet. Create the first superuser; it can then add everyone else.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        {!fromDesktop && (
          <label>
            Setup code
            <input name="code" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="one-time-code" required autoFocus />
            <small className="muted">Printed by the server at start-up (`npm run serve` or `npm start`).</small>
          </label>
        )}
        <label>
          Username
          <input name="username" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" aria-describedby="setup-rules" required />
        </label>
        <PasswordRules password={password} username={username} id="setup-rules" />
        {error !== null && <p className="error-text" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={busy || !passwordOk(password, username) || code.trim() === ''}>
          {busy ? 'Creating…' : 'Create superuser'}
        </button>
      </form>
    </main>
  )
}
