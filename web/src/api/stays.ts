// Visa-free foreigner stays (免签外国人动态管控, docs/stays.md): the policy in
// force, the board, visitors and their stay timelines, alerts (listed,
// acknowledged, streamed live), the reminder outbox, and guest registration
// by a host in the citizen portal. Reading visitors, alerts and the outbox is
// a personal-data read: it states a purpose, sent as X-Purpose in the RFC 8187
// form the server decodes (see analysis.ts).
import { http } from './http'
import { headerValue } from './analysis'
import { openEventStream, type EventStream, type StreamHandlers } from './sse'
import type { Page } from './types'

const S = '/api/v1/registry/stays'

export const ALERT_KINDS = ['overstay', 'mainland_departure', 'no_registration', 'limit_approaching'] as const
export type AlertKind = (typeof ALERT_KINDS)[number]
export const STAY_STATUSES = ['in_hainan', 'left', 'mainland', 'unknown'] as const
export const MESSAGE_STATES = ['pending', 'delivered', 'failed', 'no_channel'] as const
export const VISITOR_FILTERS = ['in_hainan', 'alerts', 'limit_soon', 'all'] as const
export type VisitorFilter = (typeof VISITOR_FILTERS)[number]
export const RESOLUTIONS = ['registered', 'departed', 'limit_passed', 'withdrawn'] as const

export interface StayPolicy {
  name: string
  countries: { code: string; days: number }[]
  registration_hours: number
  reminder_days: number
  fine_per_day: number
  fine_cap: number
  /** Station code → airport | mainland | island. */
  ports: Record<string, string>
  international_trip: string
  /** Nationality → the language of its reminders (others: default_language). */
  languages: Record<string, string>
  default_language: string
  /** Language → the reminder's template ({name}, {last_day}, {days}). */
  texts: Record<string, string>
}

export interface StayBoard {
  ready: boolean
  /** The stay clock: "now" for every relative time on the page. */
  as_of: string
  in_hainan: number
  arrived_today: number
  left_today: number
  limit_within_days: number
  open_alerts: Partial<Record<AlertKind, number>>
  by_nationality: Record<string, number>
  messages: Partial<Record<string, number>>
  visitors: number
}

export interface VisitorSummary {
  passport: string
  name: string
  nationality: string
  entry_at: string
  deadline: string
  last_day: string
  exit_at: string | null
  status: string
  days_left: number | null
  lodging: 'hotel' | 'private' | null
  open_alerts: number
  alert_kinds: string[]
  stays: number
}

export interface StayPlace {
  code: string
  name: string
  lat?: number
  lon?: number
}

export interface StayTrip {
  at: string
  direction: 'IN' | 'OUT'
  place: StayPlace
  trip: string
  record: Record<string, unknown> | null
}

export interface StayLodging {
  kind: 'hotel' | 'private'
  from: string
  to: string | null
  registered_at: string
  place: StayPlace
  guest_registration: number | null
  record: Record<string, unknown> | null
}

export interface StayAlertInStay {
  kind: string
  raised_at: string
  resolved_at: string | null
  resolution: string
  since?: string
  hours_late?: number
  days_over?: number
  fine_cny?: number
  place?: string
  trip?: string
}

export interface Stay {
  entry_at: string
  entry_place: StayPlace
  entry_trip: string
  allowed_days: number
  deadline: string
  last_day: string
  remind_at: string
  exit_at: string | null
  exit_place: StayPlace | null
  exit_trip: string
  status: string
  /** Day N of the stay (to the exit, or to now). */
  day: number
  days_left: number | null
  trips: StayTrip[]
  lodgings: StayLodging[]
  alerts: StayAlertInStay[]
}

export interface VisitorDetail {
  passport: string
  name: string
  phone: string
  /** Newest first. */
  stays: Stay[]
}

export interface AlertDetail {
  entry_place?: string
  entry_trip?: string
  allowed_days?: number
  since?: string
  since_entry?: boolean
  hours_late?: number
  days_over?: number
  fine_cny?: number
  place?: string
  trip?: string
  exit_at?: string
  exit_place?: string
}

export interface StayAlert {
  id: number
  /** Grows with every change of the alert (raised, resolved, acknowledged). */
  seq: number
  passport: string
  name: string
  nationality: string
  kind: string
  entry_at: string
  deadline: string
  raised_at: string
  resolved_at: string | null
  resolution: string
  detail: AlertDetail | null
  acknowledged_by: string | null
  acknowledged_at: string | null
}

export interface ReminderMessage {
  id: number
  alert_id: number
  passport: string
  name: string
  phone: string
  language: string
  /** The reminder in the visitor's language: shown as is. */
  text: string
  created_at: string
  state: string
  attempts: number
  last_error: string
  delivered_at: string | null
}

export interface Guest {
  id: number
  passport: string
  name: string
  nationality: string
  phone: string
  address_code: string
  full_address: string
  host_name: string
  arrived_at: string
  departs_at: string | null
  registered_at: string
  source: string
}

export interface GuestInput {
  nationality: string
  passport_number: string
  name: string
  phone?: string
  arrived_at: string
  departs_at?: string
  address_code?: string
  address_text?: string
}

const withPurpose = (purpose: string, signal?: AbortSignal) => ({ headers: { 'X-Purpose': headerValue(purpose) }, signal })

export const stayPolicy = (signal?: AbortSignal) => http.get<StayPolicy>(`${S}/policy`, undefined, { signal })
/** The policy without a staff session (the citizen portal), for when the server offers it to everyone. */
export const publicStayPolicy = () => http.get<StayPolicy>(`${S}/policy`, undefined, { anonymous: true })
export const stayBoard = (signal?: AbortSignal) => http.get<StayBoard>(`${S}/board`, undefined, { signal })

export const listVisitors = (
  purpose: string,
  q: { status?: VisitorFilter; q?: string; offset?: number; limit?: number },
  signal?: AbortSignal,
) => http.get<Page<VisitorSummary>>(S, { ...q }, withPurpose(purpose, signal))

/** One visitor's stays; the passport ("PASSPORT:RUS/123") goes URL-encoded in the path. */
export const getVisitor = (purpose: string, passport: string, signal?: AbortSignal) =>
  http.get<VisitorDetail>(`${S}/visitor/${encodeURIComponent(passport)}`, undefined, withPurpose(purpose, signal))

export const listStayAlerts = (
  purpose: string,
  q: { open?: boolean; kind?: string; passport?: string; limit?: number } = {},
  signal?: AbortSignal,
) => http.get<Page<StayAlert>>(`${S}/alerts`, { ...q, open: q.open ? 1 : undefined }, withPurpose(purpose, signal))

export const acknowledgeStayAlert = (id: number) => http.post<StayAlert>(`${S}/alerts/${id}/acknowledge`)

export const listOutbox = (purpose: string, q: { state?: string; limit?: number } = {}, signal?: AbortSignal) =>
  http.get<Page<ReminderMessage>>(`${S}/outbox`, { ...q }, withPurpose(purpose, signal))

export const retryMessage = (id: number) => http.post<ReminderMessage>(`${S}/outbox/${id}/retry`)

/** New, resolved and acknowledged stay alerts as they happen (same id, higher seq). */
export function streamStayAlerts(onAlert: (a: StayAlert) => void, handlers: Omit<StreamHandlers, 'onEvent'> = {}): EventStream {
  return openEventStream(`${S}/alerts/stream`, {
    ...handlers,
    onEvent(ev) {
      if (ev.event !== 'stay_alert') return
      try {
        onAlert(JSON.parse(ev.data) as StayAlert)
      } catch {
        // a malformed event is skipped
      }
    },
  })
}

// ---- the citizen portal: a host registers a foreign guest (citizen token, never the staff session).
const citizen = (token: string) => ({ anonymous: true, headers: { Authorization: `Bearer ${token}` } })

export const myGuests = (token: string) =>
  http.get<Page<Guest> & { rooms: { code: string; full_address: string }[] }>('/api/v1/citizen/guests', undefined, citizen(token))

export const registerGuest = (token: string, body: GuestInput) => http.post<Guest>('/api/v1/citizen/guests', body, citizen(token))
