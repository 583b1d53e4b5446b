// Source definitions (sources as data, docs/sources.md): every source the
// event store fuses is described by a JSON definition. The list and a
// definition are for every signed-in user; checking, adding a definition and
// uploading rows need sources.write.
import { http, request } from './http'

const S = '/api/v1/sources'

export type SourceKind = 'sightings' | 'registry' | 'places' | string

export interface SourceLabel {
  'zh-CN'?: string
  en?: string
  [lang: string]: string | undefined
}

export interface SourceSummary {
  name: string
  id: number
  kind: SourceKind
  label: SourceLabel
  description: string
  version: number
  builtin: boolean
  required_columns: string[]
  events: number
  /** Rows of the source are stored: how they are read can no longer change. */
  in_use: boolean
  added_at: string
  added_by: string
}

export interface SubjectDef {
  kind: 'person' | 'plate' | 'phone' | 'card' | string
  column?: string
  id_number?: string
  id_type?: string
  nationality?: string
  optional?: boolean
}

export interface ColumnDef {
  name: string
  required?: boolean
  not_empty?: boolean
  type?: string
  values?: string[]
  min?: number
  max?: number
  max_length?: number
}

export interface SourceDefinition {
  name: string
  version?: number
  kind: SourceKind
  label: SourceLabel
  description?: string
  subjects?: SubjectDef[]
  unresolved?: { name?: string; birth_date?: string; phone?: string }
  place?: { column: string; kinds?: string[] }
  time?: { column: string; end?: string; reject_future?: boolean }
  links?: SubjectDef[]
  stay_room?: string
  columns?: ColumnDef[]
  required_columns?: string[]
  [key: string]: unknown
}

export interface SourceVersion {
  version: number
  added_at: string
  added_by: string
}

export interface SourceDetail extends SourceSummary {
  definition: SourceDefinition
  versions: SourceVersion[]
}

export interface CheckResult {
  valid: boolean
  name: string
  required_columns: string[]
  definition: SourceDefinition
  exists?: boolean
  /** Adding it would be refused: builtin_source or definition_in_use. */
  conflict?: string
}

export interface RejectedRow {
  line: number
  reason: string
  message: string
  fields: string[]
}

export interface IngestReport {
  source: string
  rows: number
  accepted: number
  already: number
  rejected: number
  rejects_by_reason: Record<string, number>
  unresolved: number
  rejects: RejectedRow[]
  seconds: number
}

export const listSources = (signal?: AbortSignal) => http.get<{ sources: SourceSummary[] }>(S, undefined, { signal })

export const getSource = (name: string, signal?: AbortSignal) =>
  http.get<SourceDetail>(`${S}/${encodeURIComponent(name)}`, undefined, { signal })

/** The definition goes as typed (the server says what is wrong with it, invalid_json included). */
const asJson = (text: string) => new Blob([text], { type: 'application/json' })

export const checkSource = (text: string) => request<CheckResult>(`${S}/check`, { method: 'POST', file: asJson(text) })

export const addSource = (text: string) => request<SourceDetail>(S, { method: 'POST', file: asJson(text) })

/** Rows as CSV with a header row (Content-Type text/csv). */
export const uploadRecords = (name: string, csv: Blob) =>
  request<IngestReport>(`${S}/${encodeURIComponent(name)}/records`, {
    method: 'POST',
    file: csv.type === 'text/csv' ? csv : new Blob([csv], { type: 'text/csv' }),
  })
