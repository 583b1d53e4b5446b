// The words of the supervision pages in the current language: site kinds,
// licence items and their units, checklist items, hazard levels, alert kinds
// with what each alert means, dates, and the server's refusals. No code of the
// server reaches the page: a code the locales do not know reads as a generic
// word.
import { i18n } from '@/locales'
import { ApiError } from '@/api/http'
import { errorMessage } from '@/utils/errors'
import { formatNumber, formatTime } from '@/utils/format'
import { codeLabel } from '@/utils/codes'
import type { Hazard, Licence, Site, SupervisionAlert } from '@/api/grassroots'

function tr(key: string, fallbackKey: string, args: Record<string, unknown> = {}): string {
  const { t, te } = i18n.global
  return te(key) ? t(key, args) : t(fallbackKey, args)
}

export const kindLabel = (k: string): string => tr(`supervision.kinds.${k}`, 'supervision.kinds.other')
export const kindShort = (k: string): string => tr(`supervision.kindsShort.${k}`, 'supervision.kinds.other')
export const itemLabel = (i: string): string => tr(`supervision.items.${i}`, 'supervision.items.other')
export const checkLabel = (i: string): string => tr(`supervision.checks.${i}`, 'supervision.checks.other')
export const alertLabel = (k: string): string => tr(`supervision.alerts.${k}`, 'supervision.alerts.other')
export const severityLabel = (s: string): string => tr(`supervision.severity.${s}`, 'supervision.severity.other')
export const levelLabel = (l: string): string => tr(`supervision.levels.${l}`, 'supervision.levels.general')
export const districtLabel = (d: string | null | undefined): string => codeLabel('district', d)

/** 120 kg → "120 千克"; the unit of the item when none is given. */
export function qty(n: number | null | undefined, unit: string | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—'
  const { t, te } = i18n.global
  const u = unit && te(`supervision.units.${unit}`) ? t(`supervision.units.${unit}`) : (unit ?? '')
  const digits = Number.isInteger(n) ? undefined : 2
  return `${formatNumber(n, digits)}${u ? ` ${u}` : ''}`
}

/** The unit of a licence item as the server names it (kg, pcs, guns, rounds, boxes). */
export const UNIT_OF: Record<string, string> = { explosives: 'kg', detonators: 'pcs', firearms: 'guns', ammunition: 'rounds', fireworks: 'boxes' }
export const unitOf = (l: Pick<Licence, 'item' | 'unit'>): string => l.unit || UNIT_OF[l.item] || ''

/** "2025-03-01" of a date or a time (Beijing). */
export function dayText(v: string | null | undefined): string {
  if (!v) return '—'
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return v
  return formatTime(v).slice(0, 10)
}
/** "2025-03-01 09:30" of a time. */
export const minuteText = (v: string | null | undefined): string => (v ? formatTime(v).slice(0, 16) : '—')

/** Today in Beijing, YYYY-MM-DD, on the server's clock when it is known. */
let offsetMs = 0
export function syncClock(asOf: string | undefined): void {
  if (!asOf) return
  const t = Date.parse(asOf)
  if (!Number.isNaN(t)) offsetMs = t - Date.now()
}
export const serverNow = (): number => Date.now() + offsetMs
export const today = (): string => formatTime(new Date(serverNow()).toISOString()).slice(0, 10)

/** Whole days from a date (YYYY-MM-DD) to another; positive when b is later. */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b.slice(0, 10)}T00:00:00Z`) - Date.parse(`${a.slice(0, 10)}T00:00:00Z`)) / 86_400_000)
}

/** A licence's stock against its limit: red at or over the limit, amber from 90%. */
export function stockTone(stock: number, limit: number): 'red' | 'amber' | 'green' {
  if (limit <= 0 || stock > limit) return 'red'
  if (stock / limit >= 0.9) return 'amber'
  return 'green'
}
export const TONE_COLOURS = { red: '#d03050', amber: '#e6a23c', green: '#2f8a4c' } as const

/** Alert severities as tags and as map colours; a site with no alert is green. */
export const SEVERITY_TYPE: Record<string, 'danger' | 'warning' | 'info'> = { critical: 'danger', high: 'warning', medium: 'info' }
export const STATE_COLOURS: Record<string, string> = { critical: '#c0392b', high: '#e6820e', medium: '#d9b300', none: '#2f8a4c' }

/** What an alert's detail says (its keys vary by kind); a string detail is the server's own words, not shown. */
function detailOf(a: SupervisionAlert): Record<string, unknown> {
  return a.detail && typeof a.detail === 'object' ? (a.detail as Record<string, unknown>) : {}
}
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : undefined)
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined)

/** What the page knows besides the alert: the sites (with their licences) and the open hazards. */
export interface AlertContext {
  sites?: Map<string, Site>
  hazards?: Map<number, Hazard>
}

/** What an alert means, in words, with its figures (from the alert's detail, else from the site's records). */
export function alertText(a: SupervisionAlert, ctx: AlertContext = {}): string {
  const { t } = i18n.global
  const d = detailOf(a)
  const site = ctx.sites?.get(a.site_code)
  const lic = a.licence_no ? site?.licences.find((l) => l.licence_no === a.licence_no) : undefined
  const item = str(d.item) ?? lic?.item
  const unit = str(d.unit) ?? (lic ? unitOf(lic) : item ? UNIT_OF[item] : undefined)
  const what = item ? itemLabel(item) : t('supervision.alertText.theItems')
  const licence = a.licence_no ?? '—'
  switch (a.kind) {
    case 'over_storage': {
      const limit = num(d.limit) ?? lic?.limit
      const counted = num(d.counted)
      const stock = num(d.stock) ?? lic?.stock
      if (counted !== undefined && limit !== undefined && (stock === undefined || stock <= limit || counted > limit))
        return t('supervision.alertText.over_storage_counted', { what, counted: qty(counted, unit), limit: qty(limit, unit), licence, at: dayText(str(d.at) ?? a.since) })
      if (stock !== undefined && limit !== undefined) return t('supervision.alertText.over_storage_stock', { what, stock: qty(stock, unit), limit: qty(limit, unit), licence })
      return t('supervision.alertText.over_storage', { what, licence })
    }
    case 'licence_expired': {
      const to = str(d.valid_to) ?? lic?.valid_to
      const stock = num(d.stock) ?? lic?.stock
      return t('supervision.alertText.licence_expired', { what, licence, to: dayText(to), stock: qty(stock, unit) })
    }
    case 'licence_expiring': {
      const to = str(d.valid_to) ?? lic?.valid_to
      const stock = num(d.stock) ?? lic?.stock
      const left = num(d.days_left) ?? (to ? Math.max(0, daysBetween(today(), to)) : undefined)
      return t('supervision.alertText.licence_expiring', { what, licence, to: dayText(to), days: left ?? '—', stock: qty(stock, unit) })
    }
    case 'rectification_overdue': {
      const h = a.hazard_id ? ctx.hazards?.get(a.hazard_id) : undefined
      const check = str(d.item) ?? h?.item
      const deadline = str(d.deadline) ?? h?.deadline ?? a.since
      const late = num(d.days_overdue) ?? (deadline ? Math.max(0, daysBetween(deadline, today())) : undefined)
      const level = str(d.level) ?? h?.level ?? 'general'
      return t('supervision.alertText.rectification_overdue', {
        check: check ? checkLabel(check) : t('supervision.alertText.aHazard'),
        level: levelLabel(level),
        deadline: dayText(deadline),
        days: late ?? '—',
      })
    }
    case 'inspection_overdue': {
      const last = str(d.last_inspected_at) ?? site?.last_inspected_at ?? null
      const every = num(d.every_days) ?? site?.inspect_every_days
      const due = str(d.due) ?? str(d.next_due) ?? site?.next_due ?? a.since
      const late = due ? Math.max(0, daysBetween(due, today())) : undefined
      if (!last) return t('supervision.alertText.inspection_never', { every: every ?? '—', due: dayText(due), days: late ?? '—' })
      return t('supervision.alertText.inspection_overdue', { every: every ?? '—', last: dayText(last), due: dayText(due), days: late ?? '—' })
    }
    default:
      return alertLabel(a.kind)
  }
}

/** The worst alert severity of each site ("critical", "high", "medium"). */
export function worstBySite(alerts: SupervisionAlert[]): Map<string, string> {
  const rank: Record<string, number> = { critical: 0, high: 1, medium: 2 }
  const m = new Map<string, string>()
  for (const a of alerts) {
    const cur = m.get(a.site_code)
    if (!cur || (rank[a.severity] ?? 9) < (rank[cur] ?? 9)) m.set(a.site_code, a.severity)
  }
  return m
}

// ---- the server's refusals --------------------------------------------------------------------

/** The figures of a refusal's message, when it names them ("stock after 130 exceeds the limit 100"). */
function numbersIn(m: string): number[] {
  return [...m.matchAll(/-?\d+(?:\.\d+)?/g)].map((x) => Number(x[0]))
}

/**
 * The locale's message for a refusal of the supervision pages: supervision.errors.<code>
 * (the wording of these pages, with the figures of the form when given), then errors.<code>,
 * then the server's own words. `ctx` gives the figures the form knows (unit, limit, stock).
 */
export function supervisionError(e: unknown, ctx: Record<string, string | number> = {}): string {
  const { t, te } = i18n.global
  if (!(e instanceof ApiError)) return errorMessage(e)
  const m = e.message ?? ''
  const withFigures = `supervision.errors.${e.code}_figures`
  if (e.code === 'invalid_time') {
    if (/not opened|had not opened/i.test(m)) return t('supervision.errors.time_before_opening')
    if (/before the hazard/i.test(m)) return t('supervision.errors.time_before_found')
    if (/future/i.test(m)) return t('supervision.errors.time_future')
  }
  if (e.code === 'invalid_date') {
    if (/deadline/i.test(m)) return t('supervision.errors.deadline_after')
    if (/valid_to is before/i.test(m)) return t('supervision.errors.validity_order')
    if (/opened_on is in the future/i.test(m)) return t('supervision.errors.opened_future')
  }
  if (te(withFigures) && Object.keys(ctx).length) return t(withFigures, { ...ctx, nums: numbersIn(m).join(', ') })
  if (te(`supervision.errors.${e.code}`)) return t(`supervision.errors.${e.code}`)
  return errorMessage(e)
}
