// Audit log: filterable by type and text, live-updating (new events appear at the top), exportable
// as CSV or JSON lines with the same filter (fetched with the console's token, saved from a Blob).

import { useState } from 'react'
import type { AuditEventRead } from '../../shared/api-types.ts'
import { AUDIT_TYPES } from '../../shared/audit-types.ts'
import { api } from '../api.ts'
import { LoadState, PageHeader, Pager, Time, errorText } from '../components/ui.tsx'
import { RESET, useLiveEvents } from '../live.ts'
import { hrefOf } from '../router.ts'
import { useLoad, useSettledText } from '../use-load.ts'

const PAGE = 100

function summary(e: AuditEventRead): string {
  return Object.entries(e.detail)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' · ')
}

export function Audit() {
  const [type, setType] = useState('')
  const [text, setText] = useState('')
  const [page, setPage] = useState(0)
  const [fresh, setFresh] = useState<AuditEventRead[]>([])
  const q = useSettledText(text, () => setPage(0))
  // Empty values are left out of the query by api.ts.
  const filter = { type, q }
  const events = useLoad(
    async (signal) => {
      const r = await api.audit({ ...filter, skip: page * PAGE, limit: PAGE }, signal)
      setFresh([])
      return r
    },
    [type, q, page],
  )

  // Live: new events that match the type filter go on top of the first page; a text filter is the
  // server's to apply, so then the page reloads instead.
  const shown = [...fresh, ...(events.data?.events ?? [])]
  useLiveEvents(null, (batch) => {
    if (page !== 0) return
    if (q !== '' || batch.some((e) => e.type === RESET)) return events.reload()
    const shownIds = new Set(shown.map((e) => e.id))
    const matching = batch.filter((e) => (type === '' || e.type === type) && !shownIds.has(e.id))
    // Past a page of new events, the oldest of them scroll off as they would on reload.
    if (matching.length > 0) setFresh((prev) => [...matching.reverse(), ...prev].slice(0, PAGE))
  })

  // Fetched with the Bearer token and saved from a Blob: a plain link would need a cookie.
  const [exporting, setExporting] = useState(false)
  const [exportError, setExportError] = useState<string | null>(null)
  const exportLog = async (format: 'csv' | 'jsonl') => {
    setExporting(true)
    setExportError(null)
    try {
      const { blob, filename } = await api.auditExport(format, filter)
      const href = URL.createObjectURL(blob)
      const a = document.createElement('a')
      a.href = href
      a.download = filename
      a.click()
      // The download has started from the click; the URL may go once it is read.
      setTimeout(() => URL.revokeObjectURL(href), 60_000)
    } catch (err) {
      setExportError(errorText(err))
    } finally {
      setExporting(false)
    }
  }

  const total = (events.data?.total_count ?? 0) + fresh.length
  return (
    <>
      <PageHeader title="Audit log">
        <select aria-label="Event type" value={type} onChange={(e) => (setType(e.target.value), setPage(0))}>
          <option value="">All events</option>
          {AUDIT_TYPES.map((t) => (
            <option key={t} value={t}>
              {t.replaceAll('_', ' ')}
            </option>
          ))}
        </select>
        <input type="search" placeholder="Search user, IP, detail" aria-label="Search the audit log" value={text} onChange={(e) => setText(e.target.value)} />
        <button onClick={() => void exportLog('csv')} disabled={exporting}>
          Export CSV
        </button>
        <button onClick={() => void exportLog('jsonl')} disabled={exporting}>
          Export JSON lines
        </button>
      </PageHeader>
      {exportError !== null && <p className="notice error" role="alert">Export failed: {exportError}</p>}
      <LoadState loading={events.loading} error={events.error} retry={events.reload} hasData={events.data !== null} empty={shown.length === 0} emptyText="No events match." />
      {shown.length > 0 && (
        <table className="table audit">
          <thead>
            <tr>
              <th>When</th>
              <th>Event</th>
              <th>User</th>
              <th>IP</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={e.id} data-type={e.type} className={e.type === 'refresh_reuse_detected' || e.type === 'login_failed' || e.type === 'account_locked' ? 'warn-row' : undefined}>
                <td>
                  <Time iso={e.at} />
                </td>
                <td>
                  {e.session_id ? <a href={hrefOf({ page: 'session', id: e.session_id })}>{e.type.replaceAll('_', ' ')}</a> : e.type.replaceAll('_', ' ')}
                </td>
                <td>{e.username ?? e.user_id ?? '—'}</td>
                <td>{e.ip ?? '—'}</td>
                <td className="detail">{summary(e)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={page} pages={Math.ceil(total / PAGE)} onPage={setPage} previous="Newer" next="Older" />
    </>
  )
}
