// One session and its refresh-token chain, drawn as a timeline of rotations, with each grace-window
// answer on the link it came from and the link where a refresh-token reuse was detected marked
// where it happened.

import type { AuditEventRead } from '../../shared/api-types.ts'
import { api } from '../api.ts'
import { LoadState, PageHeader, Time, errorText, useNotice } from '../components/ui.tsx'
import { RESET, useLiveEvents } from '../live.ts'
import { hrefOf } from '../router.ts'
import { useLoad } from '../use-load.ts'

/** Grace answers listed per link; a 100-tab race would otherwise fill the page. */
const GRACE_SHOWN = 5

const SESSION_EVENTS = ['session_refreshed', 'session_revoked', 'refresh_reuse_detected', 'refresh_grace_reused'] as const

export function SessionDetail(props: { id: string }) {
  const detail = useLoad((signal) => api.session(props.id, signal), [props.id])
  const { notice, ok, fail } = useNotice()
  useLiveEvents(SESSION_EVENTS, (events: AuditEventRead[]) => {
    if (events.some((e) => e.session_id === props.id || e.type === RESET)) detail.reload()
  })
  const d = detail.data
  return (
    <>
      <PageHeader title="Session">
        <a href={hrefOf({ page: 'sessions' })}>← All sessions</a>
        {d?.session.state === 'active' && (
          <button
            className="danger"
            onClick={() =>
              void api.revokeSession(props.id).then(
                () => ok('Session revoked.'),
                (err: unknown) => fail(errorText(err)),
              )
            }
          >
            Revoke session
          </button>
        )}
      </PageHeader>
      {notice}
      <LoadState loading={detail.loading} error={detail.error} retry={detail.reload} hasData={d !== null} />
      {d !== null && (
        <>
          <dl className="facts">
            <dt>User</dt>
            <dd>{d.session.username ?? d.session.user_id}</dd>
            <dt>State</dt>
            <dd>
              <span className={`badge ${d.session.state === 'active' ? 'ok' : 'off'}`}>{d.session.state}</span>
              {d.session.revoke_reason && <span className="muted"> ({d.session.revoke_reason.replaceAll('_', ' ')})</span>}
            </dd>
            <dt>Client</dt>
            <dd>{d.session.user_agent ?? '—'}</dd>
            <dt>IP</dt>
            <dd>{d.session.ip ?? '—'}</dd>
            <dt>Created</dt>
            <dd><Time iso={d.session.created_at} /></dd>
            <dt>Expires</dt>
            <dd><Time iso={d.session.expires_at} /></dd>
            <dt>Signing key</dt>
            <dd><code>{d.session.access_kid ?? '—'}</code></dd>
            <dt>Session id</dt>
            <dd><code>{d.session.id}</code></dd>
          </dl>
          <section className="panel">
            <h2>Refresh-token chain</h2>
            <p className="muted">Each refresh hands out a new refresh token and retires the one presented. A retired token presented again is a reuse: the session is revoked — unless the client that retired it presents it again within the grace window (parallel tabs), which gets the same next token and is listed here.</p>
            <ol className="timeline" aria-label="Refresh-token chain">
              {d.chain.map((link) => (
                <li key={link.generation} className={link.reuse_detected_at ? 'reuse' : link.used_at || d.session.state !== 'active' ? 'used' : 'current'} data-generation={link.generation}>
                  <div className="timeline-head">
                    <strong>Token #{link.generation + 1}</strong> issued <Time iso={link.issued_at} />
                    {link.issued_ip && <span className="muted"> from {link.issued_ip}</span>}
                  </div>
                  <div>
                    {link.used_at ? (
                      <>
                        rotated <Time iso={link.used_at} />
                      </>
                    ) : d.session.state === 'active' ? (
                      <span className="muted">current — expires <Time iso={link.expires_at} /></span>
                    ) : (
                      <span className="muted">never exchanged: the session is {d.session.state}</span>
                    )}
                  </div>
                  {link.grace_answers.length > 0 && (
                    <ul className="grace-marks" aria-label={`Grace-window answers of token #${link.generation + 1}`}>
                      {link.grace_answers.slice(0, GRACE_SHOWN).map((a, i) => (
                        <li key={i} className="grace-mark">
                          ↺ presented again <Time iso={a.at} /> within the grace window{a.ip && <> from {a.ip}</>}, answered with the same next token
                          {a.user_agent && <span className="muted"> · {a.user_agent}</span>}
                        </li>
                      ))}
                      {link.grace_answers.length > GRACE_SHOWN && (
                        <li className="grace-mark">…and {link.grace_answers.length - GRACE_SHOWN} more (the audit log lists each)</li>
                      )}
                    </ul>
                  )}
                  {link.reuse_detected_at && (
                    <div className="reuse-mark" role="note">
                      ⚠ Reuse detected <Time iso={link.reuse_detected_at} />: this token was presented again after it was rotated, and the session was revoked.
                    </div>
                  )}
                </li>
              ))}
            </ol>
          </section>
        </>
      )}
    </>
  )
}
