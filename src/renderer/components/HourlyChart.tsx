// Logins and failures per hour over the last 24 h, as an SVG bar chart (no chart library: this
// is 24 pairs of bars, and the console's bundle stays small).

import type { Overview } from '../../shared/api-types.ts'

const W = 720
const H = 160
const PAD = 24

export function HourlyChart(props: { hourly: Overview['hourly'] }) {
  const { hourly } = props
  const max = Math.max(1, ...hourly.map((h) => Math.max(h.logins, h.failures)))
  const slot = (W - PAD) / Math.max(1, hourly.length)
  const bar = Math.max(2, slot / 2 - 2)
  const y = (v: number) => H - PAD - (v / max) * (H - PAD * 2)
  const total = hourly.reduce((s, h) => ({ logins: s.logins + h.logins, failures: s.failures + h.failures }), { logins: 0, failures: 0 })
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Last 24 hours: ${total.logins} logins, ${total.failures} failed logins`}>
        <line x1={PAD} x2={W} y1={H - PAD} y2={H - PAD} className="axis" />
        <text x={0} y={PAD} className="tick">{max}</text>
        <text x={0} y={H - PAD} className="tick">0</text>
        {hourly.map((h, i) => {
          const x = PAD + i * slot
          const hour = new Date(h.hour).getHours()
          return (
            <g key={h.hour}>
              <rect x={x} y={y(h.logins)} width={bar} height={H - PAD - y(h.logins)} className="bar-ok">
                <title>{`${hour}:00 — ${h.logins} logins`}</title>
              </rect>
              <rect x={x + bar + 1} y={y(h.failures)} width={bar} height={H - PAD - y(h.failures)} className="bar-fail">
                <title>{`${hour}:00 — ${h.failures} failures`}</title>
              </rect>
              {i % 3 === 0 && (
                <text x={x} y={H - 6} className="tick">
                  {hour}h
                </text>
              )}
            </g>
          )
        })}
      </svg>
      <figcaption>
        <span className="legend ok">Logins ({total.logins})</span> <span className="legend fail">Failures ({total.failures})</span>
      </figcaption>
    </figure>
  )
}
