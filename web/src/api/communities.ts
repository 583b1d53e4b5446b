// 智慧安防小区 (smart security communities, docs/communities.md): the
// communities with their gates, device alarms with their timers, gate
// activity per hour and the findings of four rules. Reading needs
// registry.read; raising and clearing alarms, closing findings and running
// the rules need registry.write. Findings name people: their list states a
// purpose (X-Purpose, in the RFC 8187 form the server decodes).
import { http } from './http'
import { headerValue } from './analysis'

const C = '/api/v1/communities'

export const RULES = ['unregistered_regular', 'elderly_unseen', 'cloned_card', 'alarm_overdue'] as const
export type Rule = (typeof RULES)[number]

/** Alarm kinds, in the order the form offers them (the minutes each must be cleared within come from the server). */
export const ALARM_KINDS = ['perimeter', 'fire_lane_blocked', 'smoke', 'elevator_entrapment', 'help_button'] as const
export type AlarmKind = (typeof ALARM_KINDS)[number]

export interface Community {
  /** Registry code (12 digits). */
  code: string
  /** The community's place in the event store (SQ…). */
  place_code: string
  name: string
  district_code: string
  district: string
  gates: string[]
  car_gates: string[]
  lat: number
  lon: number
  open_alarms: number
  overdue_alarms: number
  open_findings: number
  findings_by_rule: Partial<Record<Rule, number>>
}

export interface CommunityTotals {
  communities: number
  open_alarms: number
  overdue_alarms: number
  open_findings: number
}

export interface CommunityList {
  communities: Community[]
  totals: CommunityTotals
  /** The data clock ("now" of alarms and findings). */
  as_of: string
  rules: Rule[]
}

export interface RuleParams {
  regular_nights: number
  regular_days: number
  elderly_age: number
  unseen_days: number
  clone_km: number
  clone_kmh: number
  alarm_targets: Partial<Record<AlarmKind, number>>
}

export interface CommunityDetail extends Community {
  as_of: string
  rules: RuleParams
}

export interface Activity {
  day: string
  people_in: number[]
  people_out: number[]
  vehicles_in: number[]
  vehicles_out: number[]
  denied: number[]
}
export const ACTIVITY_SERIES = ['people_in', 'people_out', 'vehicles_in', 'vehicles_out', 'denied'] as const
export type ActivitySeries = (typeof ACTIVITY_SERIES)[number]

export interface Alarm {
  id: number
  community_code: string
  place_code: string
  device: string
  kind: AlarmKind | string
  raised_at: string
  cleared_at: string | null
  cleared_by: string
  note: string
  target_minutes: number
  /** Open: minutes since raised (as of the data clock); cleared: minutes it took. */
  minutes: number
  overdue: boolean
  open: boolean
}

export interface ClonePass {
  community: string
  name: string
  time: string
}

/** The evidence of a finding; which keys are present depends on the rule. */
export interface FindingDetail {
  // unregistered_regular, elderly_unseen
  person?: string
  // unregistered_regular
  nights?: number
  dates?: string[]
  window_days?: number
  // elderly_unseen
  name?: string
  age?: number
  room?: string
  last_seen?: string
  days_unseen?: number
  // cloned_card
  card?: string
  holder?: string
  first?: ClonePass
  second?: ClonePass
  km?: number
  kmh?: number
  // alarm_overdue (minutes, kind, device, raised_at, cleared_at, target_minutes)
  alarm?: number
  device?: string
  kind?: string
  minutes?: number
  target_minutes?: number
  raised_at?: string
  cleared_at?: string | null
  [key: string]: unknown
}

export interface Finding {
  id: number
  rule: Rule | string
  community_code: string
  subject: string
  status: 'open' | 'closed' | string
  detail: FindingDetail | null
  first_found_at: string
  last_found_at: string
  /** The registry verification task it made (0: none). */
  task_id: number
  closed_by: string
  note: string
}

export interface FindingPage {
  findings: Finding[]
  total: number
  page: number
  page_size: number
}

export interface RunReport {
  found: Partial<Record<Rule, number>>
  raised: Partial<Record<Rule, number>>
  tasks: number
  events_read: number
  seconds: number
  as_of: string
}

export const listCommunities = (signal?: AbortSignal) => http.get<CommunityList>(C, undefined, { signal })

export const getCommunity = (code: string, signal?: AbortSignal) =>
  http.get<CommunityDetail>(`${C}/${encodeURIComponent(code)}`, undefined, { signal })

export const getActivity = (code: string, day: string, signal?: AbortSignal) =>
  http.get<Activity>(`${C}/${encodeURIComponent(code)}/activity`, { day }, { signal })

export const listAlarms = (q: { community?: string; status?: 'open' | 'all'; limit?: number }, signal?: AbortSignal) =>
  http.get<{ alarms: Alarm[]; as_of: string }>(`${C}/alarms`, { ...q }, { signal })

export const raiseAlarm = (a: { community_code: string; device: string; kind: string; raised_at?: string }) =>
  http.post<Alarm>(`${C}/alarms`, a)

export const clearAlarm = (id: number, note?: string, cleared_at?: string) =>
  http.post<Alarm>(`${C}/alarms/${id}/clear`, { note: note?.trim() || undefined, cleared_at })

export const listFindings = (
  q: { rule?: string; community?: string; status?: 'open' | 'closed' | ''; page?: number; page_size?: number },
  purpose: string,
  signal?: AbortSignal,
) => http.get<FindingPage>(`${C}/findings`, { ...q }, { headers: { 'X-Purpose': headerValue(purpose) }, signal })

export const closeFinding = (id: number, note: string) => http.post<Finding>(`${C}/findings/${id}/close`, { note })

export const runRules = () => http.post<RunReport>(`${C}/rules/run`)
