// 一键搜, entity profiles and the relationship graph. Search and profiles state
// a purpose (X-Purpose); the graph is an analysis and also states a case number.
import { http } from './http'
import { headerValue, type AnalysisContext, type TrajectoryEvent } from './analysis'

export interface EntityHit {
  id: number
  ref: string
  kind: string
  names: string[]
  sources: Record<string, number>
  events: number
  score: number
  exact: boolean
}
export interface PlaceHit {
  code: string
  kind: string
  name: string
  district_code: string
  district: string
  lat: number
  lon: number
}
export interface SearchAnswer {
  query: string
  kind: string
  entities: EntityHit[]
  places: PlaceHit[]
  total: number
  indexed_seq: number
  journal_seq: number
}

export interface LinkEvidence {
  source: string
  time?: string
  place?: string
  place_name?: string
  record: Record<string, string>
}
export interface LinkedIdentifier {
  ref: string
  kind: string
  value: string
  names?: string[]
  sources: Record<string, number>
  count: number
  evidence: LinkEvidence[]
}
export interface Profile {
  entity: { id: number; ref: string; kind: string; value: string; names: string[]; events: number; sources: Record<string, number> }
  identifiers: LinkedIdentifier[]
  registry: { source: string; record: Record<string, string> }[]
  latest: TrajectoryEvent[]
  places: { code: string; name: string; kind: string; lat: number; lon: number; count: number }[]
  events_total: number
}

export interface GraphNode {
  id: string
  kind: string
  label: string
  depth: number
  events: number
  more: number
  expanded: boolean
}
export interface GraphEdge {
  source: string
  target: string
  kind: string
  weight: number
  evidence: { source: string; time: string; place: string; detail: string }[]
}
export interface GraphAnswer {
  nodes: GraphNode[]
  edges: GraphEdge[]
  truncated: boolean
}

const purposeOnly = (ctx: AnalysisContext) => ({ 'X-Purpose': headerValue(ctx.purpose) })
const withCase = (ctx: AnalysisContext) => ({ 'X-Purpose': headerValue(ctx.purpose), 'X-Case-No': headerValue(ctx.caseNo) })

export const search = (ctx: AnalysisContext, q: string, signal?: AbortSignal) =>
  http.get<SearchAnswer>('/api/v1/search', { q, limit: 50 }, { headers: purposeOnly(ctx), signal })

export const profile = (ctx: AnalysisContext, ref: string, signal?: AbortSignal) =>
  http.get<Profile>(`/api/v1/entities/${encodeURIComponent(ref)}`, {}, { headers: purposeOnly(ctx), signal })

export const entityGraph = (ctx: AnalysisContext, ref: string, depth: number, signal?: AbortSignal) =>
  http.get<GraphAnswer>(`/api/v1/entities/${encodeURIComponent(ref)}/graph`, { depth }, { headers: withCase(ctx), signal })
