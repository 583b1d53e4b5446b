// Force management (队伍管理): units, personnel, rosters (排班), training
// (公安夜校, 大练兵), discipline and commendations (奖惩). One typed function
// per endpoint of /api/v1/force/…; permissions force.read / force.write.
import { http, request } from './http'
import type { Page } from './types'

const F = '/api/v1/force'

export const UNIT_KINDS = ['bureau', 'branch', 'station', 'brigade', 'post'] as const
export const PERSONNEL_KINDS = ['police', 'auxiliary'] as const
export const OFFICER_STATUSES = ['on_duty', 'leave', 'training', 'suspended', 'left'] as const
export const COURSE_KINDS = ['night_school', 'physical', 'shooting', 'legal', 'first_aid', 'tactics'] as const
export const COMMENDATION_KINDS = ['commendation', 'merit_third', 'merit_second'] as const
export const DISCIPLINE_KINDS = ['criticism', 'warning', 'demerit', 'major_demerit', 'dismissal'] as const
/** Shift codes the roster offers, with their usual hours (the server takes any short code). */
export const SHIFT_PRESETS = [
  { code: 'day', start: '08:00', end: '20:00' },
  { code: 'night', start: '20:00', end: '08:00' },
  { code: 'office', start: '08:30', end: '17:30' },
  { code: 'duty', start: '08:00', end: '08:00' },
] as const

export type OfficerStatus = (typeof OFFICER_STATUSES)[number]

export interface ForceUnit {
  code: string
  name: string
  kind: string
  parent_code: string
  district_code: string
  /** People directly in the unit (not its sub-units), who have not left. */
  personnel: number
}

export interface Officer {
  police_no: string
  name: string
  kind: string
  /** Masked in lists (460100********1234); in full on the profile for force.write. */
  id_number: string
  unit_code: string
  rank: string
  post: string
  status: string
  username: string | null
  call_sign: string
  joined_at: string
  left_at: string | null
  updated_at: string
}

export interface ShiftMember {
  police_no: string
  name: string
  call_sign: string
}

export interface Shift {
  id: number
  unit_code: string
  date: string
  code: string
  starts_at: string
  ends_at: string
  members: ShiftMember[]
}

export interface TrainingOfYear {
  year: number
  hours: number
  sessions: number
  failed?: number
  behind?: boolean
  required_hours: number
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

export interface OfficerProfile extends Officer {
  training: TrainingOfYear
  shifts: Shift[]
  discipline: DisciplineRecord[]
}

export interface Course {
  code: string
  name: string
  kind: string
  hours: number
  pass_mark: number
}

export interface TrainingSession {
  id: number
  course_code: string
  title: string
  kind: string
  starts_at: string
  place: string
  unit_code: string
  hours: number
  attendance: number
  pass_mark: number
}

export interface AttendanceRecord {
  police_no: string
  name: string
  hours: number
  score: number | null
  passed: boolean
}

export interface SessionDetail extends TrainingSession {
  records: AttendanceRecord[]
}

export interface HoursRow {
  police_no: string
  name: string
  unit_code: string
  kind: string
  hours: number
  sessions: number
  failed: number
  behind: boolean
}

export interface HoursReport {
  year: number
  required_hours: number
  officers: number
  behind: number
  items: HoursRow[]
}

export interface TrainingSummary {
  from: number
  to: number
  sessions: number
  night_school_sessions: number
  training_events: number
  attendances: number
  hours: number
  required_hours: number
  by_year_kind: { year: number; kind: string; sessions: number; attendances: number; hours: number }[]
}

export interface PersonnelQuery {
  unit?: string
  q?: string
  status?: string
  kind?: string
  page?: number
  page_size?: number
}

export interface NewOfficer {
  police_no: string
  name: string
  kind: string
  id_number?: string
  unit_code: string
  rank?: string
  post?: string
  status?: string
  username?: string
  call_sign?: string
}

export type OfficerPatch = Partial<Pick<Officer, 'name' | 'unit_code' | 'rank' | 'post' | 'status' | 'call_sign' | 'id_number'>> & {
  username?: string
}

export interface NewShift {
  unit_code: string
  date: string
  code: string
  starts_at: string
  ends_at: string
  members: { police_no: string; call_sign: string }[]
}

export interface NewSession {
  course_code: string
  title?: string
  starts_at: string
  place?: string
  unit_code?: string
  hours?: number
}

export interface NewDiscipline {
  police_no: string
  kind: string
  date: string
  decision: string
}

// ---- units
export const listUnits = () => http.get<Page<ForceUnit>>(`${F}/units`)
export const createUnit = (u: { code: string; name: string; kind: string; parent_code: string; district_code?: string }) =>
  http.post<ForceUnit>(`${F}/units`, u)

// ---- personnel
export const listPersonnel = (q: PersonnelQuery, signal?: AbortSignal) =>
  http.get<Page<Officer>>(`${F}/personnel`, { ...q }, { signal })
export const getOfficer = (policeNo: string, year?: number) =>
  http.get<OfficerProfile>(`${F}/personnel/${encodeURIComponent(policeNo)}`, { year })
export const createOfficer = (o: NewOfficer) => http.post<Officer>(`${F}/personnel`, o)
export const updateOfficer = (policeNo: string, patch: OfficerPatch) =>
  http.patch<Officer>(`${F}/personnel/${encodeURIComponent(policeNo)}`, patch)

// ---- rosters
export const listShifts = (q: { unit?: string; from?: string; to?: string; police_no?: string }) =>
  http.get<Page<Shift>>(`${F}/shifts`, q)
export const createShift = (s: NewShift) => http.post<Shift>(`${F}/shifts`, s)
export const addShiftMember = (id: number, m: { police_no: string; call_sign: string }) =>
  http.post<Shift>(`${F}/shifts/${id}/members`, m)
export const removeShiftMember = (id: number, policeNo: string) =>
  request<Shift>(`${F}/shifts/${id}/members/${encodeURIComponent(policeNo)}`, { method: 'DELETE' })
export const deleteShift = (id: number) => request<void>(`${F}/shifts/${id}`, { method: 'DELETE' })

// ---- training
export const listCourses = () => http.get<Page<Course>>(`${F}/courses`)
export const createCourse = (c: Course) => http.post<Course>(`${F}/courses`, c)
export const listSessions = (q: { year?: number; kind?: string }) => http.get<Page<TrainingSession>>(`${F}/training/sessions`, q)
export const createSession = (s: NewSession) => http.post<TrainingSession>(`${F}/training/sessions`, s)
export const getSession = (id: number) => http.get<SessionDetail>(`${F}/training/sessions/${id}`)
export const recordAttendance = (id: number, records: { police_no: string; hours?: number; score?: number }[]) =>
  http.post<{ recorded: number }>(`${F}/training/sessions/${id}/attendance`, { records })
export const trainingHours = (q: { year?: number; unit?: string; behind?: boolean }) =>
  http.get<HoursReport>(`${F}/training/hours`, { year: q.year, unit: q.unit, behind: q.behind ? 1 : undefined })
export const trainingSummary = (from: number, to: number) => http.get<TrainingSummary>(`${F}/training/summary`, { from, to })

// ---- discipline and commendations
export const listDiscipline = (policeNo?: string) => http.get<Page<DisciplineRecord>>(`${F}/discipline`, { police_no: policeNo })
export const addDiscipline = (d: NewDiscipline) => http.post<DisciplineRecord>(`${F}/discipline`, d)
