// 矛盾纠纷排查化解 (docs/grassroots.md §2): the disputes a station takes in,
// the Fengqiao way. A dispute comes from a dispatch incident of category
// dispute, a walk-in, a community report or a tip's triage; it is mediated
// (agreement, partial, failed), followed up, escalated to a case or closed
// unresolved. A new dispute with a party or an address seen within six months
// is a repeat and flagged for the station. Lists carry no party names; the
// dispute itself (its parties) is personal data: read with a purpose
// (X-Purpose, audited). Reading needs grassroots.read, writing grassroots.write.
import { http } from './http'
import { headerValue } from './analysis'
import type { Page } from './types'

const G = '/api/v1/grassroots'

export const DISPUTE_KINDS = ['neighbour', 'family', 'labour', 'property', 'traffic', 'land', 'other'] as const
export type DisputeKind = (typeof DISPUTE_KINDS)[number]
export const RISKS = ['low', 'medium', 'high'] as const
export type Risk = (typeof RISKS)[number]
/** The sources an officer records; `tip` is made by a tip's triage only. */
export const SOURCES = ['incident', 'walk_in', 'community'] as const
export const ALL_SOURCES = ['incident', 'walk_in', 'community', 'tip'] as const
export const STATUSES = ['open', 'mediating', 'resolved', 'escalated', 'closed_unresolved'] as const
export type DisputeStatus = (typeof STATUSES)[number]
export const OUTCOMES = ['agreement', 'partial', 'failed'] as const
export type Outcome = (typeof OUTCOMES)[number]
export const ROLES = ['applicant', 'respondent'] as const
export type PartyRole = (typeof ROLES)[number]
export const FOLLOWUP_RESULTS = ['stable', 'recurring'] as const
export type FollowupResult = (typeof FOLLOWUP_RESULTS)[number]
/** The model stations' titles (枫桥式公安派出所). */
export type ModelTitle = 'national' | 'provincial' | ''

export interface DisputeSummary {
  id: number
  station_code: string
  station_name: string
  source: string
  incident_id: number | null
  tip_id: number | null
  kind: DisputeKind | string
  risk: Risk | string
  address: string
  address_code: string
  summary: string
  reported_at: string
  status: DisputeStatus | string
  /** The latest earlier dispute this one repeats, or null. */
  repeat_of: number | null
  /** `same_party` or `same_address` ("" when not a repeat). */
  repeat_reason: string
  flagged: boolean
  parties_count: number
  case_no: string
  next_followup: string | null
  created_by: string
}

export interface Party {
  name: string
  id_number?: string
  phone?: string
  role: PartyRole | string
}

export interface Mediation {
  id: number
  at: string
  mediator: string
  outcome: Outcome | string
  agreement: string
  note: string
}

export interface Followup {
  id: number
  due_on: string
  assignee: string
  done_at: string | null
  result: FollowupResult | string
  note: string
  overdue: boolean
}

export interface Dispute extends DisputeSummary {
  parties: Party[]
  mediations: Mediation[]
  followups: Followup[]
  /** The earlier disputes it repeats. */
  repeats: DisputeSummary[]
}

export interface DisputeInput {
  station_code: string
  source: string
  incident_id?: number
  kind: string
  risk: string
  address: string
  address_code?: string
  summary: string
  parties: Party[]
  reported_at?: string
}

export interface DisputeQuery {
  station?: string
  status?: string
  kind?: string
  flag?: 'repeat'
  page?: number
  page_size?: number
}

export interface StationFigures {
  code: string
  name: string
  district_code: string
  model: ModelTitle | string
  disputes: number
  decided: number
  resolved: number
  /** resolved ÷ decided, 0..1 */
  resolved_share: number | null
  repeats: number
  /** repeats ÷ disputes, 0..1 */
  repeat_rate: number | null
  escalated: number
  escalated_share: number | null
  open: number
  followups_overdue: number
}

const purposeHeader = (purpose: string) => ({ 'X-Purpose': headerValue(purpose) })

export const listDisputes = (q: DisputeQuery, signal?: AbortSignal) => http.get<Page<DisputeSummary>>(`${G}/disputes`, { ...q }, { signal })

export const getDispute = (id: number, purpose: string, signal?: AbortSignal) =>
  http.get<Dispute>(`${G}/disputes/${id}`, undefined, { headers: purposeHeader(purpose), signal })

export const createDispute = (d: DisputeInput) => http.post<Dispute>(`${G}/disputes`, d)

export const addMediation = (id: number, m: { at?: string; mediator: string; outcome: string; agreement?: string; note?: string }) =>
  http.post<Dispute>(`${G}/disputes/${id}/mediations`, m)

export const scheduleFollowup = (id: number, f: { due_on: string; assignee?: string }) => http.post<Dispute>(`${G}/disputes/${id}/followups`, f)

export const followupDone = (fid: number, f: { at?: string; result: string; note: string }) => http.post<Dispute>(`${G}/disputes/followups/${fid}/done`, f)

export const escalate = (id: number, e: { case_no: string; note: string }) => http.post<Dispute>(`${G}/disputes/${id}/escalate`, e)

export const closeDispute = (id: number, note: string) => http.post<Dispute>(`${G}/disputes/${id}/close`, { note })

export const stationFigures = (signal?: AbortSignal) => http.get<{ items: StationFigures[]; as_of?: string }>(`${G}/stations`, undefined, { signal })
