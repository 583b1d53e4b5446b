// The words of the data-source pages in the current language: a source's
// label (from its definition, in the UI language), kinds, identifier kinds,
// column types, place kinds, reject reasons and failures. Codes the locales
// do not know are shown by a generic word, never as the server's code.
import { i18n } from '@/locales'
import { ApiError } from '@/api/http'
import { errorMessage } from '@/utils/errors'
import type { SourceLabel, SourceSummary } from '@/api/sources'

function tr(key: string, fallbackKey: string, args: Record<string, unknown> = {}): string {
  const { t, te } = i18n.global
  return te(key) ? t(key, args) : t(fallbackKey, args)
}

/** The label in the UI language (the other language, then the name, when the definition lacks it). */
export function sourceLabel(s: { label?: SourceLabel; name: string }): string {
  const lang = String(i18n.global.locale.value)
  const l = s.label ?? {}
  return l[lang] || (lang === 'en' ? l['zh-CN'] : l.en) || s.name
}

/** The built-ins' descriptions are the locales'; an added source's is its definer's own text. */
export function sourceDescription(s: Pick<SourceSummary, 'name' | 'builtin' | 'description'>): string {
  const { t, te } = i18n.global
  const key = `sources.descriptions.${s.name}`
  if (s.builtin && te(key)) return t(key)
  return s.description ?? ''
}

export const kindLabel = (k: string): string => tr(`sources.kinds.${k}`, 'sources.kinds.other')
export const subjectKindLabel = (k: string): string => tr(`sources.subjectKinds.${k}`, 'sources.subjectKinds.other')
export const typeLabel = (k: string | undefined): string => tr(`sources.types.${k || 'text'}`, 'sources.types.other')
export const placeKindLabel = (k: string): string => tr(`bigdata.placeKinds.${k}`, 'sources.kinds.other')
export const reasonLabel = (r: string): string => tr(`sources.reasons.${r}`, 'sources.reasons.other')
export const conflictLabel = (c: string): string => tr(`sources.conflicts.${c}`, 'sources.conflicts.other')

/**
 * The locale's message for a failure. invalid_definition keeps the server's
 * words on what is wrong (they name the definition's own keys); the version
 * of unchanged and the columns of missing_columns are taken from the message.
 */
export function sourceError(e: unknown): { title: string; detail: string } {
  const { t } = i18n.global
  if (e instanceof ApiError) {
    if (e.code === 'unchanged') {
      const v = /version (\d+)/.exec(e.message)
      return { title: v ? t('sources.errorText.unchangedVersion', { n: v[1] }) : errorMessage(e), detail: '' }
    }
    if (e.code === 'missing_columns') {
      const m = /column\(s\): (.*?);/.exec(e.message)
      return { title: errorMessage(e), detail: m ? m[1] : '' }
    }
    if (e.code === 'invalid_definition') return { title: errorMessage(e), detail: e.message }
  }
  return { title: errorMessage(e), detail: '' }
}
