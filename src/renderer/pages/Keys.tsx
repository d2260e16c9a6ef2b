// Keys & algorithm: the ring with states, fingerprints, retirement and the sessions that depend on
// each key; Regenerate keys in one click (optionally signing everyone out); switch algorithm;
// import a key; copy the JWKS URL and the public key. What the environment pins is shown locked.

import { useState } from 'react'
import type { Algorithm, KeyRing } from '../../shared/api-types.ts'
import { api } from '../api.ts'
import { Confirm, CopyButton, LoadState, PageHeader, Time, errorText, useNotice } from '../components/ui.tsx'
import { useLiveVersion } from '../live.ts'
import { useLoad } from '../use-load.ts'

const ALGORITHMS: Algorithm[] = ['HS256', 'RS256', 'RS512']
const KEY_EVENTS = ['key_rotated', 'key_imported', 'algorithm_switched', 'key_retired', 'session_created', 'session_revoked'] as const

export function Keys() {
  const version = useLiveVersion(KEY_EVENTS)
  const ring = useLoad((signal) => api.keys(signal), [version])
  const { notice, ok, fail } = useNotice()
  const [signOut, setSignOut] = useState(false)
  const [confirm, setConfirm] = useState(false)
  const [busy, setBusy] = useState(false)

  const rotate = async () => {
    setBusy(true)
    try {
      const r = await api.rotateKeys(signOut)
      ok(`New signing key ${r.key.kid}.${signOut ? ` ${r.revoked_count} sessions and ${r.revoked_api_keys} API keys revoked.` : ' Tokens signed before still verify until they expire.'}`)
      ring.reload()
    } catch (err) {
      fail(`Regenerate keys: ${errorText(err)}`)
    } finally {
      setBusy(false)
    }
  }
  const r = ring.data
  const pinnedKey = r?.pinned.keys[r.algorithm] ?? null
  return (
    <>
      <PageHeader title="Keys & algorithm" />
      {notice}
      <LoadState loading={ring.loading} error={ring.error} retry={ring.reload} hasData={r !== null} />
      {r !== null && (
        <>
          <section className="panel key-actions">
            <div>
              <h2>Signing with {r.algorithm}</h2>
              <p>
                Active key <code data-testid="active-kid">{r.active_kid}</code>
              </p>
            </div>
            <div className="stack">
              <button
                className="primary"
                disabled={busy || pinnedKey !== null}
                title={pinnedKey ? `The key is set by ${pinnedKey}` : undefined}
                onClick={() => (signOut ? setConfirm(true) : void rotate())}
              >
                {busy ? 'Regenerating…' : 'Regenerate keys'}
              </button>
              <label className="inline">
                <input type="checkbox" checked={signOut} onChange={(e) => setSignOut(e.target.checked)} /> Also sign everyone out
              </label>
              {pinnedKey && <Locked variable={pinnedKey} />}
            </div>
            <AlgorithmSwitch ring={r} onDone={(text) => (ok(text), ring.reload())} onError={fail} />
            <Publish ring={r} />
          </section>
          <table className="table">
            <thead>
              <tr>
                <th>Key id</th>
                <th>Algorithm</th>
                <th>State</th>
                <th>Fingerprint (SHA-256)</th>
                <th>Created</th>
                <th>Retires</th>
                <th>Live sessions</th>
              </tr>
            </thead>
            <tbody>
              {r.keys.map((k) => (
                <tr key={k.kid} data-kid={k.kid}>
                  <td>
                    <code>{k.kid}</code>
                    {k.source !== 'generated' && <span className="badge">{k.source}</span>}
                  </td>
                  <td>{k.alg}</td>
                  <td>
                    <span className={`badge ${k.state === 'active' ? 'ok' : k.state === 'retired' ? 'off' : 'warn'}`}>{k.state}</span>
                  </td>
                  <td>
                    <code className="fingerprint">{k.fingerprint}</code>
                  </td>
                  <td>
                    <Time iso={k.created_at} />
                  </td>
                  <td>{k.state === 'verify-only' ? <Time iso={k.retire_after} /> : k.state === 'retired' ? <Time iso={k.retired_at} /> : '—'}</td>
                  <td>{k.live_sessions}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <ImportKey ring={r} onDone={(text) => (ok(text), ring.reload())} />
        </>
      )}
      {confirm && (
        <Confirm
          title="Regenerate keys and sign everyone out?"
          confirmLabel="Regenerate and sign out"
          typed="revoke-all"
          danger
          onCancel={() => setConfirm(false)}
          onConfirm={async () => {
            setConfirm(false)
            await rotate()
          }}
        >
          <p>For a leaked key: every session and every API key is revoked and the older keys retire at once, so no token signed before verifies. Local apps need new API keys.</p>
        </Confirm>
      )}
    </>
  )
}

function Locked(props: { variable: string }) {
  return (
    <p className="locked" title="Set by the environment">
      🔒 Pinned by <code>{props.variable}</code>
    </p>
  )
}

function AlgorithmSwitch(props: { ring: KeyRing; onDone: (text: string) => void; onError: (text: string) => void }) {
  const [alg, setAlg] = useState<Algorithm>(props.ring.algorithm)
  const [busy, setBusy] = useState(false)
  const pinned = props.ring.pinned.algorithm
  return (
    <div className="stack">
      <label>
        Algorithm
        <select value={alg} onChange={(e) => setAlg(e.target.value as Algorithm)} disabled={pinned !== null} aria-label="Algorithm">
          {ALGORITHMS.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </label>
      <button
        disabled={busy || pinned !== null || alg === props.ring.algorithm}
        onClick={() => {
          setBusy(true)
          api.switchAlgorithm(alg).then(
            () => props.onDone(`Now signing with ${alg}. Tokens signed before still verify until they expire.`),
            (err: unknown) => props.onError(`Switch algorithm: ${errorText(err)}`),
          ).finally(() => setBusy(false))
        }}
      >
        {busy ? 'Switching…' : 'Switch algorithm'}
      </button>
      {pinned !== null && <Locked variable={pinned} />}
    </div>
  )
}

function Publish(props: { ring: KeyRing }) {
  const jwksUrl = new URL(props.ring.jwks_uri, window.location.origin).toString()
  const jwks = useLoad(() => api.jwks(), [props.ring.active_kid])
  const active = jwks.data?.keys.find((k) => k.kid === props.ring.active_kid)
  return (
    <div className="stack">
      <span className="muted">Verifiers fetch public keys from</span>
      <code>{jwksUrl}</code>
      <div className="buttons">
        <CopyButton text={jwksUrl} label="Copy JWKS URL" />
        {active ? <CopyButton text={JSON.stringify(active, null, 2)} label="Copy public key (JWK)" /> : <span className="muted">HS256 has no public key: verifiers need the shared secret.</span>}
      </div>
    </div>
  )
}

function ImportKey(props: { ring: KeyRing; onDone: (text: string) => void }) {
  const [open, setOpen] = useState(false)
  const [alg, setAlg] = useState<Algorithm>(props.ring.algorithm)
  const [secret, setSecret] = useState('')
  const [privateKey, setPrivateKey] = useState('')
  const [publicKey, setPublicKey] = useState('')
  const [error, setError] = useState<string | null>(null)
  if (!open) {
    return (
      <button className="link" onClick={() => setOpen(true)}>
        Import a key…
      </button>
    )
  }
  const submit = async () => {
    setError(null)
    try {
      await api.importKey(alg === 'HS256' ? { algorithm: alg, secret } : { algorithm: alg, private_key: privateKey, public_key: publicKey || undefined })
      setOpen(false)
      props.onDone(`Imported a ${alg} key${alg === props.ring.algorithm ? '; it now signs new tokens' : ''}.`)
    } catch (err) {
      setError(errorText(err))
    }
  }
  return (
    <form
      className="panel"
      onSubmit={(e) => {
        e.preventDefault()
        void submit()
      }}
    >
      <h2>Import a key</h2>
      <label>
        Algorithm
        <select value={alg} onChange={(e) => setAlg(e.target.value as Algorithm)}>
          {ALGORITHMS.map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
      </label>
      {alg === 'HS256' ? (
        <label>
          Secret (32 characters or more)
          <input type="password" value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="off" />
        </label>
      ) : (
        <>
          <label>
            Private key (PEM)
            <textarea rows={6} value={privateKey} onChange={(e) => setPrivateKey(e.target.value)} spellCheck={false} />
          </label>
          <label>
            Public key (PEM, optional: derived from the private key)
            <textarea rows={4} value={publicKey} onChange={(e) => setPublicKey(e.target.value)} spellCheck={false} />
          </label>
        </>
      )}
      {error && <p className="error-text" role="alert">{error}</p>}
      <div className="buttons">
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
        <button type="submit" className="primary">
          Import
        </button>
      </div>
    </form>
  )
}
