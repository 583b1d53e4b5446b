// 疫情防控: the epidemic checkpoints' figures (stats.read), the flagged passes
// of a day (person.read, a purpose) and contact traces (analysis.run, a
// purpose and a public-health case number). The purpose and case number
// travel as X-Purpose and X-Case-No, encoded as the analyses encode them.
import { http, request } from './http'
import { headerValue, type AnalysisContext } from './analysis'

export const FIGURE_KEYS = [
  'road_checkpoints',
  'vehicle_checks',
  'temperature_checks',
  'domestic_arrivals',
  'international_arrivals',
  'observation',
  'isolated',
] as const
export type FigureKey = (typeof FIGURE_KEYS)[number]

export interface HealthTotals extends Record<FigureKey, number> {
  passes: number
  flagged: number
}
export interface Published extends Record<FigureKey, number> {
  epidemic_cases: number
  epidemic_suspects: number
  year: number
}
export interface Checkpoint {
  code: string
  name: string
  kind: string // health_checkpoint | station
  district_code: string
  lat: number
  lon: number
  passes: number
  vehicles: number
  temperatures: number
  flagged: number
  observe: number
  isolate: number
  road: number
  arrival: number
  international: number
}
export interface HealthFigures {
  defined: boolean
  totals: HealthTotals
  published: Published
  checkpoints: Checkpoint[]
  daily: { day: string; passes: number; flagged: number }[]
}
export interface Throughput {
  checkpoint: string
  day: string
  hours: { hour: number; passes: number; flagged: number }[]
}
export interface FlaggedPass {
  checkpoint: string
  checkpoint_name: string
  time: string
  person: string
  temperature: string
  health_code: string
  result: string
  plate: string
  check_kind: string
}

export interface TraceEvent {
  time: string
  source: string
  place: string
  place_name: string
  place_kind: string
  district_code: string
  lat: number
  lon: number
}
export interface TraceEvidence {
  kind: string
  detail: string
  overlap_minutes: number
  mine: TraceEvent
  theirs: TraceEvent
}
export interface TraceContact {
  entity: string
  kinds: string[]
  score: number
  overlap_minutes: number
  occasions: number
  evidence: TraceEvidence[]
}
export interface TraceResult {
  subject: string
  confirmed_at: string
  from: string
  to: string
  case_events: number
  total_contacts: number
  truncated: boolean
  contacts: TraceContact[]
}
export interface StoredTrace {
  id: number
  subject: string
  case_no: string
  purpose: string
  confirmed_at: string
  days: number
  within_minutes: number
  contacts: number
  created_at: string
  created_by: string
  expires_at: string
  result?: TraceResult
}
export interface TraceRequest {
  id_number: string
  nationality?: string
  confirmed_at: string
  days: number
  within_minutes: number
}

const H = '/api/v1/health'
const ctxHeaders = (ctx: AnalysisContext) => ({ 'X-Purpose': headerValue(ctx.purpose), 'X-Case-No': headerValue(ctx.caseNo) })

export const healthFigures = (signal?: AbortSignal) => http.get<HealthFigures>(`${H}/figures`, undefined, { signal })
export const healthThroughput = (day: string, checkpoint?: string, signal?: AbortSignal) =>
  http.get<Throughput>(`${H}/throughput`, { day, checkpoint }, { signal })
export const healthFlagged = (purpose: string, q: { day: string; checkpoint?: string; limit?: number }, signal?: AbortSignal) =>
  http.get<{ total: number; flagged: FlaggedPass[] }>(`${H}/flagged`, q, { headers: { 'X-Purpose': headerValue(purpose) }, signal })
export const runTrace = (ctx: AnalysisContext, body: TraceRequest) =>
  http.post<StoredTrace>(`${H}/traces`, body, { headers: ctxHeaders(ctx) })
export const listTraces = (purpose: string) =>
  http.get<{ traces: StoredTrace[]; retention_days: number }>(`${H}/traces`, undefined, { headers: { 'X-Purpose': headerValue(purpose) } })
export const getTrace = (purpose: string, id: number) =>
  http.get<StoredTrace>(`${H}/traces/${id}`, undefined, { headers: { 'X-Purpose': headerValue(purpose) } })
export const deleteTrace = (id: number) => request<void>(`${H}/traces/${id}`, { method: 'DELETE' })
