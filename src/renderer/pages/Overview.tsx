// Overview: live counts, the last 24 h of logins and failures, reuse detections, key age, and
// the security checklist evaluated by the server.

import { api } from '../api.ts'
import { HourlyChart } from '../components/HourlyChart.tsx'
import { LoadState, PageHeader } from '../components/ui.tsx'
import { useLiveVersion } from '../live.ts'
import { useLoad } from '../use-load.ts'

/** The checklist reads the configuration and the key ring only. */
const CHECKLIST_EVENTS = ['key_rotated', 'key_imported', 'algorithm_switched', 'key_retired', 'settings_changed'] as const

function age(seconds: number): string {
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`
  if (seconds < 86_400 * 2) return `${Math.round(seconds / 3600)} h`
  return `${Math.round(seconds / 86_400)} days`
}

export function Overview() {
  // Counts change with almost every event: reload at most once a second, however busy the server.
  const version = useLiveVersion(null, 1_000)
  const checklistVersion = useLiveVersion(CHECKLIST_EVENTS)
  const overview = useLoad((signal) => api.overview(signal), [version])
  const checklist = useLoad((signal) => api.checklist(signal), [checklistVersion])
  const o = overview.data
  const active = o?.keys.find((k) => k.state === 'active')
  return (
    <>
      <PageHeader title="Overview" />
      <LoadState loading={overview.loading} error={overview.error} retry={overview.reload} hasData={o !== null} />
      {o !== null && (
        <>
          <section className="cards" aria-label="Counts">
            <Card label="Active sessions" value={o.sessions.active} />
            <Card label="Users" value={o.users.total} sub={`${o.users.active} active, ${o.users.superusers} superusers`} />
            <Card label="Reuse detections (24 h)" value={o.reuse_detections.last_24h} sub={`${o.reuse_detections.total} in all`} warn={o.reuse_detections.last_24h > 0} />
            <Card label="Signing key age" value={active ? age(active.age_seconds) : '—'} sub={active ? `${active.alg} · ${active.kid}` : undefined} />
          </section>
          <section className="panel">
            <h2>Logins, last 24 hours</h2>
            <HourlyChart hourly={o.hourly} />
          </section>
        </>
      )}
      <section className="panel">
        <h2>Security checklist</h2>
        <LoadState loading={checklist.loading} error={checklist.error} retry={checklist.reload} hasData={checklist.data !== null} />
        {checklist.data !== null && (
          <>
            <p className="muted">
              {checklist.data.passed} passed, {checklist.data.warnings} {checklist.data.warnings === 1 ? 'warning' : 'warnings'}
            </p>
            <ul className="checklist">
              {checklist.data.items.map((item) => (
                <li key={item.id} className={item.status}>
                  <strong>{item.status === 'pass' ? '✓' : '!'} {item.title}</strong>
                  <span className="muted">{item.why}</span>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
    </>
  )
}

function Card(props: { label: string; value: number | string; sub?: string; warn?: boolean }) {
  return (
    <div className={`card${props.warn ? ' warn' : ''}`}>
      <div className="card-label">{props.label}</div>
      <div className="card-value">{props.value}</div>
      {props.sub && <div className="muted">{props.sub}</div>}
    </div>
  )
}
