// 一键搜, entity profiles, identity resolution and the relationship graph.
// Search and profiles state a purpose (X-Purpose); the graph and the merge /
// unmerge of a record are analyses and also state a case number (X-Case-No).
import { http } from './http'
import { headerValue, type AnalysisContext, type Place, type TrajectoryEvent } from './analysis'

export interface EntityHit {
  id: number
  ref: string
  kind: string
  names: string[]
  sources: Record<string, number>
  events: number
  score: number
  exact: boolean
  merged_into: string | null  // a PERSON record merged into a person: their ref
}
/** A place as the search finds it: the place of the place list, without its event count. */
export type PlaceHit = Omit<Place, 'events'>
export interface AddressHit {
  code: string
  level: string
  full_name: string
  score: number | null
}
export interface OrganisationHit {
  credit_code: string
  name: string
  type: string
  key_units: string[]
  full_address: string
  address_code: string
}
export interface SearchAnswer {
  query: string
  kind: string
  entities: EntityHit[]
  places: PlaceHit[]
  /** Standard addresses the text matches (docs/registry.md "Links into the rest"). */
  addresses?: AddressHit[]
  /** Organisations by name or credit code. */
  organisations?: OrganisationHit[]
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
// Identity resolution. A record without a valid ID number but with name, birth
// date and phone is a PERSON entity (PERSON:<name>/<YYYYMMDD>/<phone>). The
// server merges it into a known person when all three agree with exactly one;
// with two of three it offers the person as a candidate for a user to merge.
// Every merge can be undone; an undone pair is never merged automatically again.

/** One field compared between the record and a person; person is "" when the person's value is unknown. */
export interface Match {
  field: 'name' | 'birth_date' | 'phone' | string
  record: string
  person: string
  match: boolean
  source: string
}
export type MergedBy = 'auto' | 'user'
export interface MergeInfo {
  ref: string
  names: string[]
  by: MergedBy
  actor: string
  at: string
  reason: string
  evidence: Match[]
}
/** A PERSON record merged into the person whose profile this is. */
export interface ResolutionMember extends MergeInfo {
  events: number
}
export interface ResolutionCandidate {
  ref: string
  names: string[]
  score: number
  strong: boolean
  /** A merge of this pair was undone before: never merged automatically again. */
  kept_apart: boolean
  evidence: Match[]
}
export interface ResolutionHistoryEntry {
  action: 'merge' | 'unmerge'
  absorbed: string
  survivor: string
  by: MergedBy
  actor: string
  at: string
  reason: string
}
export type ResolutionStatus = 'person' | 'unresolved' | 'merged'
export interface Resolution {
  status: ResolutionStatus
  merged_into?: MergeInfo
  members?: ResolutionMember[]
  candidates?: ResolutionCandidate[]
  history?: ResolutionHistoryEntry[]
}
export interface ResolutionAnswer {
  resolution: Resolution
}

/** Another person living now in the same room as the profile's person. */
export interface Housemate {
  person: string
  name: string
  relation: string
}

export type ResidenceCategory = 'registered' | 'floating' | 'foreign'
export type ResidenceSource = 'residents_registry' | 'rental_registration' | 'community_verification'

/** Where a person lives or lived, from the base registries. */
export interface Residence {
  /** The room's 25-digit standard address code. */
  address_code: string
  full_address: string
  category: ResidenceCategory
  /** 本人 / 配偶 / 子女 / 父母 / 其他 … */
  relation: string
  source: ResidenceSource
  moved_in_at: string
  /** null: lives there now. */
  moved_out_at: string | null
  /** Only for a current residence: the room's other current residents. */
  housemates: Housemate[]
}

export interface Profile {
  entity: {
    id: number
    ref: string
    kind: string
    value: string
    names: string[]
    events: number
    sources: Record<string, number>
    /** A person with merged records: the counts including those records' events. */
    sources_with_merged?: Record<string, number>
  }
  identifiers: LinkedIdentifier[]
  registry: { source: string; record: Record<string, string> }[]
  /** For a person with merged records, also their events, each with `via`. */
  latest: TrajectoryEvent[]
  places: { code: string; name: string; kind: string; lat: number; lon: number; count: number }[]
  events_total: number
  resolution?: Resolution
  /** People (ID / PASSPORT) only, newest first; absent from older servers. */
  residences?: Residence[]
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
  /** false when the user lacks `analysis.run`: co-travel edges are left out. */
  cotravel_included?: boolean
}

const purposeOnly = (ctx: AnalysisContext) => ({ 'X-Purpose': headerValue(ctx.purpose) })
const withCase = (ctx: AnalysisContext) => ({ 'X-Purpose': headerValue(ctx.purpose), 'X-Case-No': headerValue(ctx.caseNo) })

export const search = (ctx: AnalysisContext, q: string, signal?: AbortSignal) =>
  http.get<SearchAnswer>('/api/v1/search', { q, limit: 50 }, { headers: purposeOnly(ctx), signal })

export const profile = (ctx: AnalysisContext, ref: string, signal?: AbortSignal) =>
  http.get<Profile>(`/api/v1/entities/${encodeURIComponent(ref)}`, {}, { headers: purposeOnly(ctx), signal })

/** Merges the PERSON record `ref` into the person `into` (an ID or PASSPORT entity). */
export const mergeEntity = (ctx: AnalysisContext, ref: string, into: string, reason: string) =>
  http.post<ResolutionAnswer>(`/api/v1/entities/${encodeURIComponent(ref)}/merge`, { into, reason }, { headers: withCase(ctx) })

/** Undoes the merge of the PERSON record `ref`; the pair is kept apart from then on. */
export const unmergeEntity = (ctx: AnalysisContext, ref: string, reason: string) =>
  http.post<ResolutionAnswer>(`/api/v1/entities/${encodeURIComponent(ref)}/unmerge`, { reason }, { headers: withCase(ctx) })

export const entityGraph = (ctx: AnalysisContext, ref: string, depth: number, signal?: AbortSignal) =>
  http.get<GraphAnswer>(`/api/v1/entities/${encodeURIComponent(ref)}/graph`, { depth }, { headers: withCase(ctx), signal })
