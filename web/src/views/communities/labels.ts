// The words of the smart-community pages in the current language: rule names,
// alarm kinds, the traffic-light state of a community, minutes as people read
// them, and failures. Codes the locales do not know are shown by a generic
// word, never as the server's code.
import { i18n } from '@/locales'
import { ApiError } from '@/api/http'
import { errorMessage } from '@/utils/errors'
import type { Community } from '@/api/communities'

function tr(key: string, fallbackKey: string, args: Record<string, unknown> = {}): string {
  const { t, te } = i18n.global
  return te(key) ? t(key, args) : t(fallbackKey, args)
}

export const ruleLabel = (rule: string): string => tr(`communities.rules.${rule}`, 'communities.rules.other')
/** The short rule name of a table header. */
export const ruleShort = (rule: string): string => tr(`communities.rulesShort.${rule}`, 'communities.rules.other')
export const alarmKindLabel = (kind: string): string => tr(`communities.alarmKinds.${kind}`, 'communities.alarmKinds.other')

/** The traffic light of a community: red with an overdue alarm, amber with open findings or open alarms, green otherwise. */
export type Light = 'red' | 'amber' | 'green'
export function lightOf(c: Pick<Community, 'overdue_alarms' | 'open_findings' | 'open_alarms'>): Light {
  if (c.overdue_alarms > 0) return 'red'
  if (c.open_findings > 0 || c.open_alarms > 0) return 'amber'
  return 'green'
}
export const LIGHT_COLOURS: Record<Light, string> = { red: '#d03050', amber: '#e6a23c', green: '#2f8a4c' }

/** 75 → "1 小时 15 分钟" / "1 h 15 min"; under an hour, minutes only. */
export function minutesText(m: number | null | undefined): string {
  const { t } = i18n.global
  if (m === null || m === undefined || !Number.isFinite(m)) return '—'
  const n = Math.max(0, Math.round(m))
  if (n < 60) return t('communities.time.minutes', { n })
  const h = Math.floor(n / 60)
  const r = n % 60
  if (h < 48) return r ? t('communities.time.hoursMinutes', { h, m: r }) : t('communities.time.hours', { h })
  return t('communities.time.days', { d: Math.floor(h / 24), h: h % 24 })
}

/** "CARD:SQ00003-C0082" → "SQ00003-C0082". */
export const cardNumber = (ref: string | undefined): string => (ref ?? '').replace(/^CARD:/, '')

/** The locale's message for a failure of these pages (their own wording first). */
export function communityError(e: unknown): string {
  const { t, te } = i18n.global
  if (e instanceof ApiError && te(`communities.errors.${e.code}`)) return t(`communities.errors.${e.code}`)
  return errorMessage(e)
}
