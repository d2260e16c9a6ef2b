// The live feed: one EventSource on /api/v1/admin/events for the whole console, shared by every
// screen. It resumes where it left off after a drop or a server restart: the browser sends
// Last-Event-ID on its own reconnects, and when it gives up (an HTTP error, e.g. a 401 after the
// access token expired) we refresh the session and reopen with ?last_event_id= ourselves.

import { useEffect, useRef, useState, useSyncExternalStore } from 'react'
import type { AuditEventRead } from '../shared/api-types.ts'
import { AUDIT_TYPES } from '../shared/audit-types.ts'
import { api, signedOut } from './api.ts'

export type LiveState = 'connecting' | 'live' | 'reconnecting'
type Listener = (event: AuditEventRead) => void

const REOPEN_DELAY_MS = 2_000
/** The type of the event every subscriber gets when the server could not replay what was missed. */
export const RESET = 'reset'

const listeners = new Set<Listener>()
const stateListeners = new Set<() => void>()
let state: LiveState = 'connecting'
let source: EventSource | null = null
let lastId: string | null = null
let reopenTimer: ReturnType<typeof setTimeout> | null = null

function setState(next: LiveState): void {
  if (state === next) return
  state = next
  for (const l of stateListeners) l()
}

/** After the server closed the feed: refresh the session if that is what failed, then reopen. */
function scheduleReopen(): void {
  reopenTimer = setTimeout(() => {
    reopenTimer = null
    // whoami refreshes the session if it can; null means it is gone for good: sign in again.
    api.whoami().then(
      (user) => {
        if (user === null) return signedOut()
        if (listeners.size > 0 && source === null) open()
      },
      // The server is unreachable: keep trying, as the browser does after a dropped connection.
      () => {
        if (listeners.size > 0 && source === null) scheduleReopen()
      },
    )
  }, REOPEN_DELAY_MS)
}

function open(): void {
  const url = lastId === null ? '/api/v1/admin/events' : `/api/v1/admin/events?last_event_id=${encodeURIComponent(lastId)}`
  const es = new EventSource(url, { withCredentials: true })
  source = es
  es.onopen = () => setState('live')
  es.onerror = () => {
    if (es.readyState === EventSource.CONNECTING) return setState('reconnecting') // the browser retries by itself
    // Closed for good (an HTTP error): the browser will not retry, so we do.
    setState('reconnecting')
    es.close()
    if (source !== es) return
    source = null
    scheduleReopen()
  }
  const track = (e: MessageEvent) => {
    if (e.lastEventId !== '') lastId = e.lastEventId
  }
  es.addEventListener('ready', track)
  // Too much was missed to replay: every screen gets a RESET and reloads what it shows.
  es.addEventListener('reset', (e) => {
    track(e)
    const reset: AuditEventRead = { id: 0, at: new Date().toISOString(), type: RESET, user_id: null, username: null, session_id: null, ip: null, user_agent: null, detail: {} }
    for (const l of listeners) l(reset)
  })
  for (const type of AUDIT_TYPES) {
    es.addEventListener(type, (e) => {
      track(e)
      let event: AuditEventRead
      try {
        event = JSON.parse(e.data) as AuditEventRead
      } catch {
        return
      }
      for (const l of listeners) l(event)
    })
  }
}

function close(): void {
  source?.close()
  source = null
  if (reopenTimer !== null) clearTimeout(reopenTimer)
  reopenTimer = null
  setState('connecting')
}

/** Subscribes to the feed; the connection is open while anyone listens. */
export function subscribe(listener: Listener): () => void {
  listeners.add(listener)
  if (source === null && reopenTimer === null) open()
  return () => {
    listeners.delete(listener)
    if (listeners.size === 0) close()
  }
}

export function useLiveState(): LiveState {
  return useSyncExternalStore(
    (cb) => {
      stateListeners.add(cb)
      return () => stateListeners.delete(cb)
    },
    () => state,
  )
}

/**
 * Calls `onEvent` for every live event whose type is in `types` (all when null), and for RESET.
 * Bursts are coalesced: a screen that reloads on events reloads at most once per `delayMs`.
 */
export function useLiveEvents(types: readonly string[] | null, onEvent: (events: AuditEventRead[]) => void, delayMs = 150): void {
  const handler = useRef(onEvent)
  handler.current = onEvent
  const key = types === null ? '*' : types.join(',')
  useEffect(() => {
    const wanted = key === '*' ? null : new Set(key.split(','))
    let pending: AuditEventRead[] = []
    let timer: ReturnType<typeof setTimeout> | null = null
    const unsubscribe = subscribe((event) => {
      if (wanted !== null && !wanted.has(event.type) && event.type !== RESET) return
      pending.push(event)
      timer ??= setTimeout(() => {
        timer = null
        const batch = pending
        pending = []
        handler.current(batch)
      }, delayMs)
    })
    return () => {
      unsubscribe()
      if (timer !== null) clearTimeout(timer)
    }
  }, [key, delayMs])
}

/** A counter that goes up on each matching live event: put it in a loader's deps to reload. */
export function useLiveVersion(types: readonly string[] | null, delayMs?: number): number {
  const [version, setVersion] = useState(0)
  useLiveEvents(types, () => setVersion((v) => v + 1), delayMs)
  return version
}
