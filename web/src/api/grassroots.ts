// 公共安全监管 (docs/grassroots.md §1): the licensed holders' sites of
// controlled items (explosives, detonators, firearms, ammunition, fireworks),
// their licences with the storage limits, stock movements, inspections by the
// site kind's checklist, the hazards found and their rectification, the alerts
// computed from these on every read, and the district dashboard. Reading needs
// grassroots.read, writing grassroots.write. No personal data: no purpose.
// (Disputes: api/disputes.ts; partners and tips: api/partners.ts.)
import { http } from './http'

const S = '/api/v1/grassroots/supervision'

export const SITE_KINDS = ['explosives_user', 'explosives_store', 'firearms_unit', 'shooting_range', 'fireworks_wholesale', 'fireworks_retail'] as const
export type SiteKind = (typeof SITE_KINDS)[number]

export const LICENCE_ITEMS = ['explosives', 'detonators', 'firearms', 'ammunition', 'fireworks'] as const
export type LicenceItem = (typeof LICENCE_ITEMS)[number]

/** The items a site of each kind holds (the page offers these first when a licence is added). */
export const ITEMS_OF_KIND: Record<SiteKind, readonly LicenceItem[]> = {
  explosives_user: ['explosives', 'detonators'],
  explosives_store: ['explosives', 'detonators'],
  firearms_unit: ['firearms', 'ammunition'],
  shooting_range: ['firearms', 'ammunition'],
  fireworks_wholesale: ['fireworks'],
  fireworks_retail: ['fireworks'],
}

export const CHECK_ITEMS = [
  'ledger_matches',
  'storage_separated',
  'guard_on_duty',
  'video_working',
  'lightning_protection',
  'fire_equipment',
  'locks_intact',
  'licence_displayed',
  'no_open_flame',
  'evacuation_route',
  'range_safety',
  'ammo_separate',
] as const

/** Severest first: the order alerts are listed in. */
export const ALERT_KINDS = ['over_storage', 'licence_expired', 'rectification_overdue', 'inspection_overdue', 'licence_expiring'] as const
export type AlertKind = (typeof ALERT_KINDS)[number]
export type Severity = 'critical' | 'high' | 'medium'
export const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2 }

export const HAZARD_LEVELS = ['general', 'major'] as const
export type HazardLevel = (typeof HAZARD_LEVELS)[number]

export interface Checklists {
  kinds: Record<string, { every_days: number; items: string[] }>
  items: string[]
  /** item → unit (kg, pcs, guns, rounds, boxes). */
  licence_items: Record<string, string>
}

export interface Licence {
  licence_no: string
  site_code: string
  item: LicenceItem | string
  unit: string
  limit: number
  /** YYYY-MM-DD */
  valid_from: string
  valid_to: string
  stock: number
  expired: boolean
}

export interface Site {
  code: string
  name: string
  kind: SiteKind | string
  district_code: string
  address: string
  address_code: string | null
  lat: number
  lon: number
  opened_on: string
  credit_code: string | null
  holder_name: string | null
  place_code: string | null
  place_name: string | null
  inspect_every_days: number
  last_inspected_at: string | null
  /** YYYY-MM-DD (or a time) the next inspection is due; null: none due (a retail point out of season). */
  next_due: string | null
  in_season: boolean
  licences: Licence[]
  open_hazards: number
}

export interface CheckAnswer {
  item: string
  ok: boolean
  note?: string
  level?: HazardLevel | string
  deadline?: string
}

export interface Hazard {
  id: number
  site_code: string
  site_name: string
  district_code: string
  inspection_id: number
  item: string
  level: HazardLevel | string
  note: string
  found_at: string
  /** YYYY-MM-DD */
  deadline: string
  status: 'open' | 'rectified' | string
  rectified_at: string | null
  overdue: boolean
  days_open: number
}

export interface Inspection {
  id: number
  site_code: string
  site_name: string
  at: string
  inspector: string
  checklist: CheckAnswer[]
  /** licence_no → quantity counted on site. */
  counts: Record<string, number> | null
  note: string
  hazards: Hazard[]
}

export interface Movement {
  id: number
  licence_no: string
  delta: number
  at: string
  note: string
  stock_after: number
  recorded_by: string
}

export interface SiteDetail extends Site {
  inspections: Inspection[]
  hazards: Hazard[]
  movements: Movement[]
}

/** What an alert names, by kind; which keys are present depends on the server. */
export type AlertDetail = Record<string, unknown>

export interface SupervisionAlert {
  kind: AlertKind | string
  severity: Severity | string
  site_code: string
  site_name: string
  district_code: string
  licence_no?: string | null
  hazard_id?: number | null
  since: string
  detail: AlertDetail | string | null
}

export interface AlertList {
  items: SupervisionAlert[]
  by_kind: Partial<Record<AlertKind, number>>
  as_of: string
}

export interface DashboardRow {
  district_code: string
  sites_total: number
  sites: Partial<Record<SiteKind, number>>
  inspections_30d: number
  inspections_365d: number
  due: number
  hazards: { open: number; lt7: number; d7_30: number; gt30: number; overdue: number }
  alerts: Partial<Record<AlertKind, number>>
}

export interface Dashboard {
  districts: DashboardRow[]
  totals: DashboardRow
  as_of: string
}

export interface SiteInput {
  code: string
  name: string
  kind: string
  district_code: string
  address: string
  address_code?: string
  lat: number
  lon: number
  opened_on: string
  credit_code?: string
  place_code?: string
}

export interface LicenceInput {
  licence_no: string
  site_code: string
  item: string
  limit: number
  valid_from: string
  valid_to: string
}

export interface InspectionInput {
  site_code: string
  at?: string
  checklist: CheckAnswer[]
  counts?: Record<string, number>
  note?: string
}

export interface MovementInput {
  licence_no: string
  delta: number
  at?: string
  note?: string
}

export interface ReinspectInput {
  at?: string
  ok: boolean
  note?: string
  deadline?: string
}

const enc = encodeURIComponent

export const getChecklists = (signal?: AbortSignal) => http.get<Checklists>(`${S}/checklists`, undefined, { signal })

export const listSites = (q: { district?: string; kind?: string; q?: string } = {}, signal?: AbortSignal) =>
  http.get<{ items: Site[]; total: number }>(`${S}/sites`, { ...q }, { signal })

export const getSite = (code: string, signal?: AbortSignal) => http.get<SiteDetail>(`${S}/sites/${enc(code)}`, undefined, { signal })

export const createSite = (s: SiteInput) => http.post<Site>(`${S}/sites`, s)

export const createLicence = (l: LicenceInput) => http.post<Licence>(`${S}/licences`, l)

export const recordMovement = (site: string, m: MovementInput) => http.post<Movement>(`${S}/sites/${enc(site)}/movements`, m)

export const listInspections = (q: { site?: string; limit?: number } = {}, signal?: AbortSignal) =>
  http.get<{ items: Inspection[]; total: number }>(`${S}/inspections`, { ...q }, { signal })

export const recordInspection = (i: InspectionInput) => http.post<Inspection>(`${S}/inspections`, i)

export const listHazards = (q: { status?: 'open' | 'rectified' | 'all'; district?: string; site?: string } = {}, signal?: AbortSignal) =>
  http.get<{ items: Hazard[]; total: number }>(`${S}/hazards`, { ...q }, { signal })

export const reinspect = (id: number, r: ReinspectInput) => http.post<Hazard>(`${S}/hazards/${id}/reinspect`, r)

export const listAlerts = (district?: string, signal?: AbortSignal) => http.get<AlertList>(`${S}/alerts`, { district }, { signal })

export const getDashboard = (signal?: AbortSignal) => http.get<Dashboard>(`${S}/dashboard`, undefined, { signal })
