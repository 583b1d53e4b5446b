// 我的数据被谁查询: the reads of a citizen's own personal data by the police,
// for the citizen portal (citizen token, never the staff session). Reads for a
// case still open, and the most recent ones, are withheld and only counted.
import { http } from './http'

export const PURPOSE_CATEGORIES = ['case_investigation', 'verification', 'service_handling', 'incident_handling', 'analysis'] as const

export interface DataRead {
  at: string
  unit: string
  unit_name: string
  officer: string | null
  purpose_category: string
  case_no: string | null
}

export interface DataReads {
  items: DataRead[]
  total: number
  /** Reads for a case not yet closed: shown once it is. */
  withheld_open_case: number
  /** Reads of the last delay_days: shown once that time has passed. */
  withheld_recent: number
  delay_days: number
}

export const myDataReads = (token: string) =>
  http.get<DataReads>('/api/v1/citizen/data-reads', undefined, { anonymous: true, headers: { Authorization: `Bearer ${token}` } })
