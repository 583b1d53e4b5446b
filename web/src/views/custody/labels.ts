// The words of the custody pages in the current language: facility kinds,
// legal bases, event and alert kinds with what each alert means, reasons,
// durations as people read them ("2 天 5 小时"), the server's clock, and the
// server's refusals. No server code reaches the page: a code the locales do
// not know is shown by a generic word.
import { i18n } from '@/locales'
import { ApiError } from '@/api/http'
import { errorMessage } from '@/utils/errors'
import { formatTime } from '@/utils/format'
import type { AlertDetail, CustodyAlert } from '@/api/custody'

function tr(key: string, fallbackKey: string, args: Record<string, unknown> = {}): string {
  const { t, te } = i18n.global
  return te(key) ? t(key, args) : t(fallbackKey, args)
}

export const kindLabel = (k: string): string => tr(`custody.kinds.${k}`, 'custody.kinds.other')
export const kindShort = (k: string): string => tr(`custody.kindsShort.${k}`, 'custody.kinds.other')
export const basisLabel = (b: string | undefined): string => (b ? tr(`custody.bases.${b}`, 'custody.bases.other') : '—')
export const eventLabel = (k: string): string => tr(`custody.events.${k}`, 'custody.events.other')
export const alertLabel = (k: string): string => tr(`custody.alerts.${k}`, 'custody.alerts.other')
export const severityLabel = (s: string): string => tr(`custody.severity.${s}`, 'custody.severity.other')

/** A reason stored as one of the page's codes reads as words; an officer's own words stay as they are. */
export function extensionReason(r: string): string {
  const { t, te } = i18n.global
  return te(`custody.extReasons.${r}`) ? t(`custody.extReasons.${r}`) : r
}
export function releaseReason(r: string): string {
  const { t, te } = i18n.global
  return r && te(`custody.releaseReasons.${r}`) ? t(`custody.releaseReasons.${r}`) : r || '—'
}

// ---- the server's clock ---------------------------------------------------------------------
// Due times and countdowns run on the server's clock (its as_of), not the
// browser's: a phone whose clock is off must not hide an overdue detention.
let offsetMs = 0
export function syncClock(asOf: string | undefined): void {
  if (!asOf) return
  const t = Date.parse(asOf)
  if (!Number.isNaN(t)) offsetMs = t - Date.now()
}
export const serverNow = (): number => Date.now() + offsetMs

/** Hours from the server's now to an instant (negative: past). */
export function hoursUntil(iso: string, now = serverNow()): number {
  return (Date.parse(iso) - now) / 3_600_000
}

/** 29.5 → "1 天 5 小时" / "1 d 5 h"; under a day "5 小时 30 分"; under an hour "30 分钟". */
export function durationText(hours: number): string {
  const { t } = i18n.global
  const mins = Math.max(0, Math.round(Math.abs(hours) * 60))
  if (mins < 60) return t('custody.time.minutes', { n: mins })
  const h = Math.floor(mins / 60)
  const m = mins % 60
  if (h < 24) return m ? t('custody.time.hoursMinutes', { h, m }) : t('custody.time.hours', { h })
  const d = Math.floor(h / 24)
  const rh = h % 24
  return rh ? t('custody.time.daysHours', { d, h: rh }) : t('custody.time.days', { d })
}

/** "剩余 3 小时 12 分" or "已超期 5 小时". */
export function remainingText(hours: number): string {
  const { t } = i18n.global
  return hours < 0 ? t('custody.time.overdueBy', { d: durationText(hours) }) : t('custody.time.left', { d: durationText(hours) })
}

/** "张平" → "张*" (the home page's banner names people masked). */
export function maskName(name: string | undefined): string {
  if (!name) return '—'
  const chars = [...name]
  if (chars.length === 1) return chars[0]
  if (/^[\x20-\x7e]+$/.test(name)) return `${chars[0]}${'*'.repeat(Math.min(chars.length - 1, 6))}`
  return `${chars[0]}${'*'.repeat(chars.length - 1)}`
}

/** "ID:460100199209039494" → "460100********9494". */
export function maskId(person: string | undefined): string {
  const v = (person ?? '').replace(/^ID:/, '')
  if (v.length === 18) return `${v.slice(0, 6)}********${v.slice(14)}`
  return v ? '******' : '—'
}
export const idOf = (person: string | undefined): string => (person ?? '').replace(/^ID:/, '')

/** What an alert means, in words, with its figures. */
export function alertMeaning(a: CustodyAlert, facilityName?: string): string {
  const { t } = i18n.global
  const d: AlertDetail = a.detail ?? {}
  const who = d.name ?? t('custody.alertText.someone')
  const where = facilityName ? `${facilityName} ${t('custody.roomN', { room: a.room })}` : t('custody.roomN', { room: a.room })
  const hoursLeft = d.due_at ? hoursUntil(d.due_at) : (d.hours_left ?? 0)
  switch (a.kind) {
    case 'overdue':
      return t('custody.alertText.overdue', { who, basis: basisLabel(d.basis), by: durationText(hoursLeft), due: formatTime(d.due_at).slice(0, 16) })
    case 'due_soon':
      return t('custody.alertText.due_soon', { who, basis: basisLabel(d.basis), left: durationText(hoursLeft), due: formatTime(d.due_at).slice(0, 16) })
    case 'headcount_mismatch':
      return t('custody.alertText.headcount_mismatch', { where, counted: d.counted ?? '—', held: d.held ?? '—', at: formatTime(a.since).slice(0, 16) })
    case 'missed_patrol':
      return d.last_patrol
        ? t('custody.alertText.missed_patrol', { where, mins: d.minutes ?? '—', every: d.interval_minutes ?? 15, last: formatTime(d.last_patrol).slice(11, 16) })
        : t('custody.alertText.missed_patrol_never', { where, mins: d.minutes ?? '—', every: d.interval_minutes ?? 15 })
    case 'lawyer_not_arranged':
      return t('custody.alertText.lawyer_not_arranged', { who, at: formatTime(d.requested_at).slice(0, 16) })
    case 'no_admission_medical':
      return t('custody.alertText.no_admission_medical', { who })
    default:
      return t('custody.alerts.other')
  }
}

export const SEVERITY_TYPE: Record<string, 'danger' | 'warning' | 'info'> = { critical: 'danger', high: 'warning', medium: 'info' }

/**
 * The purpose the supervision overview (the home page's banner, the facility
 * list's alert counts) states for reading the alerts: they name the people
 * held past their limit. The audit log records it with each read.
 */
export const SUPERVISION_PURPOSE = '监管预警：超期羁押与到期释放提醒'

/** Occupancy colour: full or beyond is red, from 85% amber, else green. */
export function occupancyTone(occupants: number, capacity: number): 'red' | 'amber' | 'green' {
  if (capacity <= 0 || occupants >= capacity) return 'red'
  if (occupants / capacity >= 0.85) return 'amber'
  return 'green'
}
export const TONE_COLOURS = { red: '#d03050', amber: '#e6a23c', green: '#2f8a4c' } as const

// ---- the server's refusals --------------------------------------------------------------------

/** The locale's message for a failure of the custody pages, with the figures the server's message names. */
export function custodyError(e: unknown): string {
  const { t, te } = i18n.global
  if (!(e instanceof ApiError)) return errorMessage(e)
  const m = e.message ?? ''
  switch (e.code) {
    case 'over_capacity': {
      const x = /room (\S+) holds (\d+) of (\d+)/.exec(m)
      if (x) return t('custody.errors.over_capacity', { room: x[1], n: x[2], cap: x[3] })
      return t('custody.errors.over_capacity_plain')
    }
    case 'already_in_custody': {
      const x = /detainee (\d+) in ([^)\s]+)/.exec(m)
      if (x) return t('custody.errors.already_in_custody', { id: x[1], facility: x[2] })
      return t('custody.errors.already_in_custody_plain')
    }
    case 'extension_exceeds_limit': {
      const review = /procuratorate/.test(m)
      const step = /extension (\d+) of an arrest is at most (\d+) days/.exec(m)
      if (step) return t('custody.errors.extension_step', { i: step[1], n: step[2] })
      const x = /at most (\d+) days/.exec(m)
      const g = /(\d+) are granted already/.exec(m)
      if (review) return t('custody.errors.extension_review', { n: x ? x[1] : 7 })
      if (x && g) return t('custody.errors.extension_exceeds_limit', { n: x[1], granted: g[1] })
      if (x) return t('custody.errors.extension_exceeds_limit_n', { n: x[1] })
      return t('custody.errors.extension_exceeds_limit_plain')
    }
    case 'invalid_time':
      if (/before the admission/.test(m)) return t('custody.errors.time_before_admission')
      if (/future/.test(m)) return t('custody.errors.time_future')
      return t('custody.errors.invalid_time')
    case 'invalid_value':
      if (/roll call/.test(m)) return t('custody.errors.roll_call_count')
      if (/note/.test(m)) return t('custody.errors.note_too_long')
      if (/capacity/.test(m)) return t('custody.errors.room_capacity')
      return t('custody.errors.invalid_value')
    case 'wrong_facility': {
      const x = /a (\w+) is held in a (\w+)/.exec(m)
      if (x) return t('custody.errors.wrong_facility', { basis: basisLabel(x[1]), kind: kindLabel(x[2]) })
      return t('custody.errors.wrong_facility_plain')
    }
    case 'invalid_days':
      if (/extension/.test(m)) return t('custody.errors.extension_days')
      return t('custody.errors.invalid_days')
    default:
      if (te(`custody.errors.${e.code}`)) return t(`custody.errors.${e.code}`)
      return errorMessage(e)
  }
}

/** GB 11643: 17 digits and a check character. */
export function validIdNumber(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = w.reduce((a, x, i) => a + x * Number(id[i]), 0)
  return '10X98765432'[sum % 11] === id[17]
}

/** Whether a full ID number fits a masked one ("460100********9494"). */
export function fitsMask(id: string, masked: string): boolean {
  if (id.length !== masked.length) return false
  for (let i = 0; i < id.length; i++) if (masked[i] !== '*' && masked[i] !== id[i]) return false
  return true
}
