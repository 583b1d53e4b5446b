// Shared state and helpers of the force pages (队伍管理): the unit tree (read
// once, names for codes), the dispatch call signs (for the roster), the
// names of the codes in the current language (force.<table>.<code>) and the
// locale's message for a server error (force.errors.<code>, then errors.<code>).
import { computed, shallowRef } from 'vue'
import { i18n } from '@/locales'
import { ApiError } from '@/api/http'
import { listUnits, trainingSummary, type ForceUnit } from '@/api/force'
import { listUnits as listDispatchUnits } from '@/api/dispatch'
import { errorMessage } from '@/utils/errors'
import { toDateShanghai, addDays } from '@/utils/format'

export type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'info'
type Table = 'unitKinds' | 'kinds' | 'statuses' | 'courseKinds' | 'disciplineKinds' | 'shiftCodes'

/** The name of a code in the current language, or the code itself when the locale does not know it. */
export function label(table: Table, code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return '—'
  const { t, te } = i18n.global
  const key = `force.${table}.${code}`
  return te(key) ? t(key) : code
}

/**
 * A user-facing message for a failure: the force module's text for the code (with the officer and
 * times the server names, where it does), the app's, or a generic one; never the server's English.
 */
export function failure(e: unknown, names: Record<string, string> = {}): string {
  const { t, te } = i18n.global
  if (e instanceof ApiError && te(`force.errors.${e.code}`)) {
    // The server's message names the officer first ("100832 is already on shift 12 (… – …)").
    const no = /\b(\d{4,12})\b/.exec(e.message)?.[1] ?? ''
    // "云磊（100551）" when the page knows the name, else the police number.
    const who = no && names[no] ? t('force.errors.who', { name: names[no], no }) : no
    const times = e.message.match(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?([+-]\d{2}:?\d{2}|Z)/g) ?? []
    const rest = /less than (\d+(\.\d+)?) h/.exec(e.message)?.[1]
    if (e.code === 'double_shift') {
      const [from, to] = times
      if (who && from && to) return t('force.errors.double_shift', { who, range: `${dayOf(from).slice(5)} ${hhmm(from)}–${hhmm(to)}` })
      if (who) return t('force.errors.double_shift_plain', { who })
    }
    if (e.code === 'rest_too_short' && who) return t('force.errors.rest_too_short', { who, n: rest ?? '8' })
    if ((e.code === 'unknown_officer' || e.code === 'invalid_score') && !who) return t(`force.errors.${e.code}_plain`)
    return t(`force.errors.${e.code}`, { who })
  }
  if (e instanceof ApiError && !te(`errors.${e.code}`)) return t('force.errors.generic', { status: e.status || '—' })
  return errorMessage(e)
}

export const errorCode = (e: unknown): string => (e instanceof ApiError ? e.code : '')

export const statusType = (s: string): TagType =>
  s === 'on_duty' ? 'success' : s === 'leave' ? 'warning' : s === 'training' ? 'primary' : s === 'suspended' ? 'danger' : 'info'
export const disciplineType = (kind: string): TagType =>
  kind === 'commendation' || kind === 'merit_third' || kind === 'merit_second' ? 'success' : kind === 'criticism' || kind === 'warning' ? 'warning' : 'danger'

// ---- units ------------------------------------------------------------------------
export const units = shallowRef<ForceUnit[]>([])
export const unitsError = shallowRef('')
let unitsLoad: Promise<ForceUnit[]> | null = null

export function loadUnits(force = false): Promise<ForceUnit[]> {
  if (force) unitsLoad = null
  unitsLoad ??= listUnits()
    .then((r) => {
      units.value = r.items
      unitsError.value = ''
      return r.items
    })
    .catch((e) => {
      unitsLoad = null
      unitsError.value = failure(e)
      return [] as ForceUnit[]
    })
  return unitsLoad
}

export const unitByCode = computed(() => {
  const m: Record<string, ForceUnit> = {}
  for (const u of units.value) m[u.code] = u
  return m
})

/** The unit's name, or its code while the names are not known. */
export const unitName = (code: string | null | undefined): string => (code ? (unitByCode.value[code]?.name ?? code) : '—')

export interface UnitNode {
  code: string
  name: string
  kind: string
  /** People in the unit and all units under it. */
  total: number
  children: UnitNode[]
}

/** The units as a tree (from parent_code), each with the head count of its subtree. */
export const unitTree = computed<UnitNode[]>(() => {
  const nodes: Record<string, UnitNode> = {}
  for (const u of units.value) nodes[u.code] = { code: u.code, name: u.name, kind: u.kind, total: u.personnel, children: [] }
  const roots: UnitNode[] = []
  for (const u of units.value) {
    const parent = u.parent_code ? nodes[u.parent_code] : undefined
    if (parent) parent.children.push(nodes[u.code])
    else roots.push(nodes[u.code])
  }
  const sum = (n: UnitNode): number => {
    for (const c of n.children) n.total += sum(c)
    return n.total
  }
  roots.forEach(sum)
  return roots
})

/** The unit and every unit under it. */
export function subtree(code: string): Set<string> {
  const out = new Set<string>([code])
  for (let grew = true; grew; ) {
    grew = false
    for (const u of units.value)
      if (out.has(u.parent_code) && !out.has(u.code)) {
        out.add(u.code)
        grew = true
      }
  }
  return out
}

/** "秀英分局 / 秀英派出所": the unit's name under its parent's (the bureau left out). */
export function unitPath(code: string): string {
  const u = unitByCode.value[code]
  if (!u) return code
  const p = u.parent_code ? unitByCode.value[u.parent_code] : undefined
  return p && p.kind !== 'bureau' ? `${p.name} / ${u.name}` : u.name
}

// ---- call signs of the dispatch units (the roster's cars) ---------------------------
export interface CallSign {
  call_sign: string
  station: string
  type: string
}
export const callSigns = shallowRef<CallSign[]>([])
/** The user may not read the dispatch units (no dispatch.read): the roster then takes no call signs. */
export const callSignsDenied = shallowRef(false)
let callSignsLoad: Promise<void> | null = null

export function loadCallSigns(force = false): Promise<void> {
  if (force) callSignsLoad = null
  callSignsLoad ??= listDispatchUnits()
    .then((r) => {
      callSigns.value = r.items.map((u) => ({ call_sign: u.call_sign, station: u.station, type: u.type })).sort((a, b) => a.call_sign.localeCompare(b.call_sign))
      callSignsDenied.value = false
    })
    .catch((e) => {
      callSignsLoad = null
      callSignsDenied.value = e instanceof ApiError && e.status === 403
    })
  return callSignsLoad
}

// ---- dates --------------------------------------------------------------------------
export const today = (): string => toDateShanghai(new Date())

/** The Monday of the week of a YYYY-MM-DD. */
export function mondayOf(date: string): string {
  const d = new Date(`${date}T00:00:00Z`)
  const dow = (d.getUTCDay() + 6) % 7
  return addDays(date, -dow)
}

export const isDate = (s: unknown): s is string => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(new Date(`${s}T00:00:00Z`).getTime())

/** "08:00" of an ISO time with an offset, in Beijing time. */
export function hhmm(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(11, 16)
}

/** The YYYY-MM-DD (Beijing) of an ISO time. */
export function dayOf(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso.slice(0, 10)
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10)
}

export const currentYear = (): number => Number(today().slice(0, 4))

/** Hours as the pages show them: 39, 2.5. */
export const hoursText = (h: number | null | undefined): string => (h === null || h === undefined ? '—' : String(Math.round(h * 10) / 10))

/** Bumped after an officer, shift or record changes, so that the lists on the page read again. */
export const changes = shallowRef(0)
export const changed = (): void => {
  changes.value++
}

// ---- the years that have training -------------------------------------------------------
/** Years with training sessions, newest first (the current year always offered). */
export const trainingYears = shallowRef<number[]>([])
let yearsLoad: Promise<number[]> | null = null

export function loadTrainingYears(force = false): Promise<number[]> {
  if (force) yearsLoad = null
  yearsLoad ??= trainingSummary(2000, 2100)
    .then((s) => {
      const ys = new Set<number>(s.by_year_kind.map((r) => r.year))
      const years = [...ys].sort((a, b) => b - a)
      trainingYears.value = years
      return years
    })
    .catch(() => {
      yearsLoad = null
      return [] as number[]
    })
  return yearsLoad
}

/** The year a training view opens on: the newest with sessions (not after this year), else this year. */
export function defaultTrainingYear(years: number[]): number {
  const now = currentYear()
  return years.find((y) => y <= now) ?? now
}

/** The years a year picker offers: those with sessions, this year and the next. */
export const yearOptions = computed(() => {
  const now = currentYear()
  return [...new Set([now + 1, now, ...trainingYears.value])].sort((a, b) => b - a)
})

/** A phone-sized window (≤ 600 px): one column of facts, fewer table columns. */
export const narrow = shallowRef(false)
if (typeof window !== 'undefined' && window.matchMedia) {
  const mq = window.matchMedia('(max-width: 600px)')
  narrow.value = mq.matches
  mq.addEventListener?.('change', (e) => (narrow.value = e.matches))
}
