// 大数据实战: places and the three analyses (trajectory, collision, co-travel).
// Every analysis states a purpose and a case number: they travel as the
// X-Purpose and X-Case-No headers, percent-encoded as an RFC 8187 value
// (UTF-8''...) because a browser sends header values as Latin-1; the server
// decodes that form (HeaderText in src/http/api.cpp).
import { http } from './http'

export const ENTITY_KINDS = ['ID', 'PLATE', 'PHONE', 'PASSPORT'] as const
export type EntityKind = (typeof ENTITY_KINDS)[number]

export const PLACE_KINDS = ['hotel', 'checkpoint', 'station', 'store', 'netcafe', 'police_station', 'community'] as const
export const SOURCES = ['hotel', 'vehicle_pass', 'travel', 'dutyfree', 'netcafe'] as const

export interface Place {
  code: string
  kind: string
  name: string
  district_code: string
  district: string
  lat: number
  lon: number
  events: number
}

export interface AnalysisContext {
  purpose: string
  caseNo: string
}

export interface TrajectoryEvent {
  time: string
  place: string
  place_name: string
  place_kind: string
  district_code: string
  lat: number
  lon: number
  source: string
  record: Record<string, unknown>
  /** The PERSON record (no valid ID number) this event came from, when it was merged into the entity. */
  via?: string
}
export interface TrajectoryAnswer {
  entity: string
  events: TrajectoryEvent[]
  truncated: boolean
}

export interface CollisionWindow {
  place: string
  from: string
  to: string
}
export interface CollisionAnswer {
  windows: { place: string; place_name: string; from: string; to: string; events: number }[]
  entities: {
    ref: string
    matched: number
    evidence: { window: number; place: string; time: string; source: string }[]
  }[]
  truncated: boolean
}

export interface CotravelAnswer {
  entity: string
  occasions: number
  entities: {
    ref: string
    count: number
    evidence: { place: string; place_name: string; time: string; other_time: string; source: string; other_source: string }[]
  }[]
}

/** A header value as the server reads it: ASCII as is, anything else as UTF-8''<percent-encoded>. */
export function headerValue(v: string): string {
  const s = v.trim()
  if (/^[\x20-\x7e]*$/.test(s) && !/^utf-8''/i.test(s)) return s
  return `UTF-8''${encodeURIComponent(s)}`
}

function contextHeaders(ctx: AnalysisContext): Record<string, string> {
  return { 'X-Purpose': headerValue(ctx.purpose), 'X-Case-No': headerValue(ctx.caseNo) }
}

const A = '/api/v1/analysis'

export const listPlaces = (q: { kind?: string; q?: string; limit?: number }, signal?: AbortSignal) =>
  http.get<{ places: Place[]; total: number }>('/api/v1/places', q, { signal })

export const trajectory = (
  ctx: AnalysisContext,
  q: { entity: string; from?: string; to?: string; limit?: number },
  signal?: AbortSignal,
) => http.get<TrajectoryAnswer>(`${A}/trajectory`, { limit: 5000, ...q }, { headers: contextHeaders(ctx), signal })

export const collision = (ctx: AnalysisContext, body: { windows: CollisionWindow[]; min?: number }, signal?: AbortSignal) =>
  http.post<CollisionAnswer>(`${A}/collision`, body, { headers: contextHeaders(ctx), signal })

export const cotravel = (
  ctx: AnalysisContext,
  q: { entity: string; within?: number; min?: number; from?: string; to?: string },
  signal?: AbortSignal,
) => http.get<CotravelAnswer>(`${A}/cotravel`, q, { headers: contextHeaders(ctx), signal })

/** "KIND:VALUE" → its parts; a bare value has no kind. */
export function splitRef(ref: string): { kind: EntityKind | ''; value: string } {
  const i = ref.indexOf(':')
  if (i > 0) {
    const k = ref.slice(0, i).toUpperCase()
    if ((ENTITY_KINDS as readonly string[]).includes(k)) return { kind: k as EntityKind, value: ref.slice(i + 1) }
  }
  return { kind: '', value: ref }
}
