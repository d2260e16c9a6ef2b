// Loading a screen's data, and the settled text of a search box. Loading: keeps what was shown while a reload runs (no flicker on live updates),
// drops (aborts) a request once a newer one starts or the screen goes.

import { useCallback, useEffect, useRef, useState } from 'react'

export interface Loaded<T> {
  readonly data: T | null
  readonly error: Error | null
  readonly loading: boolean
  reload(): void
}

export function useLoad<T>(fetcher: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null)
  const [error, setError] = useState<Error | null>(null)
  const [loading, setLoading] = useState(true)
  const [nonce, setNonce] = useState(0)
  const fetchRef = useRef(fetcher)
  fetchRef.current = fetcher

  useEffect(() => {
    const abort = new AbortController()
    setLoading(true)
    fetchRef.current(abort.signal).then(
      (value) => {
        if (abort.signal.aborted) return
        setData(value)
        setError(null)
        setLoading(false)
      },
      (err: unknown) => {
        if (abort.signal.aborted) return
        setError(err instanceof Error ? err : new Error(String(err)))
        setLoading(false)
      },
    )
    return () => abort.abort()
  }, [...deps, nonce])

  const reload = useCallback(() => setNonce((n) => n + 1), [])
  return { data, error, loading, reload }
}

/**
 * A search box's text, trimmed, once typing pauses for `delayMs`; `onSettle` runs with each new
 * value (a screen goes back to its first page).
 */
export function useSettledText(text: string, onSettle: () => void, delayMs = 250): string {
  const [settled, setSettled] = useState(text.trim())
  const settle = useRef(onSettle)
  settle.current = onSettle
  useEffect(() => {
    const t = setTimeout(() => {
      setSettled(text.trim())
      settle.current()
    }, delayMs)
    return () => clearTimeout(t)
  }, [text, delayMs])
  return settled
}
