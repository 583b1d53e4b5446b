import { http } from './http'
import type { Page } from './types'

// Cases, gangs and their code tables (docs/api.md, "Cases").

export interface CaseCodes {
  kinds: string[]
  categories: string[]
  statuses: string[]
  districts: string[]
  gang_types: string[]
}

export interface Suspect {
  id_number: string
  name: string
  role: string
}

export interface CaseRecord {
  id: number
  case_no: string
  kind: string
  category: string
  district_code: string
  place: string
  occurred_at: string | null
  reported_at: string | null
  filed_at: string | null
  solved_at: string | null
  closed_at: string | null
  status: string
  narrative: string
  incident_ref: string
  seized_goods: string
  seized_amount_cny: number
  gang_id: number | null
  version: number
  created_at: string
  updated_at: string
  /** Only on GET /cases/{id}: masked unless read through /suspects. */
  suspects?: Suspect[]
  suspects_masked?: boolean
}

export type CaseBasis = 'filed' | 'occurred' | 'solved'

export interface CaseQuery {
  q?: string
  kind?: string
  category?: string
  district?: string
  status?: string
  basis?: string
  /** Inclusive, on the basis time. */
  from?: string
  /** Exclusive, on the basis time. */
  to?: string
  gang_id?: number | string
  page?: number
  page_size?: number
}

/** The writable fields of a case (POST body; PATCH sends a subset plus version). */
export interface CaseInput {
  case_no?: string
  kind?: string
  category?: string
  district_code?: string
  place?: string
  occurred_at?: string | null
  reported_at?: string | null
  filed_at?: string | null
  solved_at?: string | null
  closed_at?: string | null
  status?: string
  narrative?: string
  incident_ref?: string
  seized_goods?: string
  seized_amount_cny?: number
  gang_id?: number | null
  suspects?: Suspect[]
}

export interface HistoryEntry {
  version: number
  at: string
  actor: string
  /** field → [old, new]; the first entry of a record may carry other shapes (created, imported). */
  changes: Record<string, unknown>
}

export interface Gang {
  id: number
  name: string
  type: string
  district_code: string
  broken_up_at: string | null
  notes: string
  member_count: number
  case_nos: string[]
  members?: Suspect[]
}

export const caseCodes = () => http.get<CaseCodes>('/api/v1/cases/codes')
export const listCases = (q: CaseQuery) => http.get<Page<CaseRecord>>('/api/v1/cases', { ...q })
export const getCase = (id: number | string) => http.get<CaseRecord>(`/api/v1/cases/${id}`)
export const createCase = (body: CaseInput) => http.post<CaseRecord>('/api/v1/cases', body)
export const updateCase = (id: number | string, body: CaseInput & { version: number }) => http.patch<CaseRecord>(`/api/v1/cases/${id}`, body)
export const caseHistory = (id: number | string) => http.get<{ items: HistoryEntry[]; total?: number }>(`/api/v1/cases/${id}/history`)

/**
 * The suspects in full (person.read; audited). The purpose travels as the
 * `purpose` query parameter: a browser cannot put Chinese text in a header.
 */
export async function caseSuspects(id: number | string, purpose: string): Promise<Suspect[]> {
  const r = await http.get<Page<Suspect>>(`/api/v1/cases/${id}/suspects`, { purpose })
  return r.items
}

export const getGang = (id: number | string) => http.get<Gang>(`/api/v1/gangs/${id}`)
