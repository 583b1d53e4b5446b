// 网上督察 (online inspection): rules over the audit log raise findings about
// officers' reads of personal data; two inspectors decide each one (four eyes:
// one proposes, a different one approves or returns it), and a confirmed
// finding may lead to a discipline record. Permission audit.read (inspectors).
import { http, request } from './http'
import { listAudit, type AuditEntry } from './audit'

export const RULES = ['off_shift', 'bad_case', 'volume', 'repeat', 'protected'] as const
export type Rule = (typeof RULES)[number]
export const STATES = ['open', 'proposed', 'confirmed', 'dismissed'] as const
export type FindingState = (typeof STATES)[number]
/** The discipline a finding may lead to, lightest first (commendations are command's, not a finding's). */
export const DISCIPLINE_KINDS = ['criticism', 'warning', 'demerit', 'major_demerit', 'dismissal'] as const

export interface InspectionRules {
  read_actions: string[]
  off_shift: boolean
  night_from_hour: number
  night_to_hour: number
  office_from_hour: number
  office_to_hour: number
  shift_grace_minutes: number
  bad_case: boolean
  volume: boolean
  volume_z: number
  volume_min: number
  baseline_days: number
  repeat: boolean
  repeat_min: number
  repeat_window_days: number
  protected_reads: boolean
}

export interface RunStats {
  full: boolean
  readers: number
  entries: number
  raised: number
  last_id: number
  seconds: number
}

/** Rule-specific facts; which keys are present depends on the rule. */
export interface FindingFacts {
  reads?: number
  night?: number
  rostered?: boolean
  problem?: 'unknown_case' | 'closed_case' | 'other_unit' | string
  case_no?: string
  own_median?: number
  peer_median?: number
  z_own?: number
  z_peer?: number
  role?: string
  window_days?: number
  category?: 'public_figure' | 'colleague' | 'household' | 'self' | string
}

export interface Finding {
  id: number
  rule: Rule | string
  actor: string
  police_no: string
  unit_code: string
  /** Present since the server names them for inspectors (who have no force.read). */
  officer_name?: string
  unit_name?: string
  day: string
  subject: string
  score: number
  facts: FindingFacts
  evidence_count: number
  state: FindingState | string
  proposed_decision: '' | 'confirm' | 'dismiss' | string
  proposed_by: string
  proposed_reason: string
  proposed_at: string
  decided_by: string
  decided_at: string
  discipline_id: number | null
  raised_at: string
}

export interface FindingDetail extends Finding {
  evidence: AuditEntry[]
}

export interface FindingPage {
  items: Finding[]
  total: number
  /** Counts per state under the same rule/actor filters. */
  by_state?: Partial<Record<FindingState, number>>
}

export interface FindingQuery {
  state?: string
  rule?: string
  actor?: string
  police_no?: string
  page?: number
  page_size?: number
}

export interface DisciplineRecord {
  id: number
  police_no: string
  name: string
  kind: string
  commendation: boolean
  date: string
  decision: string
  finding_id: number | null
  created_by: string
  created_at: string
}

export const getRules = () => http.get<InspectionRules>('/api/v1/inspection/rules')
export const putRules = (patch: Partial<InspectionRules>) =>
  request<InspectionRules>('/api/v1/inspection/rules', { method: 'PUT', body: patch })
export const runInspection = (full: boolean) => http.post<RunStats>('/api/v1/inspection/run', { full })

export const listFindings = (q: FindingQuery) => http.get<FindingPage>('/api/v1/inspection/findings', { ...q })
export const getFinding = (id: number) => http.get<FindingDetail>(`/api/v1/inspection/findings/${id}`)
export const proposeFinding = (id: number, decision: 'confirm' | 'dismiss', reason: string) =>
  http.post<Finding>(`/api/v1/inspection/findings/${id}/propose`, { decision, reason })
export const approveFinding = (id: number) => http.post<Finding>(`/api/v1/inspection/findings/${id}/approve`, {})
export const returnFinding = (id: number, reason: string) =>
  http.post<Finding>(`/api/v1/inspection/findings/${id}/return`, { reason })

export const recordDiscipline = (b: { police_no: string; kind: string; date: string; decision: string; finding_id: number }) =>
  http.post<DisciplineRecord>('/api/v1/force/discipline', b)
/** An officer's discipline records (inspectors may read them). */
export const disciplineOf = (police_no: string) =>
  http.get<{ items: DisciplineRecord[]; total: number }>('/api/v1/force/discipline', { police_no })

/** The review steps of a finding as the audit log holds them (propose, approve, return, discipline). */
export async function reviewHistory(f: Finding): Promise<AuditEntry[]> {
  const [own, discipline] = await Promise.all([
    listAudit({ target: String(f.id), page_size: 200 }),
    listAudit({ target: f.police_no, action: 'force.discipline.create', page_size: 50 }),
  ])
  const steps = own.items.filter((e) => /^inspection\.finding\.(propose|approve|return)$/.test(e.action) && e.outcome === 'ok')
  const records = discipline.items.filter((e) => e.outcome === 'ok' && typeof e.detail === 'string' && e.detail.endsWith(` finding ${f.id}`))
  return [...steps, ...records].sort((a, b) => Number(a.id) - Number(b.id))
}
