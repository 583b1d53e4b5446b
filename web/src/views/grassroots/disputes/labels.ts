// The words of the dispute pages in the current language: kinds, risks,
// sources, states, outcomes, why a dispute is a repeat, the model stations'
// titles, shares as percentages, and the server's refusals. No server code
// reaches the page: a code the locales do not know reads as a generic word.
import { i18n } from '@/locales'
import { ApiError } from '@/api/http'
import { errorMessage } from '@/utils/errors'
import { formatTime } from '@/utils/format'

function tr(key: string, fallbackKey: string, args: Record<string, unknown> = {}): string {
  const { t, te } = i18n.global
  return te(key) ? t(key, args) : t(fallbackKey, args)
}

export const kindLabel = (k: string): string => tr(`disputes.kinds.${k}`, 'disputes.kinds.other')
export const riskLabel = (r: string): string => tr(`disputes.risks.${r}`, 'disputes.unknown')
export const sourceLabel = (s: string): string => tr(`disputes.sources.${s}`, 'disputes.unknown')
export const statusLabel = (s: string): string => tr(`disputes.statuses.${s}`, 'disputes.unknown')
export const outcomeLabel = (o: string): string => tr(`disputes.outcomes.${o}`, 'disputes.unknown')
export const roleLabel = (r: string): string => tr(`disputes.roles.${r}`, 'disputes.unknown')
export const resultLabel = (r: string): string => tr(`disputes.results.${r}`, 'disputes.unknown')
export const modelLabel = (m: string): string => (m ? tr(`disputes.models.${m}`, 'disputes.unknown') : '')

/** Why a dispute is a repeat, in words: "同一当事人 6 个月内再次发生纠纷". */
export function repeatReason(r: string, months = 6): string {
  if (!r) return ''
  return tr(`disputes.repeatReasons.${r}`, 'disputes.repeatReasons.other', { m: months })
}

export const RISK_TYPE: Record<string, 'danger' | 'warning' | 'info'> = { high: 'danger', medium: 'warning', low: 'info' }
export const STATUS_TYPE: Record<string, 'primary' | 'success' | 'warning' | 'danger' | 'info'> = {
  open: 'warning',
  mediating: 'primary',
  resolved: 'success',
  escalated: 'danger',
  closed_unresolved: 'info',
}
export const OUTCOME_TYPE: Record<string, 'success' | 'warning' | 'danger'> = { agreement: 'success', partial: 'warning', failed: 'danger' }
/** A dispute still in the station's hands (sessions, follow-ups and decisions allowed). */
export const isActive = (s: string): boolean => s === 'open' || s === 'mediating' || s === 'resolved'

/** 0.873 → "87.3%"; no share (nothing decided) → "—". */
export function share(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—'
  return `${(v * 100).toFixed(1)}%`
}

/** "2026-03-04 09:30". */
export const when = (iso: string | null | undefined): string => formatTime(iso).slice(0, 16)

/** "460100********9494" (the page shows ID numbers masked until asked). */
export function maskId(id: string | undefined): string {
  if (!id) return ''
  if (id.length === 18) return `${id.slice(0, 6)}********${id.slice(14)}`
  return '******'
}

/** "13812345678" → "138****5678". */
export function maskPhone(p: string | undefined): string {
  if (!p) return ''
  if (/^\d{11}$/.test(p)) return `${p.slice(0, 3)}****${p.slice(7)}`
  return p
}

/** GB 11643: 17 digits and a check character. */
export function validIdNumber(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = w.reduce((a, x, i) => a + x * Number(id[i]), 0)
  return '10X98765432'[sum % 11] === id[17]
}

/** The locale's message for a refusal of the dispute pages (disputes.errors.<code>, else errors.<code>). */
export function disputeError(e: unknown): string {
  const { t, te } = i18n.global
  if (e instanceof ApiError && te(`disputes.errors.${e.code}`)) return t(`disputes.errors.${e.code}`)
  return errorMessage(e)
}

/** A party as the form holds it (every field a string; blanks are not sent). */
export interface PartyRow {
  name: string
  id_number: string
  phone: string
  role: string
}
export const blankParty = (role = 'applicant'): PartyRow => ({ name: '', id_number: '', phone: '', role })

/** The rows with a name, as the API takes them (an ID number upper-cased, blanks left out). */
export function partiesOf(rows: PartyRow[]): { name: string; id_number?: string; phone?: string; role: string }[] {
  return rows
    .filter((r) => r.name.trim())
    .map((r) => ({
      name: r.name.trim(),
      role: r.role,
      ...(r.id_number.trim() ? { id_number: r.id_number.trim().toUpperCase() } : {}),
      ...(r.phone.trim() ? { phone: r.phone.trim() } : {}),
    }))
}
/** Whether any named row has an ID number that cannot be right. */
export const anyBadId = (rows: PartyRow[]): boolean => rows.some((r) => r.name.trim() && r.id_number.trim() && !validIdNumber(r.id_number.trim().toUpperCase()))

/** The steps of a dispute, one dialog each (ActionDialog.vue). */
export type ActionMode = 'mediation' | 'followup' | 'done' | 'escalate' | 'close'
