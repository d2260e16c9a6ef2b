// Sessions, live: every session with its user, client, IP and times. New sessions appear and
// refreshed ones update as the server reports them, without a reload. Revoke one, all of a user's,
// or all (typed confirmation). A row opens the session's refresh-token chain.

import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { AuditEventRead, SessionRead } from '../../shared/api-types.ts'
import { api } from '../api.ts'
import { VirtualRows } from '../components/VirtualRows.tsx'
import { Confirm, LoadState, PageHeader, Time, errorText, useNotice } from '../components/ui.tsx'
import { RESET, useLiveEvents } from '../live.ts'
import { hrefOf } from '../router.ts'
import { useLoad } from '../use-load.ts'

const BATCH = 1000
/** Past this many events in one burst, reloading the list is cheaper than fetching each session. */
const MAX_PATCHES = 40
const SESSION_EVENTS = ['session_created', 'session_refreshed', 'session_revoked', 'refresh_reuse_detected', 'user_deleted'] as const
type StateFilter = 'active' | 'revoked' | 'expired' | 'all'

/**
 * Every session, a page at a time. Sessions created or ended meanwhile shift the offsets: a row may
 * come twice (kept once) or be missed (the live events that moved it patch it in).
 */
async function loadAll(state: StateFilter, signal: AbortSignal, onProgress: (n: number, total: number) => void): Promise<SessionRead[]> {
  const byId = new Map<string, SessionRead>()
  for (let skip = 0; ; skip += BATCH) {
    const page = await api.sessions({ state: state === 'all' ? undefined : state, skip, limit: BATCH }, signal)
    for (const s of page.sessions) byId.set(s.id, s)
    onProgress(byId.size, page.total_count)
    if (page.sessions.length < BATCH || skip + BATCH >= page.total_count) return [...byId.values()]
  }
}

function client(ua: string | null): string {
  if (ua === null) return '—'
  const m = /(Firefox|Edg|Chrome|Safari|curl|python-requests|node|Electron|undici)[/ ]?([\d.]*)/i.exec(ua)
  return m ? `${m[1]}${m[2] ? ' ' + m[2].split('.')[0] : ''}` : ua.slice(0, 40)
}

export function Sessions() {
  const [state, setState] = useState<StateFilter>('active')
  const [filter, setFilter] = useState('')
  const [progress, setProgress] = useState<string | null>(null)
  const [patched, setPatched] = useState<Map<string, SessionRead | null>>(new Map())
  const { notice, ok, fail } = useNotice()
  const [confirmAll, setConfirmAll] = useState(false)

  const list = useLoad(
    async (signal) => {
      // Patches from now on are newer than what this load returns; older ones are not.
      setPatched(new Map())
      const rows = await loadAll(state, signal, (n, total) => setProgress(total > BATCH ? `Loaded ${n} of ${total}` : null))
      setProgress(null)
      return rows
    },
    [state],
  )

  // A reload asked for while one runs waits for it, rather than aborting it: under a steady
  // flood of events, a 10,000-session list would otherwise never finish loading.
  const reloadWanted = useRef(false)
  const reload = () => {
    if (list.loading) reloadWanted.current = true
    else list.reload()
  }
  useEffect(() => {
    if (list.loading || !reloadWanted.current) return
    reloadWanted.current = false
    list.reload()
  }, [list.loading, list.reload])

  // Live: fetch just the sessions an event names and patch them in; a big burst reloads instead.
  useLiveEvents(SESSION_EVENTS, (events: AuditEventRead[]) => {
    const ids = [...new Set(events.map((e) => e.session_id).filter((id): id is string => id !== null))]
    if (ids.length > MAX_PATCHES || events.some((e) => e.type === 'user_deleted' || e.type === RESET)) return reload()
    void Promise.all(ids.map((id) => api.session(id).then((d) => [id, d.session] as const, () => [id, null] as const))).then((pairs) => {
      setPatched((prev) => {
        const next = new Map(prev)
        for (const [id, s] of pairs) next.set(id, s)
        return next
      })
    })
  })

  const rows = useMemo(() => {
    const base = list.data ?? []
    const seen = new Set<string>()
    const merged: SessionRead[] = []
    const keep = (s: SessionRead) => state === 'all' || s.state === state
    for (const s of base) {
      seen.add(s.id)
      const p = patched.has(s.id) ? patched.get(s.id) : s
      if (p && keep(p)) merged.push(p)
    }
    const fresh = [...patched.values()].filter((s): s is SessionRead => s !== null && !seen.has(s.id) && keep(s))
    const all = [...fresh.sort((a, b) => b.created_at.localeCompare(a.created_at)), ...merged]
    const f = filter.trim().toLowerCase()
    return f === '' ? all : all.filter((s) => [s.username, s.ip, s.user_agent, s.id].some((v) => v?.toLowerCase().includes(f)))
  }, [list.data, patched, filter, state])

  const revoke = useCallback(
    async (label: string, run: () => Promise<Revoked>) => {
      try {
        const { sessions: n, apiKeys } = await run()
        const keys = apiKeys === undefined ? '' : ` and ${apiKeys === 1 ? '1 API key' : `${apiKeys} API keys`}`
        ok(`${label}: ${n === 1 ? '1 session' : `${n} sessions`}${keys} revoked.`)
      } catch (err) {
        fail(`${label}: ${errorText(err)}`)
      }
    },
    [ok, fail],
  )

  return (
    <>
      <PageHeader title="Sessions">
        <select aria-label="State" value={state} onChange={(e) => setState(e.target.value as StateFilter)}>
          <option value="active">Active</option>
          <option value="revoked">Revoked</option>
          <option value="expired">Expired</option>
          <option value="all">All</option>
        </select>
        <input type="search" placeholder="Filter by user, IP, client" aria-label="Filter sessions" value={filter} onChange={(e) => setFilter(e.target.value)} />
        <button className="danger" onClick={() => setConfirmAll(true)}>
          Revoke all…
        </button>
      </PageHeader>
      {notice}
      {progress && <p className="muted" role="status">{progress}…</p>}
      <LoadState loading={list.loading} error={list.error} retry={list.reload} hasData={list.data !== null} empty={list.data !== null && rows.length === 0} emptyText={filter ? 'No session matches the filter.' : `No ${state === 'all' ? '' : state + ' '}sessions.`} />
      {rows.length > 0 && (
        <div className="vtable" role="table" aria-label="Sessions">
          <div className="vtable-head" role="row">
            <span role="columnheader">User</span>
            <span role="columnheader">Client</span>
            <span role="columnheader">IP</span>
            <span role="columnheader">Created</span>
            <span role="columnheader">Last refresh</span>
            <span role="columnheader">Expires</span>
            <span role="columnheader">State</span>
            <span role="columnheader" aria-label="Actions" />
          </div>
          <VirtualRows
            items={rows}
            rowHeight={44}
            label="Session rows"
            rowKey={(s) => s.id}
            row={(s) => <SessionRow session={s} revoke={revoke} />}
          />
        </div>
      )}
      {confirmAll && (
        <Confirm
          title="Revoke every session and API key?"
          confirmLabel="Revoke all sessions and API keys"
          typed="revoke-all"
          danger
          onCancel={() => setConfirmAll(false)}
          onConfirm={async () => {
            const r = await api.revokeAllSessions()
            ok(`Revoked ${r.revoked_count} sessions and ${r.revoked_api_keys} API keys. Everyone, you included, signs in again.`)
            setConfirmAll(false)
          }}
        >
          <p>Every user is signed out at once, access tokens already issued stop working, and every API key is revoked (local apps need new ones).</p>
        </Confirm>
      )}
    </>
  )
}

type Revoked = { sessions: number; apiKeys?: number }
type Revoke = (label: string, run: () => Promise<Revoked>) => Promise<void>

/** One row; memoised, so scrolling renders only the rows that come into view. */
const SessionRow = memo(function SessionRow({ session: s, revoke }: { session: SessionRead; revoke: Revoke }) {
  const who = s.username ?? s.user_id
  return (
    <div className="vtable-cells" data-session={s.id} data-username={s.username ?? ''}>
      <span role="cell">
        <a href={hrefOf({ page: 'session', id: s.id })}>{who}</a>
      </span>
      <span role="cell" title={s.user_agent ?? ''}>{client(s.user_agent)}</span>
      <span role="cell">{s.ip ?? '—'}</span>
      <span role="cell"><Time iso={s.created_at} /></span>
      <span role="cell"><Time iso={s.last_used_at} /></span>
      <span role="cell"><Time iso={s.expires_at} /></span>
      <span role="cell"><span className={`badge ${s.state === 'active' ? 'ok' : 'off'}`}>{s.state}</span></span>
      <span role="cell" className="row-actions">
        {s.state === 'active' && (
          <>
            <button onClick={() => void revoke(`Session of ${who}`, async () => ({ sessions: (await api.revokeSession(s.id)).revoked_sessions.length }))}>Revoke</button>
            <button onClick={() => void revoke(`All of ${who}`, async () => {
              const r = await api.revokeUserSessions(s.user_id)
              return { sessions: r.revoked_sessions.length, apiKeys: r.revoked_api_keys }
            })} title="Every session and API key of this user">Revoke user's</button>
          </>
        )}
      </span>
    </div>
  )
})
