import { http, request } from './http'

// The service hall (docs/api.md, "Services"): the public catalogue and figures,
// the citizen portal (its own token, kept apart from staff sessions) and the
// staff workbench.

export interface Material { code: string; name_zh: string; name_en: string; required: boolean; key: boolean }
export interface Field {
  name: string; label_zh: string; label_en: string; type: string; required: boolean; pattern: string; options: string[]
}
export interface Item {
  code: string; name_zh: string; name_en: string; category: string; department: string; channels: string[]
  materials: Material[]; fields: Field[]; statutory_days: number; promised_days: number; fee_fen: number
  commitment: boolean; approval: { mode: 'all' | 'any'; departments: string[] } | null
}
export interface Catalogue { items: Item[]; total: number; departments: { code: string; name_zh: string }[] }

export interface Upload { material: string; sha256: string; content_type: string; filename: string; size: number; at: string }
export interface Step { at: string; actor: string; action: string; state: string; note: string }
export interface Application {
  id: number; item_code: string; item_name: string; item_name_en: string; department: string; channel: string
  state: string; form?: Record<string, unknown>; commitment: boolean; uploads: Upload[]; owed: string[]
  request_note: string; decisions: { department: string; decision: string; by: string; reason: string; at: string | null }[]
  commissioner: string; reason: string; certificate_no: string; submitted_at: string; accepted_at: string | null
  decided_at: string | null; due_day: string | null; statutory_due_day: string | null; follow_deadline_day: string | null
  paused_days: number; decided_working_days: number; escalations: string[]; verification: string
  rating: { level: number; comment: string; follow_up: boolean; follow_up_due: string | null; follow_up_closed_at: string | null } | null
  steps?: Step[]; applicant?: string; elapsed_working_days?: number
}
export interface ItemMetrics {
  item_code: string; name_zh: string; name_en: string; promised_days: number; statutory_days: number
  suppressed?: boolean; total: number | null; by_channel?: Record<string, number>; online?: number; decided?: number
  approved?: number; rejected?: number; terminated?: number; open?: number; digital_take_up?: number
  completion_rate?: number; median_days?: number; p90_days?: number; within_promised?: number; within_statutory?: number
  ratings?: number | null; bad_ratings?: number | null; bad_rating_rate?: number | null; commitments?: number
}
export interface MetricsReport { from: string; to: string; all: ItemMetrics; items: ItemMetrics[] }
export interface Citizen { id: number; phone: string; name: string; id_number: string }

// ---- public
export const catalogue = () => http.get<Catalogue>('/api/v1/services/items', undefined, { anonymous: true })
export const publicMetrics = (from: string, to: string) =>
  http.get<MetricsReport>('/api/v1/public/services/metrics', { from, to }, { anonymous: true })

// ---- citizens: the citizen token goes in its own header, never the staff session.
const as = (token: string) => ({ anonymous: true, headers: { Authorization: `Bearer ${token}` } })
export const citizenRegister = (b: { phone: string; password: string; id_number: string; name: string }) =>
  http.post<Citizen>('/api/v1/citizen/register', b, { anonymous: true })
export const citizenLogin = (phone: string, password: string) =>
  http.post<{ token: string; citizen: Citizen }>('/api/v1/citizen/login', { phone, password }, { anonymous: true })
export const citizenMe = (token: string) => http.get<Citizen>('/api/v1/citizen/me', undefined, as(token))
export const myApplications = (token: string) =>
  http.get<{ items: Application[]; total: number }>('/api/v1/citizen/applications', undefined, as(token))
export const myApplication = (token: string, id: number) =>
  http.get<Application>(`/api/v1/citizen/applications/${id}`, undefined, as(token))
export const apply = (token: string, b: { item_code: string; channel: string; form: Record<string, unknown>; commitment: boolean }) =>
  http.post<Application>('/api/v1/citizen/applications', b, as(token))
export const uploadMaterial = (token: string, id: number, material: string, file: File) =>
  request<Application>(`/api/v1/citizen/applications/${id}/materials/${material}`, {
    ...as(token), method: 'POST', file, query: { filename: file.name },
  })
export const rate = (token: string, id: number, level: number, comment: string) =>
  http.post<Application>(`/api/v1/citizen/applications/${id}/rating`, { level, comment }, as(token))

// ---- staff
/** commissioner 'me': the cases the signed-in user oversees as approval commissioner. */
export const queue = (state?: string, commissioner?: string) =>
  http.get<{ items: Application[]; total: number; today: string }>('/api/v1/services/applications', { state, commissioner, limit: 500 })
export const staffApplication = (id: number) =>
  http.get<Application>(`/api/v1/services/applications/${id}`, undefined, { purpose: `UTF-8''${encodeURIComponent('受理审批')}` })
export const staffAction = (id: number, action: string, body: Record<string, unknown> = {}) =>
  http.post<Application>(`/api/v1/services/applications/${id}/${action}`, body)
export const staffMetrics = (from: string, to: string) => http.get<MetricsReport>('/api/v1/services/metrics', { from, to })
