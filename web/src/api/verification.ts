// 采集核查 (community verification) and 一标三实 completeness. The task list
// names people: it needs registry.write and a purpose, and is audited.
// Generating and verifying tasks need registry.write; completeness needs
// registry.read. docs/registry.md.
import { http } from './http'
import { headerValue } from './analysis'

const R = '/api/v1/registry'

// regular_visitor and care_visit come from the smart communities' rules (docs/communities.md).
export const TASK_KINDS = ['new_rental', 'moved_out_unconfirmed', 'unregistered_occupants', 'stale_record', 'regular_visitor', 'care_visit'] as const
export type TaskKind = (typeof TASK_KINDS)[number]

/** The results each kind of task accepts (the server refuses others with invalid_result). */
export const TASK_RESULTS: Record<TaskKind, readonly string[]> = {
  new_rental: ['confirmed', 'not_found'],
  moved_out_unconfirmed: ['moved_out', 'still_living'],
  unregistered_occupants: ['registered', 'moved_out'],
  stale_record: ['confirmed', 'moved_out'],
  regular_visitor: ['registered_elsewhere', 'visitor', 'moved_in', 'not_found'],
  care_visit: ['visited_well', 'referred', 'not_reached', 'moved_out'],
}

export type TaskStatus = 'open' | 'done'

export interface TaskDetail {
  /** The person to check: "ID:…" or "PASSPORT:…" (new_rental: tenant). */
  person?: string
  name?: string
  category?: string
  tenant?: string
  tenant_name?: string
  start_date?: string
  rental_ended?: string
  last_checked?: string
  /** regular_visitor: nights entered within window_days (dates: those nights). */
  nights?: number
  window_days?: number
  dates?: string[]
  /** care_visit: the resident's age, last time seen at a gate, days since. */
  age?: number
  last_seen?: string
  days_unseen?: number
  room?: string
  rule?: string
}

export interface Task {
  id: number
  community_code: string
  community: string
  kind: TaskKind | string
  address_code: string
  full_address: string
  subject: string
  detail: TaskDetail | null
  created_at: string
  status: TaskStatus | string
  result: string
  note: string
  verified_by: string
  verified_at: string | null
}

export interface TaskPage {
  items: Task[]
  total: number
  page: number
  page_size: number
}

export interface GenerateResult {
  created: Partial<Record<TaskKind, number>>
  total: number
}

export interface Completeness {
  code: string
  name: string
  level: string
  rooms: number
  rooms_known_use: number
  /** rooms_known_use / rooms, or null without rooms. */
  known_use_share: number | null
  occupants: number
  occupants_registered: number
  registered_share: number | null
  stale: number
  open_tasks: number
  group_rentals: number
}

export interface CompletenessAnswer {
  items: Completeness[]
  total: number
  all: Completeness
  as_of: string
}

export const listTasks = (
  q: { community: string; status?: TaskStatus; page?: number; page_size?: number },
  purpose: string,
  signal?: AbortSignal,
) => http.get<TaskPage>(`${R}/tasks`, { ...q }, { headers: { 'X-Purpose': headerValue(purpose) }, signal })

export const generateTasks = (community: string) => http.post<GenerateResult>(`${R}/tasks/generate`, { community })

export const verifyTask = (id: number, result: string, note?: string) =>
  http.post<Task>(`${R}/tasks/${id}/verify`, { result, note: note?.trim() || undefined })

/** Per district (no under), per street of a district, or per community of a street. */
export const getCompleteness = (under?: string, signal?: AbortSignal) =>
  http.get<CompletenessAnswer>(`${R}/completeness`, { under }, { signal })

/** The person a task is about, and their name, whatever its kind. */
export function taskPerson(t: Task): { ref: string; name: string } {
  const d = t.detail ?? {}
  return { ref: d.person ?? d.tenant ?? '', name: d.name ?? d.tenant_name ?? '' }
}
