// The words of the 疫情防控 page in the current language: exposure kinds,
// check results, health code colours, checkpoint kinds, the figures' names,
// the evidence's detail ("room 1203", "trip HU7781 seats 12A/13C" from the
// server become words) and the server's refusals with their codes.
import { i18n } from '@/locales'
import { ApiError } from '@/api/http'
import { errorMessage } from '@/utils/errors'
import type { TraceContact } from '@/api/health'

function tr(key: string, fallback: string, args: Record<string, unknown> = {}): string {
  const { t, te } = i18n.global
  return te(key) ? t(key, args) : t(fallback, args)
}

export const exposureLabel = (k: string, within = 30): string => tr(`health.exposure.${k}`, 'health.exposure.other', { n: within })
export const resultLabel = (r: string): string => tr(`health.results.${r}`, 'health.results.other')
export const codeColourLabel = (c: string): string => tr(`health.codes.${c}`, 'health.codes.other')
export const checkpointKindLabel = (k: string): string => tr(`health.cpKinds.${k}`, 'health.cpKinds.other')
export const checkKindLabel = (k: string): string => tr(`health.checkKinds.${k}`, 'health.checkKinds.other')
export const sourceLabel = (s: string): string => tr(`health.sources.${s}`, 'health.sources.other')

export type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'info'
export const codeTag = (c: string): TagType => (c === 'red' ? 'danger' : c === 'yellow' ? 'warning' : c === 'green' ? 'success' : 'info')
export const resultTag = (r: string): TagType => (r === 'isolate' ? 'danger' : r === 'observe' ? 'warning' : 'info')

/** Close contacts (same room, near seat) first, then the others: the kinds a contact shows, closest first. */
const ORDER = ['same_room', 'near_seat', 'same_trip', 'overlap_stay', 'same_place']
export const sortedKinds = (kinds: string[]): string[] => [...kinds].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))
export const isClose = (c: TraceContact): boolean => c.kinds.includes('same_room') || c.kinds.includes('near_seat')

/**
 * The evidence's detail in words. The server writes "room 1731" for a stay
 * and "HU7781 12A/13C" (trip, the case's seat / the contact's) for travel.
 */
export function detailText(d: string): string {
  if (!d) return ''
  const { t } = i18n.global
  let m = /^room\s+(.+)$/i.exec(d)
  if (m) return t('health.detail.room', { room: m[1] })
  m = /^(\S+)\s+(\S*\/\S*)$/.exec(d)
  if (m) return t('health.detail.tripSeats', { trip: m[1], seats: m[2] })
  m = /^(\S+)$/.exec(d)
  if (m) return t('health.detail.trip', { trip: m[1] })
  return d
}

/** Minutes as people read them: 95 → 1 小时 35 分 / 1 h 35 min. */
export function minutesText(min: number): string {
  const { t } = i18n.global
  if (min < 60) return t('health.dur.minutes', { n: min })
  const h = Math.floor(min / 60)
  const m = min % 60
  return m ? t('health.dur.hoursMinutes', { h, m }) : t('health.dur.hours', { h })
}

/** "ID:4601…" → the ID number; "PASSPORT:RUS/123" → passport number with the country's name. */
export function personText(ref: string): string {
  const { t, te } = i18n.global
  const i = ref.indexOf(':')
  const kind = i > 0 ? ref.slice(0, i) : ''
  const v = i > 0 ? ref.slice(i + 1) : ref
  if (kind === 'PASSPORT' && v.includes('/')) {
    const nat = v.slice(0, v.indexOf('/'))
    const country = te(`stays.countries.${nat}`) ? t(`stays.countries.${nat}`) : nat
    return t('health.passportOf', { country, no: v.slice(v.indexOf('/') + 1) })
  }
  return v
}

/** The locale's message for a failure, with the code for the officer to quote. */
export function healthError(e: unknown): string {
  const { t, te } = i18n.global
  const own = e instanceof ApiError && te(`health.errors.${e.code}`) ? t(`health.errors.${e.code}`) : ''
  const msg = own || errorMessage(e)
  return e instanceof ApiError ? `${msg} [${e.status || '—'} ${e.code}]` : msg
}

/** 312000 → 31.2万 / 312K in the page's language; below 100,000 the exact figure. */
export function compact(n: number): string {
  if (Math.abs(n) < 100000) return new Intl.NumberFormat('en-US').format(n)
  const loc = String(i18n.global.locale.value ?? 'zh-CN')
  return new Intl.NumberFormat(loc.startsWith('zh') ? 'zh-CN' : 'en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(n)
}
