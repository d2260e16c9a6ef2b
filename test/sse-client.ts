// A small server-sent events reader for tests: parses the stream as the WHATWG spec says (events
// may split across chunks, lines end in \n, \r\n or \r), queues events, counts comments, and is
// aborted when the test ends so nothing keeps the runner waiting.

import type { TestContext } from 'node:test'
import { parseBody } from './helpers.ts'

export interface SseEvent {
  /** The `event:` field; "message" when absent. */
  readonly event: string
  readonly data: string
  /** The `id:` field of this event, or null when it carried none. */
  readonly id: string | null
}

export interface SseStream {
  readonly status: number
  readonly headers: Headers
  /** Every event received so far, in order. */
  readonly received: readonly SseEvent[]
  /** What an EventSource would send as Last-Event-ID on reconnecting: the last `id:` field seen ("" if none). */
  readonly lastEventId: string
  /** Comment lines received so far (`: ping` heartbeats), without the colon. */
  readonly comments: readonly string[]
  /** True once the server ended the stream (or it was aborted). */
  readonly ended: boolean
  /** Resolves when the stream ends, however it ends. */
  readonly done: Promise<void>
  /** Resolves when the stream ends; rejects if it is still open after `timeoutMs`. */
  endsWithin(timeoutMs: number): Promise<void>
  /** The next event not yet taken; rejects when none comes within `timeoutMs` or the stream ends first. */
  next(timeoutMs?: number): Promise<SseEvent>
  /** Takes events until one matches; the skipped ones are returned with it. */
  until(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<{ event: SseEvent; skipped: SseEvent[] }>
  /** Resolves when the comment count reaches `count`. */
  commentCount(count: number, timeoutMs?: number): Promise<void>
  /** Events received but not yet taken with next(). */
  pending(): SseEvent[]
  close(): void
}

export interface SseRefusal {
  readonly status: number
  readonly headers: Headers
  readonly body: unknown
}

/** Parses SSE text incrementally; feed it chunks, it calls `onEvent` / `onComment`. */
export function createSseParser(onEvent: (e: SseEvent) => void, onComment: (text: string) => void) {
  let buffer = ''
  let data: string[] = []
  let event = ''
  let id: string | null = null
  // The spec's "last event ID buffer": unlike the fields above it is not reset after an event.
  let lastEventId = ''
  let sawCarriageReturn = false

  function line(text: string): void {
    if (text === '') {
      if (data.length > 0) onEvent({ event: event === '' ? 'message' : event, data: data.join('\n'), id })
      data = []
      event = ''
      id = null
      return
    }
    if (text.startsWith(':')) return onComment(text.slice(1).trimStart())
    const colon = text.indexOf(':')
    const name = colon < 0 ? text : text.slice(0, colon)
    let value = colon < 0 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (name === 'data') data.push(value)
    else if (name === 'event') event = value
    else if (name === 'id' && !value.includes('\u0000')) {
      id = value
      lastEventId = value
    }
    // `retry` and unknown fields are ignored here
  }

  return {
    lastEventId: (): string => lastEventId,
    feed(chunk: string): void {
      let text = chunk
      // A \r\n split across two chunks: the \n belongs to the \r already taken as a line end.
      if (sawCarriageReturn && text.startsWith('\n')) text = text.slice(1)
      sawCarriageReturn = false
      buffer += text
      for (;;) {
        const m = /\r\n|\r|\n/.exec(buffer)
        if (m === null) break
        if (m[0] === '\r' && m.index === buffer.length - 1) {
          // may be the first half of \r\n: take the line now, drop a following \n
          sawCarriageReturn = true
        }
        line(buffer.slice(0, m.index))
        buffer = buffer.slice(m.index + m[0].length)
      }
    },
  }
}

const DEFAULT_TIMEOUT_MS = 2_000

/**
 * Opens `url` as an event stream. A 200 text/event-stream answer gives a stream; anything else
 * gives the refusal with its parsed JSON body. The request is aborted when the test ends.
 */
export async function openSse(
  t: Pick<TestContext, 'after'>,
  url: string,
  headers: Record<string, string> = {},
): Promise<SseStream | SseRefusal> {
  const controller = new AbortController()
  t.after(() => controller.abort())
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal })
  if (res.status !== 200 || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    return { status: res.status, headers: res.headers, body: parseBody(await res.text()) }
  }

  const received: SseEvent[] = []
  const comments: string[] = []
  let taken = 0
  let ended = false
  const wake = new Set<() => void>()
  const notify = () => {
    for (const fn of [...wake]) fn()
  }
  const parser = createSseParser(
    (e) => {
      received.push(e)
      notify()
    },
    (c) => {
      comments.push(c)
      notify()
    },
  )

  const done = (async () => {
    const body = res.body
    if (body === null) return
    const reader = body.pipeThrough(new TextDecoderStream()).getReader()
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        parser.feed(value)
      }
    } catch {
      // aborted by close() or at the end of the test
    } finally {
      ended = true
      notify()
    }
  })()

  /** Waits until `ready()` returns a value, the stream ends, or the time is up. */
  function waitFor<T>(ready: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = ready()
        if (value !== undefined) {
          finish()
          resolve(value)
        } else if (ended) {
          finish()
          reject(new Error(`stream ended while waiting for ${what}; received ${JSON.stringify(received.slice(taken))}`))
        }
      }
      const timer = setTimeout(() => {
        finish()
        reject(new Error(`no ${what} within ${timeoutMs} ms; pending ${JSON.stringify(received.slice(taken))}`))
      }, timeoutMs)
      const finish = () => {
        clearTimeout(timer)
        wake.delete(check)
      }
      wake.add(check)
      check()
    })
  }

  const stream: SseStream = {
    status: res.status,
    headers: res.headers,
    received,
    get lastEventId() {
      return parser.lastEventId()
    },
    comments,
    get ended() {
      return ended
    },
    done,
    endsWithin(timeoutMs) {
      return waitFor(() => (ended ? true : undefined), 'end of stream', timeoutMs).then(() => undefined)
    },
    next(timeoutMs = DEFAULT_TIMEOUT_MS) {
      return waitFor(() => (taken < received.length ? received[taken++] : undefined), 'event', timeoutMs)
    },
    async until(match, timeoutMs = DEFAULT_TIMEOUT_MS) {
      const skipped: SseEvent[] = []
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const e = await stream.next(Math.max(1, deadline - Date.now()))
        if (match(e)) return { event: e, skipped }
        skipped.push(e)
      }
    },
    commentCount(count, timeoutMs = DEFAULT_TIMEOUT_MS) {
      return waitFor(() => (comments.length >= count ? true : undefined), `${count} comments`, timeoutMs).then(() => undefined)
    },
    pending: () => received.slice(taken),
    close: () => controller.abort(),
  }
  return stream
}

/** Narrows openSse's answer to a stream, failing with the refusal otherwise. */
export function isStream(r: SseStream | SseRefusal): r is SseStream {
  return 'next' in r
}

/** Opens a stream that must be accepted. */
export async function mustOpen(t: Pick<TestContext, 'after'>, url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const r = await openSse(t, url, headers)
  if (!isStream(r)) throw new Error(`stream refused: ${r.status} ${JSON.stringify(r.body)}`)
  return r
}

/** An event's data as JSON. */
export function dataOf(e: SseEvent): Record<string, unknown> {
  return JSON.parse(e.data) as Record<string, unknown>
}

/** Polls `check` until it is true; fails after `timeoutMs`. For state the test cannot await directly. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
