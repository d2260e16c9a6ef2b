// Small pieces every screen uses: its header, the loading / error / empty states, times, and a
// confirmation dialog that can ask for a typed word before something drastic.

import { useCallback, useEffect, useId, useRef, useState } from 'react'
import type { ReactNode } from 'react'

export function PageHeader(props: { title: string; children?: ReactNode }) {
  return (
    <header className="page-header">
      <h1>{props.title}</h1>
      <div className="actions">{props.children}</div>
    </header>
  )
}

/** The three states of a screen's data: first load, failure (with retry), nothing there. */
export function LoadState(props: { loading: boolean; error: Error | null; empty?: boolean; emptyText?: string; retry?: () => void; hasData: boolean }) {
  if (props.error !== null) {
    return (
      <div className="state error" role="alert">
        <p>Could not load this: {props.error.message}</p>
        {props.retry && <button onClick={props.retry}>Try again</button>}
      </div>
    )
  }
  if (props.loading && !props.hasData) return <p className="state loading" aria-busy="true">Loading…</p>
  if (props.empty) return <p className="state empty">{props.emptyText ?? 'Nothing here yet.'}</p>
  return null
}

const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
const STEPS: [number, Intl.RelativeTimeFormatUnit][] = [[60, 'second'], [60, 'minute'], [24, 'hour'], [365, 'day'], [Infinity, 'year']]

export function relative(iso: string, now = Date.now()): string {
  let value = (Date.parse(iso) - now) / 1000
  for (const [size, unit] of STEPS) {
    if (Math.abs(value) < size) return RELATIVE.format(Math.round(value), unit)
    value /= size
  }
  return iso
}

// One formatter for every exact time: toLocaleString() builds a new one per call, which adds up
// when the Sessions screen mounts rows while scrolling.
const EXACT = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
export const exactTime = (ms: number): string => EXACT.format(ms)

/** A time shown relative ("3 minutes ago"), with the exact time on hover. */
export function Time(props: { iso: string | null }) {
  if (props.iso === null) return <span className="muted">—</span>
  return (
    <time dateTime={props.iso} title={exactTime(Date.parse(props.iso))}>
      {relative(props.iso)}
    </time>
  )
}

export function Notice(props: { kind: 'ok' | 'error'; children: ReactNode; onClose?: () => void }) {
  return (
    <div className={`notice ${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      <span>{props.children}</span>
      {props.onClose && (
        <button className="link" onClick={props.onClose} aria-label="Dismiss">
          ×
        </button>
      )}
    </div>
  )
}

/** Previous / next page buttons around "Page N of M", shown only when there is more than one page. */
export function Pager(props: { page: number; pages: number; onPage: (page: number) => void; previous: string; next: string; note?: string }) {
  if (props.pages <= 1) return null
  return (
    <div className="pager">
      <button disabled={props.page === 0} onClick={() => props.onPage(props.page - 1)}>
        {props.previous}
      </button>
      <span>
        Page {props.page + 1} of {props.pages}
        {props.note}
      </span>
      <button disabled={props.page + 1 >= props.pages} onClick={() => props.onPage(props.page + 1)}>
        {props.next}
      </button>
    </div>
  )
}

/** A screen's one-line outcome message: `notice` is what to render, ok()/fail() set it. */
export function useNotice() {
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null)
  // Stable, so that memoised rows holding them do not re-render.
  const ok = useCallback((text: string) => setNotice({ kind: 'ok', text }), [])
  const fail = useCallback((text: string) => setNotice({ kind: 'error', text }), [])
  return {
    notice: notice && (
      <Notice kind={notice.kind} onClose={() => setNotice(null)}>
        {notice.text}
      </Notice>
    ),
    ok,
    fail,
  }
}

/** A modal confirmation; with `typed`, the confirm button stays disabled until that word is typed. */
export function Confirm(props: {
  title: string
  children: ReactNode
  confirmLabel: string
  typed?: string
  danger?: boolean
  onConfirm: () => Promise<void> | void
  onCancel: () => void
}) {
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const dialog = useRef<HTMLDialogElement>(null)
  const inputId = useId()
  useEffect(() => {
    const d = dialog.current
    if (d !== null && !d.open) d.showModal()
  }, [])
  const ready = props.typed === undefined || text === props.typed
  const confirm = async () => {
    setBusy(true)
    setError(null)
    try {
      await props.onConfirm()
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }
  return (
    <dialog ref={dialog} className="confirm" onCancel={props.onCancel} aria-labelledby={`${inputId}-title`}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault()
          if (ready && !busy) void confirm()
        }}
      >
        <h2 id={`${inputId}-title`}>{props.title}</h2>
        <div>{props.children}</div>
        {props.typed !== undefined && (
          <label htmlFor={inputId}>
            Type <code>{props.typed}</code> to confirm
            <input id={inputId} value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" autoFocus />
          </label>
        )}
        {error !== null && <p className="error-text" role="alert">{error}</p>}
        <div className="buttons">
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
          <button type="submit" className={props.danger ? 'danger' : 'primary'} disabled={!ready || busy}>
            {busy ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  )
}

/** Copies text with the desktop bridge when there is one, else the browser's clipboard. */
export async function copyText(text: string): Promise<void> {
  if (window.desktop) return window.desktop.copy(text)
  await navigator.clipboard.writeText(text)
}

export function CopyButton(props: { text: string; label: string }) {
  const [done, setDone] = useState<string | null>(null)
  return (
    <button
      onClick={() =>
        copyText(props.text).then(
          () => setDone('Copied'),
          () => setDone('Copy failed'),
        )
      }
    >
      {done ?? props.label}
    </button>
  )
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
