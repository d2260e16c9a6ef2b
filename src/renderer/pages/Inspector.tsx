// Token inspector: paste a token to see its header and claims, whether it verifies against the
// key ring right now (and why not), which session it belongs to, and revoke that session.

import { useState } from 'react'
import type { Inspection } from '../../shared/api-types.ts'
import { api } from '../api.ts'
import { Notice, PageHeader, Time, errorText, exactTime } from '../components/ui.tsx'
import { hrefOf } from '../router.ts'

interface Decoded {
  header: unknown
  claims: unknown
}

function decodePart(part: string): unknown {
  const b64 = part.replaceAll('-', '+').replaceAll('_', '/')
  const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0))
  return JSON.parse(new TextDecoder().decode(bytes))
}

/** The JWT's header and claims, or null for an opaque token (a refresh token) or garbage. */
export function decodeJwt(token: string): Decoded | null {
  const parts = token.split('.')
  if (parts.length !== 3) return null
  try {
    return { header: decodePart(parts[0] ?? ''), claims: decodePart(parts[1] ?? '') }
  } catch {
    return null
  }
}

const TIME_CLAIMS = new Set(['exp', 'iat', 'nbf'])

export function Inspector() {
  const [token, setToken] = useState('')
  const [result, setResult] = useState<{ decoded: Decoded | null; inspection: Inspection } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [notice, setNotice] = useState<string | null>(null)

  const inspect = async () => {
    setError(null)
    setNotice(null)
    const t = token.trim()
    try {
      setResult({ decoded: decodeJwt(t), inspection: await api.inspect(t) })
    } catch (err) {
      setResult(null)
      setError(errorText(err))
    }
  }
  const i = result?.inspection
  return (
    <>
      <PageHeader title="Token inspector" />
      <form
        className="panel"
        onSubmit={(e) => {
          e.preventDefault()
          void inspect()
        }}
      >
        <label>
          Access or refresh token
          <textarea name="token" rows={4} value={token} onChange={(e) => setToken(e.target.value)} spellCheck={false} placeholder="eyJhbGciOi…" />
        </label>
        <p className="muted">The token is sent only to this server, which checks it; nothing is stored.</p>
        <button type="submit" className="primary" disabled={token.trim() === ''}>
          Inspect
        </button>
      </form>
      {error && <Notice kind="error">{error}</Notice>}
      {notice && <Notice kind="ok">{notice}</Notice>}
      {result && i && (
        <div className="inspect">
          <section className="panel" aria-label="Verification">
            <h2>
              {i.verified ? <span className="badge ok">verifies</span> : <span className="badge off">does not verify</span>}{' '}
              {i.active ? <span className="badge ok">active</span> : <span className="badge off">not active</span>}
            </h2>
            <dl className="facts">
              <dt>Kind</dt>
              <dd>{i.kind === 'unknown' ? 'not a token of this server' : `${i.kind} token`}</dd>
              {i.reason && (
                <>
                  <dt>Why</dt>
                  <dd data-testid="inspect-reason">{i.reason}</dd>
                </>
              )}
              {i.kid && (
                <>
                  <dt>Signing key</dt>
                  <dd>
                    <code>{i.kid}</code>
                  </dd>
                </>
              )}
              <dt>Session</dt>
              <dd>
                {i.session ? (
                  <>
                    <a href={hrefOf({ page: 'session', id: i.session.id })}>{i.session.username ?? i.session.user_id}</a> · {i.session.state} · created <Time iso={i.session.created_at} />
                  </>
                ) : (
                  '—'
                )}
              </dd>
            </dl>
            {i.session?.state === 'active' && (
              <button
                className="danger"
                onClick={() =>
                  void api.revokeSession(i.session?.id ?? '').then(
                    () => void inspect().then(() => setNotice('Session revoked: this token and every token of its session stop working now.')),
                    (err: unknown) => setError(errorText(err)),
                  )
                }
              >
                Revoke this session
              </button>
            )}
          </section>
          {result.decoded && (
            <>
              <section className="panel" aria-label="Header">
                <h2>Header</h2>
                <pre>{JSON.stringify(result.decoded.header, null, 2)}</pre>
              </section>
              <section className="panel" aria-label="Claims">
                <h2>Claims</h2>
                <Claims claims={result.decoded.claims} />
              </section>
            </>
          )}
        </div>
      )}
    </>
  )
}

function Claims(props: { claims: unknown }) {
  if (typeof props.claims !== 'object' || props.claims === null) return <pre>{JSON.stringify(props.claims)}</pre>
  return (
    <dl className="facts claims">
      {Object.entries(props.claims).map(([k, v]) => (
        <div key={k} className="claim">
          <dt>
            <code>{k}</code>
          </dt>
          <dd>
            <code>{JSON.stringify(v)}</code>
            {TIME_CLAIMS.has(k) && typeof v === 'number' && <span className="muted"> ({exactTime(v * 1000)})</span>}
          </dd>
        </div>
      ))}
    </dl>
  )
}
