// Token settings: lifetimes, the refresh grace window and audit retention, each with its
// recommended range. What the environment sets is shown locked, with the variable's name.

import { useEffect, useRef, useState } from 'react'
import type { Setting } from '../../shared/api-types.ts'
import { api } from '../api.ts'
import { LoadState, PageHeader, errorText, useNotice } from '../components/ui.tsx'
import { useLiveVersion } from '../live.ts'
import { useLoad } from '../use-load.ts'

const LABELS: Record<string, string> = {
  access_token_expire_seconds: 'Access token lifetime',
  refresh_token_expire_seconds: 'Refresh token lifetime',
  refresh_grace_seconds: 'Refresh grace window',
  audit_retention_days: 'Audit log retention',
}

const label = (name: string) => LABELS[name] ?? name.replaceAll('_', ' ')

export function TokenSettings() {
  const version = useLiveVersion(['settings_changed'])
  const settings = useLoad((signal) => api.settings(signal), [version])
  const [draft, setDraft] = useState<Record<string, string>>({})
  const shown = useRef<Record<string, string>>({})
  const { notice, ok, fail } = useNotice()
  // New values from the server (another admin's change, say) replace a field only where the admin
  // has not typed anything of their own.
  useEffect(() => {
    if (settings.data === null) return
    const fresh = Object.fromEntries(Object.entries(settings.data).map(([k, s]) => [k, String(s.value)]))
    setDraft((d) => Object.fromEntries(Object.entries(fresh).map(([k, v]) => [k, d[k] === undefined || d[k] === shown.current[k] ? v : d[k]])) as Record<string, string>)
    shown.current = fresh
  }, [settings.data])

  const entries = Object.entries(settings.data ?? {})
  const changed = entries.filter(([k, s]) => s.source !== 'env' && draft[k] !== undefined && draft[k] !== String(s.value))
  const save = async () => {
    const patch: Record<string, number> = {}
    for (const [k] of changed) {
      const text = (draft[k] ?? '').trim()
      const n = Number(text)
      if (text === '' || !Number.isInteger(n)) return fail(`${label(k)} must be a whole number`)
      patch[k] = n
    }
    try {
      await api.updateSettings(patch)
      ok(`Saved ${changed.map(([k]) => label(k).toLowerCase()).join(', ')}. New tokens use it at once.`)
      settings.reload()
    } catch (err) {
      fail(errorText(err))
    }
  }
  return (
    <>
      <PageHeader title="Token settings" />
      {notice}
      <LoadState loading={settings.loading} error={settings.error} retry={settings.reload} hasData={settings.data !== null} />
      {settings.data !== null && (
        <form
          className="panel settings"
          onSubmit={(e) => {
            e.preventDefault()
            void save()
          }}
        >
          {entries.map(([name, s]) => (
            <SettingField key={name} name={name} setting={s} value={draft[name] ?? ''} onChange={(v) => setDraft({ ...draft, [name]: v })} />
          ))}
          <div className="buttons">
            <button type="submit" className="primary" disabled={changed.length === 0}>
              Save
            </button>
          </div>
        </form>
      )}
    </>
  )
}

function SettingField(props: { name: string; setting: Setting; value: string; onChange: (v: string) => void }) {
  const { setting: s } = props
  const n = Number(props.value)
  const outside = Number.isFinite(n) && (n < s.recommended.min || n > s.recommended.max)
  const id = `setting-${props.name}`
  return (
    <div className="field">
      <label htmlFor={id}>{label(props.name)}</label>
      <div className="inline">
        <input id={id} name={props.name} type="number" value={props.value} onChange={(e) => props.onChange(e.target.value)} disabled={s.source === 'env'} aria-describedby={`${id}-help`} />
        <span>{s.unit}</span>
      </div>
      <small id={`${id}-help`} className={outside ? 'warn-text' : 'muted'}>
        Recommended {s.recommended.min}–{s.recommended.max} {s.unit}
        {outside ? ' — outside the recommended range' : ''}
        {s.source === 'env' ? <> · 🔒 set by <code>{s.variable}</code></> : <> · env <code>{s.variable}</code> would override</>}
      </small>
    </div>
  )
}
