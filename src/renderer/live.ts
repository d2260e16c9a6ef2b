// The live feed: one stream of /api/v1/admin/events for the whole console, shared by every screen,
// read with fetch (an EventSource cannot send the Bearer token; the console has no cookie for it)
// and parsed by eventsource-parser. It resumes where it left off after a drop or a server restart:
// each reconnect sends the last event id seen as Last-Event-ID, after the server's retry delay. A
// 401 is refreshed by api.ts once; one that a refresh does not cure signs the console out.

import { createParser } from 'eventsource-parser'
import type { EventSourceMessage } from 'eventsource-parser'
import { useEffect, useRef, useState, useSyncExternalStore } from 'react'
import type { AuditEventRead } from '../shared/api-types.ts'
import { AUDIT_TYPES } from '../shared/audit-types.ts'
import { api, signedOut } from './api.ts'

export type LiveState = 'connecting' | 'live' | 'reconnecting'
type Listener = (event: AuditEventRead) => void

/** Until the server says otherwise (its `retry:` field), as an EventSource waits. */
const DEFAULT_RETRY_MS = 2_000
/** A stream whose events grow past this is broken: dropped and reopened (the server's replay is ~1 MB at most). */
const MAX_BUFFER_CHARS = 4 * 1024 * 1024
/** The type of the event every subscriber gets when the server could not replay what was missed. */
export const RESET = 'reset'
const AUDIT = new Set<string>(AUDIT_TYPES)

const listeners = new Set<Listener>()
const stateListeners = new Set<() => void>()
let state: LiveState = 'connecting'
/** The running connection loop's abort switch; null while the feed is closed. */
let running: AbortController | null = null
let lastId: string | null = null
let retryMs = DEFAULT_RETRY_MS

function setState(next: LiveState): void {
  if (state === next) return
  state = next
  for (const l of stateListeners) l()
}

function emit(event: AuditEventRead): void {
  for (const l of listeners) l(event)
}

function dispatch(message: EventSourceMessage): void {
  if (message.id !== undefined) lastId = message.id
  if (message.event === RESET) {
    // Too much was missed to replay: every screen gets a RESET and reloads what it shows.
    return emit({ id: 0, at: new Date().toISOString(), type: RESET, user_id: null, username: null, session_id: null, ip: null, user_agent: null, detail: {} })
  }
  if (message.event === undefined || !AUDIT.has(message.event)) return // `ready`, and anything unknown
  try {
    emit(JSON.parse(message.data) as AuditEventRead)
  } catch {
    // not an event this console can show
  }
}

const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
  })

/** Reads one stream until it ends; throws on a dropped connection. */
async function read(body: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<void> {
  const parser = createParser({ onEvent: dispatch, onRetry: (ms) => (retryMs = ms), maxBufferSize: MAX_BUFFER_CHARS })
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const cancel = () => void reader.cancel().catch(() => {})
  signal.addEventListener('abort', cancel, { once: true })
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      parser.feed(decoder.decode(value, { stream: true }))
    }
  } finally {
    signal.removeEventListener('abort', cancel)
  }
}

/** Connects, reads, and reconnects after every end or failure, until the feed is closed. */
async function run(signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const res = await api.events(lastId, signal)
      if (res.status === 401) return signedOut() // api.ts already tried a refresh: the session is gone
      if (res.ok && res.body !== null) {
        setState('live')
        await read(res.body, signal)
      } else await res.body?.cancel()
    } catch {
      // the server is unreachable or the connection dropped: try again, as an EventSource would
    }
    if (signal.aborted) return
    setState('reconnecting')
    await pause(retryMs, signal)
  }
}

function open(): void {
  const controller = new AbortController()
  running = controller
  void run(controller.signal).finally(() => {
    if (running === controller) running = null
  })
}

function close(): void {
  running?.abort()
  running = null
  setState('connecting')
}

/** Subscribes to the feed; the connection is open while anyone listens. */
export function subscribe(listener: Listener): () => void {
  listeners.add(listener)
  if (running === null) open()
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
