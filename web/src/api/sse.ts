// Server-sent events read with fetch + ReadableStream. EventSource cannot send
// the Authorization header, so this small helper does what it would: parse the
// `id:` / `event:` / `data:` / `retry:` lines, dispatch an event on each blank
// line, and reconnect after a drop with Last-Event-ID so nothing is missed.

import { ApiError, authHeaders, toApiError } from './http'

export interface StreamEvent {
  id: string
  event: string
  data: string
}

export type StreamStatus = 'connecting' | 'open' | 'closed'

export interface StreamHandlers {
  onEvent: (ev: StreamEvent) => void
  onStatus?: (s: StreamStatus) => void
  /** A fatal error (401/403/404): the stream stops and does not reconnect. */
  onError?: (e: ApiError) => void
}

export interface EventStream {
  close(): void
}

/** Incremental parser of the text/event-stream format; feed it decoded text. */
export class SseParser {
  lastEventId = ''
  retryMs: number | null = null
  private buf = ''
  private data: string[] = []
  private event = ''

  constructor(private readonly emit: (ev: StreamEvent) => void) {}

  feed(chunk: string): void {
    this.buf += chunk
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buf)
      if (!m) return
      // A lone '\r' at the end may be the first half of '\r\n': wait for more.
      if (m[0] === '\r' && m.index === this.buf.length - 1) return
      const line = this.buf.slice(0, m.index)
      this.buf = this.buf.slice(m.index + m[0].length)
      this.line(line)
    }
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch()
      return
    }
    if (line.startsWith(':')) return // comment / keep-alive
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    switch (field) {
      case 'data':
        this.data.push(value)
        break
      case 'event':
        this.event = value
        break
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value
        break
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value)
        break
    }
  }

  private dispatch(): void {
    const event = this.event || 'message'
    const data = this.data.join('\n')
    const had = this.data.length > 0
    this.data = []
    this.event = ''
    if (had) this.emit({ id: this.lastEventId, event, data })
  }
}

const DEFAULT_RETRY_MS = 3000
const MAX_RETRY_MS = 30000

export function openEventStream(path: string, handlers: StreamHandlers): EventStream {
  const ctrl = new AbortController()
  let lastEventId = ''
  let retryMs = DEFAULT_RETRY_MS
  let failures = 0
  let closed = false
  let timer: ReturnType<typeof setTimeout> | undefined

  const setStatus = (s: StreamStatus) => handlers.onStatus?.(s)

  async function connect(): Promise<void> {
    setStatus('connecting')
    const headers: Record<string, string> = { Accept: 'text/event-stream', 'Cache-Control': 'no-cache', ...authHeaders() }
    if (lastEventId) headers['Last-Event-ID'] = lastEventId
    try {
      const res = await fetch(path, { headers, signal: ctrl.signal, cache: 'no-store' })
      if (!res.ok) {
        const err = await toApiError(res)
        if ([401, 403, 404].includes(res.status)) {
          closed = true
          setStatus('closed')
          handlers.onError?.(err)
          return
        }
        throw err
      }
      if (!res.body) throw new ApiError(0, 'network_error', 'response has no body')
      setStatus('open')
      failures = 0
      const parser = new SseParser((ev) => {
        lastEventId = ev.id || lastEventId
        handlers.onEvent(ev)
      })
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        parser.feed(value)
        if (parser.retryMs !== null) retryMs = parser.retryMs
        if (parser.lastEventId) lastEventId = parser.lastEventId
      }
    } catch (e) {
      if (ctrl.signal.aborted) return
      failures++
    }
    if (closed || ctrl.signal.aborted) return
    // The server ended the stream or the network dropped: come back with Last-Event-ID.
    setStatus('connecting')
    const delay = Math.min(retryMs * Math.max(1, failures), MAX_RETRY_MS)
    timer = setTimeout(() => void connect(), delay)
  }

  void connect()
  return {
    close() {
      closed = true
      if (timer) clearTimeout(timer)
      ctrl.abort()
      setStatus('closed')
    },
  }
}
