// Command and dispatch (docs/api.md "Dispatch"): one typed function per endpoint.
import { http } from './http'
import { openEventStream, type EventStream, type StreamHandlers } from './sse'
import type { Page } from './types'

export interface Timer {
  step: 'acknowledge' | 'arrival' | 'feedback'
  started_at: string
  due_at: string
  met_at: string | null
  overdue: boolean
  remaining_s: number | null
}

export interface AssignmentView {
  unit_id: number
  call_sign: string
  type: string
  state: string
  since: string
  at: Record<string, string>
}

export interface Incident {
  id: number
  received_at: string
  rang_at: string | null
  caller_phone: string
  has_caller_phone: boolean
  lat: number
  lon: number
  address: string
  district_code: string
  category: string
  priority: number
  narrative: string
  area: 'urban' | 'suburban'
  status: string
  feedback: string
  dispatched_at: string | null
  acknowledged_at: string | null
  arrived_at: string | null
  feedback_at: string | null
  closed_at: string | null
  disposition: string | null
  timers: Timer[]
  overdue: string[]
  escalations: string[]
  assignments: AssignmentView[]
  last_seq: number
  /** The registry's standard address for the address text, or null. */
  standard_address?: StandardAddress | null
}

/** The community officer responsible for a standard address's community. */
export interface CommunityOfficer {
  name: string
  police_number: string
  phone: string
  station_code: string
}

/** A caller's address resolved against the registry (docs/registry.md "Links into the rest"). */
export interface StandardAddress {
  matched?: boolean
  code: string
  level: string
  full_name: string
  score: number
  lat: number | null
  lon: number | null
  district_code: string
  community_code: string
  community: string
  officer: CommunityOfficer | null
}

export interface AddressCandidate {
  code: string
  full_name: string
  level: string
  score: number
  lat: number | null
  lon: number | null
}

export type AddressLookup =
  | (StandardAddress & { matched: true; candidates: AddressCandidate[] })
  | { matched: false; candidates: AddressCandidate[] }

export interface Unit {
  id: number
  call_sign: string
  type: string
  station: string
  capabilities: string[]
  availability: string
  status: string
  current_incident: number | null
  current_state: string | null
  lat: number
  lon: number
  position_at: string
  position_age_s: number
  stale: boolean
  /** Who crews the car now, from the roster (队伍管理); null when its station keeps no roster. */
  crew?: { police_no: string; name: string }[] | null
  /** The station keeps a roster and nobody crews the car now: it is not recommended. */
  off_roster?: boolean
}

export interface Recommendation {
  unit_id: number
  call_sign: string
  type: string
  station: string
  distance_m: number
  eta_s: number
  position_age_s: number
  stale: boolean
  reason: string
}

export interface TimelineEvent {
  seq: number
  at: string
  actor: string
  kind: string
  incident_id: number | null
  unit_id: number | null
  data: Record<string, unknown>
}

export interface Codes {
  categories: { code: string; name: string; unit_types: string[] }[]
  unit_types: { code: string; name: string; speed_kmh: number }[]
  dispositions: { code: string; name: string }[]
  districts: { code: string; name: string }[]
  stale_after_s: number
  reference: { answer_s: number; dispatch_s: number; share: number }
}

export interface NewIncident {
  category: string
  priority: number
  district_code: string
  lat: number
  lon: number
  address?: string
  narrative?: string
  caller_phone?: string
}

export interface KpiMetric {
  count: number
  median_s: number | null
  p90_s: number | null
  within_target: number | null
}

export interface KpiReport {
  group_by: string
  groups: { key: string; incidents: number; metrics: Record<string, KpiMetric> }[]
  reference: { answer_s: number; dispatch_s: number; share: number }
}

const D = '/api/v1/dispatch'

export const getCodes = () => http.get<Codes>(`${D}/codes`)
export const listIncidents = (status: 'open' | 'closed' | 'all' = 'open') => http.get<Page<Incident>>(`${D}/incidents`, { status })
export const getIncident = (id: number) => http.get<Incident>(`${D}/incidents/${id}`)
export const lookupAddress = (q: string) => http.get<AddressLookup>(`${D}/address`, { q })
export const createIncident = (body: NewIncident) => http.post<Incident>(`${D}/incidents`, body)
export const getCaller = (id: number, purpose: string) =>
  http.get<{ incident_id: number; caller_phone: string }>(`${D}/incidents/${id}/caller`, undefined, {
    purpose: `UTF-8''${encodeURIComponent(purpose)}`,
  })
export const getTimeline = (id: number) => http.get<Page<TimelineEvent>>(`${D}/incidents/${id}/timeline`)
export const getRecommendations = (id: number, limit = 8) =>
  http.get<Page<Recommendation>>(`${D}/incidents/${id}/recommendations`, { limit })
export const assignUnit = (id: number, unitId: number, state: 'assigned' | 'reserved' = 'assigned') =>
  http.post<Incident>(`${D}/incidents/${id}/assignments`, { unit_id: unitId, state })
export const setAssignment = (id: number, unitId: number, state: string) =>
  http.post<Incident>(`${D}/incidents/${id}/assignments/${unitId}`, { state })
export const giveFeedback = (id: number, text: string) => http.post<Incident>(`${D}/incidents/${id}/feedback`, { text })
export const closeIncident = (id: number, disposition: string) =>
  http.post<Incident>(`${D}/incidents/${id}/close`, { disposition })
export const listUnits = () => http.get<Page<Unit>>(`${D}/units`)
export const setAvailability = (id: number, availability: string) =>
  http.post<Unit>(`${D}/units/${id}/availability`, { availability })
export const getKpis = (group_by: string) => http.get<KpiReport>(`${D}/kpis`, { group_by })

/** Live timeline events, one `dispatch` event per change. */
export function streamDispatch(onEvent: (e: TimelineEvent) => void, handlers: Omit<StreamHandlers, 'onEvent'> = {}): EventStream {
  return openEventStream(`${D}/stream`, {
    ...handlers,
    onEvent(ev) {
      if (ev.event !== 'dispatch' && ev.event !== 'reset') return
      try {
        onEvent(ev.event === 'reset' ? ({ kind: 'reset' } as TimelineEvent) : (JSON.parse(ev.data) as TimelineEvent))
      } catch {
        // a malformed event is skipped
      }
    },
  })
}
