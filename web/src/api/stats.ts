import { http, type FileAnswer } from './http'

// The one statistics query (docs/api.md, "Statistics") and its public twin.

export type Measure = 'cases' | 'solved' | 'clearance' | 'accidents' | 'deaths' | 'injuries' | 'death_rate' | 'gangs' | 'gang_members'

export interface StatsQuery {
  measure?: Measure
  /** Comma list: at most one period (day, month, quarter, year) and dimensions. */
  group?: string
  /** Dates, both inclusive. */
  from: string
  to: string
  compare?: 'yoy' | 'pop'
  basis?: string
  kind?: string
  category?: string
  district?: string
  status?: string
  type?: string
}

export interface StatsRow {
  period?: string
  kind?: string
  category?: string
  district?: string
  status?: string
  type?: string
  value: number | null
  previous?: number | null
  change?: number | null
  change_pct?: number | null
  numerator?: number
  denominator?: number
  /** Public answers: a cell resting on 1 to 4 records. */
  suppressed?: boolean
  /** small: rests on 1 to 4 records; complementary: hidden so that a small sibling cannot be recovered. */
  suppression?: 'small' | 'complementary'
}

export interface StatsAnswer {
  measure: string
  basis: string
  basis_note: string
  group: string[]
  filters: Record<string, string[]>
  from: string
  to: string
  compare?: string
  compare_note?: string
  total: number | null
  rows: StatsRow[]
  vehicles_basis?: string
  suppression?: string
}

export const stats = (q: StatsQuery) => http.get<StatsAnswer>('/api/v1/stats', { ...q })

/** The same query as CSV (format=csv), fetched with the bearer token. */
export const statsCsv = (q: StatsQuery): Promise<FileAnswer> => http.file('/api/v1/stats', { ...q, format: 'csv' })

/** No login: the public aggregates, small cells suppressed. */
export const publicStats = (q: StatsQuery) => http.get<StatsAnswer>('/api/v1/public/stats', { ...q }, { anonymous: true })
