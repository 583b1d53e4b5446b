// 布控预警: watchlist entries (request, approve, reject, revoke), alerts
// (list, acknowledge, live stream) and the duty-free rings analysis.
import { http } from './http'
import { openEventStream, type EventStream, type StreamHandlers } from './sse'
import { headerValue, type AnalysisContext } from './analysis'

export const WATCH_STATUSES = ['pending', 'active', 'expired', 'rejected', 'revoked'] as const
export type WatchStatus = (typeof WATCH_STATUSES)[number]

export interface WatchEntry {
  id: number
  entity: string
  reason: string
  legal_basis: string
  requested_by: string
  requested_at: string
  expires_at: string
  status: WatchStatus
  decided_by: string | null
  decided_at: string | null
  decision_note: string
  revoked_by: string | null
  revoked_at: string | null
  alerts: number
}

export interface WatchAlert {
  id: number
  entry_id: number
  entity: string
  via: string | null
  officer: string
  raised_at: string
  event_time: string
  place: string
  place_name: string
  district_code: string
  lat: number
  lon: number
  source: string
  record: Record<string, string>
  acknowledged_by: string | null
  acknowledged_at: string | null
}

export interface WatchRequest {
  entity: string
  reason: string
  legal_basis: string
  expires_at: string
}

const W = '/api/v1/watchlist'

export const listWatch = (q: { status?: string; mine?: string } = {}) =>
  http.get<{ items: WatchEntry[]; active_entries: number }>(W, q)
export const requestWatch = (body: WatchRequest) => http.post<WatchEntry>(W, body)
export const approveWatch = (id: number, note = '') => http.post<WatchEntry>(`${W}/${id}/approve`, { note })
export const rejectWatch = (id: number, note = '') => http.post<WatchEntry>(`${W}/${id}/reject`, { note })
export const revokeWatch = (id: number, note = '') => http.post<WatchEntry>(`${W}/${id}/revoke`, { note })

export const listAlerts = (q: { unacknowledged?: string; limit?: number; entry?: number; mine?: string } = {}) =>
  http.get<{ items: WatchAlert[]; unacknowledged: number }>('/api/v1/alerts', q)
export const acknowledgeAlert = (id: number) => http.post<WatchAlert>(`/api/v1/alerts/${id}/acknowledge`)

/** Live alerts for the signed-in officer (commanders: everyone's). */
export function streamAlerts(onAlert: (a: WatchAlert) => void, handlers: Omit<StreamHandlers, 'onEvent'> = {}): EventStream {
  return openEventStream('/api/v1/alerts/stream', {
    ...handlers,
    onEvent(ev) {
      if (ev.event !== 'alert') return
      try {
        onAlert(JSON.parse(ev.data) as WatchAlert)
      } catch {
        // a malformed event is skipped
      }
    },
  })
}

export interface RingMember {
  ref: string
  name: string
  purchases: number
  total_cny: number
  year_total_cny: number
}
export interface RingEvidence {
  buyer: string
  name: string
  phone: string
  store: string
  pickup_place: string
  time: string
  amount_cny: number
}
export interface Ring {
  key: string
  shared_phone: string | null
  store: string
  store_name: string
  pickup_places: string[]
  members: RingMember[]
  member_count: number
  purchases: number
  total_cny: number
  near_quota_share: number
  first: string
  last: string
  score: number
  reasons: string[]
  evidence: RingEvidence[]
}
export interface RingsAnswer {
  purchases: number
  stores: number
  rings: Ring[]
}

export const dutyfreeRings = (
  ctx: AnalysisContext,
  q: { from?: string; to?: string; min_members?: number; window_hours?: number } = {},
  signal?: AbortSignal,
) =>
  http.get<RingsAnswer>('/api/v1/analysis/dutyfree-rings', q, {
    headers: { 'X-Purpose': headerValue(ctx.purpose), 'X-Case-No': headerValue(ctx.caseNo) },
    signal,
  })
