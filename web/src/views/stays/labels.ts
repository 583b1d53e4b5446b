// Names of the stays' codes in the current language (stays.kinds.*,
// stays.status.*, stays.states.*, stays.countries.*, …), their tag colours,
// and times relative to the stay clock: the board's as_of is "now" on these
// pages (the demo's data is a past year), never the browser's clock.
import { reactive } from 'vue'
import { i18n } from '@/locales'
import { ApiError } from '@/api/http'
import { errorMessage } from '@/utils/errors'

type Table =
  | 'kinds'
  | 'kindsShort'
  | 'status'
  | 'states'
  | 'resolutions'
  | 'lodging'
  | 'languages'
  | 'portKinds'
  | 'fields'
  | 'values'
  | 'filters'

export function label(table: Table, code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return '—'
  const { t, te } = i18n.global
  const key = `stays.${table}.${code}`
  return te(key) ? t(key) : code
}

/** A nationality's name ("RUS" → 俄罗斯 / Russia); an unknown code is shown with a word saying what it is. */
export function country(code: string | null | undefined): string {
  if (!code) return '—'
  const { t, te } = i18n.global
  const key = `stays.countries.${code}`
  return te(key) ? t(key) : t('stays.unknownCountry', { code })
}

export type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'info'

/** Overstays and departures to the mainland need action now; a missing registration soon; a reminder is information. */
export const URGENT = new Set(['overstay', 'mainland_departure'])
export const kindType = (k: string): TagType =>
  URGENT.has(k) ? 'danger' : k === 'no_registration' ? 'warning' : k === 'limit_approaching' ? 'primary' : 'info'
export const statusType = (s: string): TagType =>
  s === 'in_hainan' ? 'success' : s === 'mainland' ? 'danger' : s === 'unknown' ? 'warning' : 'info'
export const stateType = (s: string): TagType =>
  s === 'delivered' ? 'success' : s === 'failed' ? 'danger' : s === 'pending' ? 'primary' : 'warning'

/** "PASSPORT:RUS/123456789" → "123456789". */
export const passportNumber = (ref: string): string => {
  const v = ref.includes(':') ? ref.slice(ref.indexOf(':') + 1) : ref
  return v.includes('/') ? v.slice(v.indexOf('/') + 1) : v
}
/** "PASSPORT:RUS/123456789" → "RUS". */
export const passportNationality = (ref: string): string => {
  const v = ref.includes(':') ? ref.slice(ref.indexOf(':') + 1) : ref
  return v.includes('/') ? v.slice(0, v.indexOf('/')) : ''
}

/** The locale's message for a failure, with the code for the officer to quote. */
export function failure(e: unknown): string {
  const msg = errorMessage(e)
  return e instanceof ApiError && e.code ? `${msg} [${e.status || '—'} ${e.code}]` : msg
}

// ---- the stay clock ------------------------------------------------------------

/** The board's as_of and when it arrived: now = as_of + the time passed since. */
export const clock = reactive({ asOf: '', at: 0, tick: 0 })

export function setClock(asOf: string): void {
  clock.asOf = asOf
  clock.at = Date.now()
}

/** The stay clock's now in ms (the browser's clock only until the board has answered). */
export function nowMs(): number {
  void clock.tick // re-evaluated by computed values when the page's timer ticks
  const base = clock.asOf ? new Date(clock.asOf).getTime() : NaN
  return Number.isNaN(base) ? Date.now() : base + (Date.now() - clock.at)
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86400_000],
  ['hour', 3600_000],
  ['minute', 60_000],
]

/** "3 小时前" / "in 2 days", relative to the stay clock. */
export function relative(iso: string | null | undefined): string {
  if (!iso) return ''
  const t = new Date(iso).getTime()
  if (Number.isNaN(t)) return ''
  const diff = t - nowMs()
  const fmt = new Intl.RelativeTimeFormat(i18n.global.locale.value, { numeric: 'auto' })
  for (const [unit, ms] of UNITS) if (Math.abs(diff) >= ms || unit === 'minute') return fmt.format(Math.round(diff / ms), unit)
  return ''
}

/** How many whole hours from one time to another. */
export const hoursBetween = (from: string, to: string): number =>
  Math.round((new Date(to).getTime() - new Date(from).getTime()) / 3600_000)

/** Days left as the officer reads them: "还可停留 3 天" … "最后一天" … "逾期第 5 天". */
export function daysLeftText(daysLeft: number | null | undefined): string {
  if (daysLeft === null || daysLeft === undefined) return '—'
  const { t } = i18n.global
  if (daysLeft > 1) return t('stays.daysLeft.left', { n: daysLeft })
  if (daysLeft === 1) return t('stays.daysLeft.lastDay')
  return t('stays.daysLeft.over', { n: 1 - daysLeft })
}
export const daysLeftType = (daysLeft: number | null | undefined, reminderDays = 3): TagType | undefined =>
  daysLeft === null || daysLeft === undefined ? undefined : daysLeft <= 0 ? 'danger' : daysLeft <= reminderDays ? 'warning' : 'success'
