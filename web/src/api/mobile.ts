// 移动警务 (docs/grassroots.md "Mobile app"): the patrol officer's own shift,
// car, assignments and tasks, and the offline queue's sync. Only the officer's
// own records: another car's assignment is 403 not_your_assignment, an account
// without a linked officer 404 no_officer.
import { http } from './http'
import { headerValue } from './analysis'
import type { Profile, SearchAnswer } from './search'

const M = '/api/v1/mobile'

export interface MobileShift {
  id?: number
  date?: string
  code: string
  start: string
  end: string
}

export interface MobileCar {
  call_sign: string
  unit_id: number | null
  availability?: string
  type?: string
}

export interface MobileMe {
  officer: {
    police_no: string
    name: string
    post?: string
    unit_code?: string
    unit_name?: string
    station_code?: string
    district_code?: string
  }
  unit?: { code: string; name: string } | null
  station?: { code: string; name: string; district_code?: string } | null
  shift: (MobileShift & { on_now?: boolean; call_sign?: string }) | null
  car: MobileCar | null
  session?: { idle_seconds?: number; absolute_seconds?: number; expires_at?: string }
  as_of?: string
}

export type AssignmentState = 'assigned' | 'reserved' | 'acknowledged' | 'en_route' | 'on_scene' | 'cleared'

export interface MobileIncident {
  id: number
  category: string
  priority: number
  address: string
  narrative?: string
  status?: string
  received_at?: string
  lat: number | null
  lon: number | null
  area?: string
  feedback?: string
}

/** A dispatch timer (签收, 到达, 反馈) on the server's clock. */
export interface MobileTimer {
  step: 'acknowledge' | 'arrival' | 'feedback' | string
  started_at: string
  due_at: string
  met_at: string | null
  overdue: boolean
}

/** One assignment of the officer's car as the phone shows it (normalised by normaliseAssignment). */
export interface MobileAssignment {
  incident_id: number
  state: AssignmentState | string
  since: string
  at: Record<string, string>
  incident: MobileIncident
  timers: MobileTimer[]
  lat: number | null
  lon: number | null
}

export interface RegistryTaskItem {
  id: number
  kind: string
  community_code?: string
  community?: string
  address_code?: string
  full_address?: string
  subject?: string
  detail?: Record<string, unknown> | null
  created_at?: string
  status?: string
  /** The results this kind of task accepts, when the server lists them. */
  results?: string[]
}

export interface FollowupItem {
  id: number
  dispute_id: number
  due_on: string
  overdue?: boolean
  assignee?: string
  kind?: string
  risk?: string
  address?: string
  summary?: string
  status?: string
}

export interface HazardItem {
  id: number
  site_code: string
  site_name?: string
  item: string
  level?: string
  note?: string
  found_at?: string
  deadline?: string
  overdue?: boolean
  status?: string
}

export interface InspectionDueItem {
  site_code: string
  site_name?: string
  name?: string
  kind?: string
  address?: string
  next_due?: string
  last_inspected_at?: string | null
  overdue?: boolean
  lat?: number | null
  lon?: number | null
  /** The site kind's checklist: every item must be answered by an inspection. */
  checklist?: string[]
}

export interface TipItem {
  id: number
  category: string
  text: string
  address?: string
  status?: string
  created_at?: string
  lat?: number | null
  lon?: number | null
}

export interface MobileTasks {
  registry_tasks: RegistryTaskItem[]
  followups: FollowupItem[]
  hazards: HazardItem[]
  inspections_due: InspectionDueItem[]
  tips: TipItem[]
  as_of?: string
}

export interface FieldNote {
  id: number
  op_id?: string
  text: string
  lat: number | null
  lon: number | null
  ref?: string | null
  at: string
  created_at?: string
}

// ---- the offline queue's ops (docs/grassroots.md "Offline queue")

interface OpBase {
  /** A UUID made on the phone: the server stores each op_id once. */
  op_id: string
  /** When the officer did it (the phone's clock, ISO 8601). */
  at: string
}
export type NoteOp = OpBase & { kind: 'note'; text: string; lat?: number; lon?: number; ref?: string }
export type VerifyTaskOp = OpBase & { kind: 'verify_task'; task_id: number; result: string; note: string }
export type FollowupOp = OpBase & { kind: 'followup'; followup_id: number; result: 'stable' | 'recurring'; note: string }
export type ReinspectOp = OpBase & { kind: 'reinspect'; hazard_id: number; ok: boolean; note: string; deadline?: string }
/** One checklist item as found on site: an item not ok is a hazard with a level and a deadline (a date after the inspection). */
export interface InspectAnswer {
  item: string
  ok: boolean
  note?: string
  level?: 'general' | 'major'
  deadline?: string
}
/** An inspection done on site: exactly the body of POST /grassroots/supervision/inspections. */
export type InspectOp = OpBase & { kind: 'inspect'; site_code: string; checklist: InspectAnswer[]; counts?: Record<string, number>; note?: string }
export type SyncOp = NoteOp | VerifyTaskOp | FollowupOp | InspectOp | ReinspectOp
export type OpKind = SyncOp['kind']
/** What an op is about, as the lists name it: a site by its code, a task, follow-up or hazard by its number. */
export type OpSubject<K extends OpKind> = K extends 'inspect' ? string : number

/** The task, follow-up, hazard or site an op answers (null for a field note, which answers nothing). */
export function opSubject(op: SyncOp): string | number | null {
  switch (op.kind) {
    case 'verify_task':
      return op.task_id
    case 'followup':
      return op.followup_id
    case 'reinspect':
      return op.hazard_id
    case 'inspect':
      return op.site_code
    case 'note':
      return null
  }
}

export type SyncOutcome = 'stored' | 'duplicate' | 'conflict' | 'error'

export interface SyncResult {
  op_id: string
  result: SyncOutcome
  /** stored: the stored record. */
  record?: unknown
  /** conflict / error: why. */
  error?: { code: string; message: string }
  /** conflict: the record as the server has it now (nothing was overwritten). */
  current?: unknown
}

// ---- normalising: the answers are read leniently, so that a field the server
// names a little differently (an incident nested or flat) still shows.

type Obj = Record<string, unknown>
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {})
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : null)
const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v))
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : Array.isArray(obj(v).items) ? (obj(v).items as unknown[]) : [])

export function normaliseAssignment(raw: unknown): MobileAssignment {
  const a = obj(raw)
  const inc = obj(a.incident)
  const id = num(a.incident_id) ?? num(inc.id) ?? num(a.id) ?? 0
  const lat = num(a.lat) ?? num(inc.lat)
  const lon = num(a.lon) ?? num(inc.lon)
  const incident: MobileIncident = {
    id,
    category: str(inc.category ?? a.category),
    priority: num(inc.priority ?? a.priority) ?? 0,
    address: str(inc.address ?? a.address),
    narrative: str(inc.narrative ?? a.narrative),
    status: str(inc.status ?? a.status),
    received_at: str(inc.received_at ?? a.received_at),
    lat,
    lon,
    area: str(inc.area ?? a.area),
    feedback: str(inc.feedback ?? a.feedback),
  }
  return {
    incident_id: id,
    state: str(a.state),
    since: str(a.since),
    at: obj(a.at) as Record<string, string>,
    incident,
    timers: (Array.isArray(a.timers) ? a.timers : Array.isArray(inc.timers) ? inc.timers : []).map((x) => {
      const o = obj(x)
      const met = o.met ?? o.met_at
      return {
        step: str(o.step),
        started_at: str(o.started ?? o.started_at),
        due_at: str(o.due ?? o.due_at),
        met_at: met ? str(met) : null,
        overdue: o.overdue === true,
      }
    }),
    lat,
    lon,
  }
}

export function normaliseTasks(raw: unknown): MobileTasks {
  const t = obj(raw)
  const pick = (...keys: string[]) => {
    for (const k of keys) if (k in t) return arr(t[k])
    return []
  }
  return {
    registry_tasks: pick('registry_tasks', 'verification_tasks', 'registry', 'tasks') as RegistryTaskItem[],
    followups: pick('followups', 'dispute_followups') as FollowupItem[],
    hazards: pick('hazards', 'hazards_to_reinspect', 'reinspections') as HazardItem[],
    inspections_due: pick('inspections_due', 'inspections', 'sites_due') as InspectionDueItem[],
    tips: pick('tips') as TipItem[],
    as_of: str(t.as_of) || undefined,
  }
}

export function normaliseResults(raw: unknown): SyncResult[] {
  return arr(obj(raw).results ?? raw).map((r) => {
    let o = obj(r)
    // A duplicate of an op answered before with a conflict or an error: that answer again, not "stored".
    const first = obj(o.first)
    const was = str(first.status ?? first.result)
    if (str(o.status ?? o.result) === 'duplicate' && (was === 'conflict' || was === 'error')) o = { ...first, op_id: o.op_id }
    const result = str(o.result ?? o.status ?? o.outcome) as SyncOutcome
    const e = obj(o.error)
    const code = str(e.code ?? o.code ?? (typeof o.error === 'string' ? o.error : ''))
    return {
      op_id: str(o.op_id),
      result,
      record: o.record ?? o.stored,
      error: code || e.message ? { code, message: str(e.message ?? o.message) } : undefined,
      current: o.current,
    }
  })
}

// ---- the endpoints

export const getMe = () => http.get<MobileMe>(`${M}/me`)

export const getAssignments = async (): Promise<MobileAssignment[]> =>
  arr(await http.get<unknown>(`${M}/assignments`)).map(normaliseAssignment)

export const setAssignmentState = (incident: number, state: AssignmentState) =>
  http.post<unknown>(`${M}/assignments/${incident}/state`, { state })

export const sendFeedback = (incident: number, text: string) => http.post<unknown>(`${M}/assignments/${incident}/feedback`, { text })

// The list names the people of verification tasks: the server audits each read under the purpose stated here,
// the officer's own work list (as /registry/tasks asks the desktop for one).
export const TASKS_PURPOSE = '本人辖区采集核查及基层任务'
export const getTasks = async (): Promise<MobileTasks> =>
  normaliseTasks(await http.get<unknown>(`${M}/tasks`, {}, { headers: { 'X-Purpose': headerValue(TASKS_PURPOSE) } }))

export const getNotes = async (): Promise<FieldNote[]> => arr(await http.get<unknown>(`${M}/notes`)) as FieldNote[]

export const sync = async (ops: SyncOp[]): Promise<SyncResult[]> => normaliseResults(await http.post<unknown>(`${M}/sync`, { ops }))

// ---- the one-box lookup: the desktop's search and profile, with the purpose and
// the case number asked on the phone (X-Purpose, X-Case-No), audited alike.

export interface LookupContext {
  purpose: string
  caseNo: string
}

const lookupHeaders = (ctx: LookupContext) => ({ 'X-Purpose': headerValue(ctx.purpose), 'X-Case-No': headerValue(ctx.caseNo) })

export const lookup = (ctx: LookupContext, q: string, signal?: AbortSignal) =>
  http.get<SearchAnswer>('/api/v1/search', { q, limit: 20 }, { headers: lookupHeaders(ctx), signal })

export const lookupProfile = (ctx: LookupContext, ref: string, signal?: AbortSignal) =>
  http.get<Profile>(`/api/v1/entities/${encodeURIComponent(ref)}`, {}, { headers: lookupHeaders(ctx), signal })
