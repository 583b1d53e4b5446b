// 群防群治 (docs/grassroots.md §3): the community partners (保安公司 of the
// 保安联盟, 护校安园联盟, 环卫队 of 公安+环卫工人) with their members, and the
// tips citizens send from the portal. A member is a citizen whose phone is a
// member's phone: their tips count for the partner. Staff (grassroots.read)
// list tips and see their photos; grassroots.write triages a tip (a dispatch
// incident, a registry verification task, a dispute, or no action) with the
// feedback its reporter reads. Who reported is shown only to the tip's
// handling officer and to inspectors, with a purpose (X-Purpose, audited).
// The citizen side (POST/GET /citizen/tips) uses the citizen's own token.
import { http, requestFile } from './http'
import { headerValue } from './analysis'
import type { Page } from './types'

const G = '/api/v1/grassroots'

export const PARTNER_KINDS = ['security_company', 'school_alliance', 'sanitation_team', 'other'] as const
export type PartnerKind = (typeof PARTNER_KINDS)[number]
export const TIP_CATEGORIES = ['suspicious_person', 'suspicious_vehicle', 'hazard', 'dispute', 'drugs', 'gambling', 'fraud', 'other'] as const
export type TipCategory = (typeof TIP_CATEGORIES)[number]
export const TRIAGE_ACTIONS = ['incident', 'registry_task', 'dispute', 'no_action'] as const
export type TriageAction = (typeof TRIAGE_ACTIONS)[number]
export const TIP_STATUSES = ['new', 'triaged'] as const

/** The photos a tip may carry, their types and size (docs: upload_max_bytes, 5 MiB). */
export const MAX_PHOTOS = 3
export const PHOTO_TYPES = ['image/jpeg', 'image/png'] as const
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024

export interface Partner {
  id: number
  name: string
  kind: PartnerKind | string
  district_code: string
  area: string
  credit_code: string
  contact: string
  members: number
  tips: number
}

export interface Member {
  id: number
  name: string
  /** Masked. */
  phone: string
  joined_on: string
}

/** A partner with its members (the server names the list `members_list` beside the count; the docs, `members`). */
export interface PartnerDetail extends Omit<Partner, 'members'> {
  members: number | Member[]
  members_list?: Member[]
}
export const membersOf = (p: PartnerDetail): Member[] => p.members_list ?? (Array.isArray(p.members) ? p.members : [])

export interface PartnerInput {
  name: string
  kind: string
  district_code: string
  area: string
  credit_code?: string
  contact: string
}

export interface FigureRow {
  tips: number
  by_category: Record<string, number>
  by_action: Record<string, number>
}
export interface PartnerFigures {
  by_partner: (FigureRow & { partner_id: number; name: string; kind: string; district_code: string })[]
  by_district: (FigureRow & { district_code: string })[]
}

export interface TipPhoto {
  n: number
  content_type: string
  size: number
}

export interface Tip {
  id: number
  category: TipCategory | string
  text: string
  address: string
  address_code: string
  district_code: string
  community_code: string
  lat: number | null
  lon: number | null
  photos: TipPhoto[]
  status: 'new' | 'triaged' | string
  action: TriageAction | string
  /** What the triage made: {type: incident|registry_task|dispute, id}. */
  target: { type: string; id: number | string } | null
  feedback: string
  handler: string
  created_at: string
  triaged_at: string | null
  reporter?: { kind: 'citizen' | 'partner' | string; partner_id?: number | null; partner_name?: string }
}

export interface TipQuery {
  status?: 'new' | 'triaged' | 'all'
  district?: string
  partner?: number | string
}

export interface Triage {
  action: string
  feedback: string
  category?: string
  priority?: number
  station_code?: string
  kind?: string
  risk?: string
  parties?: { name: string; id_number?: string; phone?: string; role: string }[]
}

export interface Reporter {
  name: string
  phone: string
  id_number: string
}

export const listPartners = (signal?: AbortSignal) => http.get<Page<Partner>>(`${G}/partners`, undefined, { signal })
export const getPartner = (id: number) => http.get<PartnerDetail>(`${G}/partners/${id}`)
export const createPartner = (p: PartnerInput) => http.post<Partner>(`${G}/partners`, p)
export const addMember = (id: number, m: { name: string; phone: string; id_number?: string }) => http.post<Member>(`${G}/partners/${id}/members`, m)
export const partnerFigures = (signal?: AbortSignal) => http.get<PartnerFigures>(`${G}/partners/figures`, undefined, { signal })

export const listTips = (q: TipQuery, signal?: AbortSignal) => http.get<Page<Tip>>(`${G}/tips`, { ...q }, { signal })
/** A photo as a blob (the staff session's token goes with it; an <img src> could not send it). */
export const tipPhoto = async (id: number, n: number, signal?: AbortSignal): Promise<Blob> =>
  (await requestFile(`${G}/tips/${id}/photos/${n}`, { signal }, 'image/*')).blob
export const tipReporter = (id: number, purpose: string) =>
  http.get<Reporter>(`${G}/tips/${id}/reporter`, undefined, { headers: { 'X-Purpose': headerValue(purpose) } })
export const triageTip = (id: number, t: Triage) => http.post<Tip>(`${G}/tips/${id}/triage`, t)

// ---- the citizen portal: the citizen's own token, never the staff session.
export interface TipInput {
  category: string
  text: string
  address?: string
  lat?: number
  lon?: number
  photos?: { content_type: string; data: string }[]
}
const as = (token: string) => ({ anonymous: true, headers: { Authorization: `Bearer ${token}` } })
export const sendTip = (token: string, tip: TipInput) => http.post<Tip>('/api/v1/citizen/tips', tip, as(token))
export const myTips = (token: string) => http.get<{ items: Tip[]; total?: number }>('/api/v1/citizen/tips', undefined, as(token))

/** A file's bytes as base64 (no data: prefix), as the tip's JSON carries photos. */
export function fileToBase64(f: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader()
    r.onload = () => {
      const s = String(r.result)
      resolve(s.slice(s.indexOf(',') + 1))
    }
    r.onerror = () => reject(r.error ?? new Error('read failed'))
    r.readAsDataURL(f)
  })
}
