// 智慧监管 (custody supervision, docs/custody.md): the bureau's custody
// facilities (看守所, 拘留所, 戒毒所) with their rooms, the people held under a
// legal basis with the release due time the law sets, extensions with their
// approvers, releases, daily events (roll calls, patrol checks, medical
// checks, visits, lawyers, transfers) and the alerts computed from them.
// Reading needs custody.read; detainees and alerts are personal data: they
// state a purpose (X-Purpose, in the RFC 8187 form the server decodes) and
// every read is audited. Writing needs custody.write.
import { http } from './http'
import { headerValue } from './analysis'

const C = '/api/v1/custody'

export const FACILITY_KINDS = ['detention_center', 'detention_house', 'rehab_center'] as const
export type FacilityKind = (typeof FACILITY_KINDS)[number]

export const BASES = ['criminal_detention', 'arrest', 'administrative_detention', 'compulsory_isolation'] as const
export type Basis = (typeof BASES)[number]

/** The facility kind that holds each basis (the server refuses others: wrong_facility). */
export const FACILITY_OF: Record<Basis, FacilityKind> = {
  criminal_detention: 'detention_center',
  arrest: 'detention_center',
  administrative_detention: 'detention_house',
  compulsory_isolation: 'rehab_center',
}

export const EVENT_KINDS = ['roll_call', 'patrol', 'medical', 'visit', 'lawyer_request', 'lawyer_meeting', 'transfer'] as const
export type EventKind = (typeof EVENT_KINDS)[number]
/** Kinds recorded for one person (the server: detainee_required); roll calls and patrols are a room's. */
export const PERSON_EVENT_KINDS: readonly string[] = ['medical', 'visit', 'lawyer_request', 'lawyer_meeting', 'transfer']

export const ALERT_KINDS = ['overdue', 'headcount_mismatch', 'due_soon', 'missed_patrol', 'lawyer_not_arranged', 'no_admission_medical'] as const
export type AlertKind = (typeof ALERT_KINDS)[number]
export type Severity = 'critical' | 'high' | 'medium'

/**
 * Extension reasons a criminal detention knows (the server checks them: to 7
 * days for complex, to 30 for roving, repeated or gang crimes, 7 more while the
 * procuratorate reviews the arrest). The other bases take a reason the server
 * does not check; the page offers the law's grounds as codes of its own.
 */
export const EXTENSION_REASONS: Record<Basis, readonly string[]> = {
  criminal_detention: ['complex', 'roving', 'repeated', 'gang', 'procuratorate_review'],
  arrest: ['major_complex', 'remote_area', 'criminal_group', 'roving_major', 'wide_evidence', 'ten_years'],
  administrative_detention: ['new_decision'],
  compulsory_isolation: ['not_recovered'],
}

/** Release reasons the page offers for each basis (the server stores any text: `other` sends the officer's words). */
export const RELEASE_REASONS: Record<Basis, readonly string[]> = {
  criminal_detention: ['bail', 'residential_surveillance', 'arrest_not_approved', 'case_withdrawn', 'term_served', 'other'],
  arrest: ['bail', 'residential_surveillance', 'case_withdrawn', 'term_served', 'other'],
  administrative_detention: ['term_served', 'decision_revoked', 'other'],
  compulsory_isolation: ['recovered', 'decision_revoked', 'other'],
}

export interface Room {
  room: string
  capacity: number
  occupants: number
}

export interface Facility {
  code: string
  name: string
  kind: FacilityKind | string
  district_code: string
  rooms: Room[]
  capacity: number
  occupants: number
}

export interface ExtensionRecord {
  id: number
  days: number
  reason: string
  approved_by: string
  approval_no: string
  created_at: string
  created_by: string
}

export interface CustodyEvent {
  id: number
  facility_code: string
  room: string
  /** 0: a room's event (roll call, patrol check). */
  detainee_id: number
  kind: EventKind | string
  at: string
  count: number | null
  note: string
  recorded_by: string
}

export interface Detainee {
  id: number
  facility_code: string
  room: string
  /** "ID:…" */
  person: string
  name: string
  case_no: string
  basis: Basis | string
  decision_days: number
  base_days: number
  admitted_at: string
  due_at: string
  /** To due_at as of the server's clock (negative: overdue; released: at the release). */
  hours_left: number
  overdue: boolean
  released_at: string | null
  release_reason: string
  over_capacity_reason: string
  admitted_by: string
  extensions: ExtensionRecord[]
  /** Only on GET /detainees/{id}: the person's own events, newest first. */
  events?: CustodyEvent[]
}

/** What an alert names; which keys are present depends on its kind. */
export interface AlertDetail {
  name?: string
  person?: string
  basis?: string
  due_at?: string
  hours_left?: number
  case_no?: string
  requested_at?: string
  counted?: number
  held?: number
  last_patrol?: string | null
  minutes?: number
  interval_minutes?: number
}

export interface CustodyAlert {
  kind: AlertKind | string
  severity: Severity | string
  facility_code: string
  room: string
  since: string
  /** 0: a room's alert. */
  detainee_id: number
  detail: AlertDetail | null
}

export interface AlertList {
  alerts: CustodyAlert[]
  by_kind: Partial<Record<AlertKind, number>>
  as_of: string
}

export interface Admission {
  facility_code: string
  room: string
  id_number: string
  case_no: string
  basis: string
  decision_days?: number
  admitted_at?: string
  over_capacity_reason?: string
}

export interface EventInput {
  kind: string
  facility_code?: string
  room?: string
  detainee_id?: number
  at?: string
  count?: number
  note?: string
}

const purposeHeader = (purpose: string) => ({ 'X-Purpose': headerValue(purpose) })

export const listFacilities = (signal?: AbortSignal) => http.get<{ facilities: Facility[] }>(`${C}/facilities`, undefined, { signal })

export const getFacility = (code: string, signal?: AbortSignal) => http.get<Facility>(`${C}/facilities/${encodeURIComponent(code)}`, undefined, { signal })

export const listAlerts = (purpose: string, facility?: string, signal?: AbortSignal) =>
  http.get<AlertList>(`${C}/alerts`, { facility }, { headers: purposeHeader(purpose), signal })

export const listDetainees = (purpose: string, q: { facility?: string; status?: 'held' | 'all' }, signal?: AbortSignal) =>
  http.get<{ detainees: Detainee[]; as_of: string }>(`${C}/detainees`, { ...q }, { headers: purposeHeader(purpose), signal })

export const getDetainee = (id: number | string, purpose: string, signal?: AbortSignal) =>
  http.get<Detainee>(`${C}/detainees/${id}`, undefined, { headers: purposeHeader(purpose), signal })

export const listEvents = (q: { facility?: string; limit?: number }, signal?: AbortSignal) =>
  http.get<{ events: CustodyEvent[] }>(`${C}/events`, { ...q }, { signal })

export const admit = (a: Admission) => http.post<Detainee>(`${C}/detainees`, a)

export const extend = (id: number, e: { days: number; reason: string; approved_by: string; approval_no: string }) =>
  http.post<Detainee>(`${C}/detainees/${id}/extensions`, e)

export const release = (id: number, r: { reason: string; released_at?: string }) => http.post<Detainee>(`${C}/detainees/${id}/release`, r)

export const recordEvent = (e: EventInput) => http.post<CustodyEvent>(`${C}/events`, e)
