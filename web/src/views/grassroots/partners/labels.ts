// The words of the partner and tip pages in the current language: partner
// kinds, tip categories and states, triage actions, who reported (a citizen,
// or a member of a partner), and the server's refusals (tips.errors.<code>,
// partners.errors.<code>, else errors.<code>). No code reaches the page.
import { i18n } from '@/locales'
import { ApiError } from '@/api/http'
import { errorMessage } from '@/utils/errors'
import type { Tip } from '@/api/partners'

function tr(key: string, fallbackKey: string, args: Record<string, unknown> = {}): string {
  const { t, te } = i18n.global
  return te(key) ? t(key, args) : t(fallbackKey, args)
}

export const partnerKindLabel = (k: string): string => tr(`partners.kinds.${k}`, 'partners.kinds.other')
export const categoryLabel = (c: string): string => tr(`tips.categories.${c}`, 'tips.categories.other')
export const actionLabel = (a: string): string => tr(`tips.actions.${a}`, 'tips.unknown')
export const tipStatusLabel = (s: string): string => tr(`tips.statuses.${s}`, 'tips.unknown')
export const targetLabel = (type: string): string => tr(`tips.targets.${type}`, 'tips.unknown')

export const KIND_TYPE: Record<string, 'primary' | 'success' | 'warning' | 'info'> = {
  security_company: 'primary',
  school_alliance: 'success',
  sanitation_team: 'warning',
  other: 'info',
}
export const ACTION_TYPE: Record<string, 'danger' | 'primary' | 'warning' | 'info'> = {
  incident: 'danger',
  registry_task: 'primary',
  dispute: 'warning',
  no_action: 'info',
}

/** "市民" or "保安联盟·海口某保安公司 成员". */
export function reporterLabel(tip: Tip): string {
  const r = tip.reporter
  const { t } = i18n.global
  if (r?.kind === 'partner') return t('tips.reporterPartner', { name: r.partner_name || '—' })
  return t('tips.reporterCitizen')
}

/** The locale's message for a refusal of the partner and tip pages. */
export function tipError(e: unknown): string {
  const { t, te } = i18n.global
  if (e instanceof ApiError) {
    if (te(`tips.errors.${e.code}`)) return t(`tips.errors.${e.code}`)
    if (te(`partners.errors.${e.code}`)) return t(`partners.errors.${e.code}`)
  }
  return errorMessage(e)
}

/** 1536000 → "1.5 MB". */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}
