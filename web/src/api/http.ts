// The one HTTP wrapper of the web app. Every call to the server goes through
// request(): it adds the bearer token and the X-Purpose header, parses the
// server's error shape {"error": {"code", "message"}} into an ApiError, and
// when the session is gone (401 unauthenticated / session_expired) it asks the
// app to clear the session and return to /login.

export class ApiError extends Error {
  readonly status: number
  readonly code: string

  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  query?: Query
  body?: unknown
  /** Stated purpose of a personal-data read; sent as X-Purpose. */
  purpose?: string
  signal?: AbortSignal
  headers?: Record<string, string>
  /** A public endpoint: send no bearer token, and a 401 is not a lost session. */
  anonymous?: boolean
  /** A file sent as the raw body, with its own type as Content-Type (uploads). */
  file?: Blob
}

interface HttpHooks {
  getToken: () => string | null
  onSessionLost: (code: string) => void
}

let hooks: HttpHooks = { getToken: () => null, onSessionLost: () => {} }

/** Wired once in main.ts so that this module knows neither the store nor the router. */
export function configureHttp(h: HttpHooks): void {
  hooks = h
}

/** Codes of a 401 that mean "your session is gone" rather than "wrong password". */
const SESSION_LOST = new Set(['unauthenticated', 'session_expired'])

export function buildUrl(path: string, query?: Query): string {
  if (!query) return path
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue
    qs.set(k, String(v))
  }
  const s = qs.toString()
  return s ? `${path}?${s}` : path
}

export function authHeaders(purpose?: string): Record<string, string> {
  const h: Record<string, string> = {}
  const token = hooks.getToken()
  if (token) h['Authorization'] = `Bearer ${token}`
  if (purpose) h['X-Purpose'] = purpose
  return h
}

/** Turns a failed response into an ApiError, and reports a lost session. */
export async function toApiError(res: Response, reportLost = true): Promise<ApiError> {
  let code = `http_${res.status}`
  let message = res.statusText || `HTTP ${res.status}`
  try {
    const body = await res.json()
    if (body && typeof body === 'object' && body.error && typeof body.error.code === 'string') {
      code = body.error.code
      message = typeof body.error.message === 'string' ? body.error.message : message
    }
  } catch {
    // not JSON (a proxy error page, for instance): keep the status text
  }
  const err = new ApiError(res.status, code, message)
  if (reportLost && res.status === 401 && SESSION_LOST.has(code) && hooks.getToken()) hooks.onSessionLost(code)
  return err
}

async function send(path: string, opts: RequestOptions, accept: string): Promise<Response> {
  const auth = opts.anonymous ? {} : authHeaders(opts.purpose)
  const headers: Record<string, string> = { Accept: accept, ...auth, ...opts.headers }
  let body: BodyInit | undefined
  if (opts.file !== undefined) {
    headers['Content-Type'] = opts.file.type || 'application/octet-stream'
    body = opts.file
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  let res: Response
  try {
    res = await fetch(buildUrl(path, opts.query), { method: opts.method ?? 'GET', headers, body, signal: opts.signal })
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e
    throw new ApiError(0, 'network_error', e instanceof Error ? e.message : String(e))
  }
  if (!res.ok) throw await toApiError(res, !opts.anonymous)
  return res
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts, 'application/json')
  if (res.status === 204) return undefined as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

/** A file answer (CSV export, for one) with the file name the server suggests. */
export interface FileAnswer {
  blob: Blob
  filename: string
}

export async function requestFile(path: string, opts: RequestOptions = {}, accept = '*/*'): Promise<FileAnswer> {
  const res = await send(path, opts, accept)
  const cd = res.headers.get('Content-Disposition') ?? ''
  const m = /filename\*=UTF-8''([^;]+)/i.exec(cd) ?? /filename="?([^";]+)"?/i.exec(cd)
  let filename = 'download'
  if (m) {
    try {
      filename = decodeURIComponent(m[1])
    } catch {
      filename = m[1]
    }
  }
  return { blob: await res.blob(), filename }
}

/** Hands a blob to the browser as a download. */
export function saveFile(f: FileAnswer, fallbackName?: string): void {
  const url = URL.createObjectURL(f.blob)
  const a = document.createElement('a')
  a.href = url
  a.download = f.filename !== 'download' || !fallbackName ? f.filename : fallbackName
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

export const http = {
  get: <T>(path: string, query?: Query, opts: RequestOptions = {}) => request<T>(path, { ...opts, method: 'GET', query }),
  post: <T>(path: string, body?: unknown, opts: RequestOptions = {}) => request<T>(path, { ...opts, method: 'POST', body }),
  patch: <T>(path: string, body?: unknown, opts: RequestOptions = {}) => request<T>(path, { ...opts, method: 'PATCH', body }),
  file: (path: string, query?: Query, opts: RequestOptions = {}) => requestFile(path, { ...opts, method: 'GET', query }),
}
