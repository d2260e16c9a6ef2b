// A user's API keys in a small panel opened from the Users screen: name, prefix, created, last
// used, uses and expiry (never the key itself), each revocable.

import { useEffect, useRef } from 'react'
import type { AdminUser } from '../../shared/api-types.ts'
import { api } from '../api.ts'
import { useLiveVersion } from '../live.ts'
import { useLoad } from '../use-load.ts'
import { LoadState, Time, errorText, useNotice } from './ui.tsx'

const KEY_EVENTS = ['api_key_created', 'api_key_deleted', 'api_key_revoked'] as const
/** The cap per user: one page holds them all. */
const MAX_KEYS = 100

export function UserKeys(props: { user: AdminUser; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null)
  const version = useLiveVersion(KEY_EVENTS)
  const keys = useLoad((signal) => api.apiKeys({ user_id: props.user.id, skip: 0, limit: MAX_KEYS }, signal), [props.user.id, version])
  const { notice, ok, fail } = useNotice()
  useEffect(() => {
    const d = dialog.current
    if (d !== null && !d.open) d.showModal()
  }, [])

  const revoke = async (id: string, label: string) => {
    try {
      await api.revokeApiKey(id)
      ok(`Revoked ${label}: it no longer authenticates.`)
      keys.reload()
    } catch (err) {
      fail(`Revoke ${label}: ${errorText(err)}`)
    }
  }

  const list = keys.data?.api_keys ?? []
  return (
    <dialog ref={dialog} className="confirm wide" onCancel={props.onClose} aria-label={`API keys of ${props.user.username}`}>
      <h2>API keys of {props.user.username}</h2>
      {notice}
      <LoadState loading={keys.loading} error={keys.error} retry={keys.reload} hasData={keys.data !== null} empty={keys.data !== null && list.length === 0} emptyText="No API keys." />
      {list.length > 0 && (
        <table className="table" aria-label="API keys">
          <thead>
            <tr>
              <th>Name</th>
              <th>Key</th>
              <th>Created</th>
              <th>Last used</th>
              <th>Uses</th>
              <th>Expires</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {list.map((k) => {
              const label = k.name ?? `${k.prefix}…`
              return (
                <tr key={k.id} data-key-id={k.id}>
                  <td>{k.name ?? <span className="muted">unnamed</span>}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>
                    <Time iso={k.created_at} />
                  </td>
                  <td>
                    <Time iso={k.last_used_at} />
                  </td>
                  <td>{k.total_uses}</td>
                  <td>
                    {k.expires_at === null ? <span className="muted">never</span> : <Time iso={k.expires_at} />}
                    {k.expired && <span className="badge off">expired</span>}
                  </td>
                  <td className="row-actions">
                    <button className="danger" onClick={() => void revoke(k.id, label)}>
                      Revoke
                    </button>
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      <div className="buttons">
        <button type="button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </dialog>
  )
}
