// Names of the case code tables (kinds, categories, statuses, districts, gang
// types, suspect roles) from the locale files: codes.<table>.<code>.
import { i18n } from '@/locales'

export type CodeTable = 'kind' | 'category' | 'status' | 'district' | 'gangType' | 'role' | 'basis' | 'field'

export function codeLabel(table: CodeTable, code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return '—'
  const { t, te } = i18n.global
  const key = `codes.${table}.${code}`
  return te(key) ? t(key) : code
}

// The basis a statistic is counted on, in the current language (the server's
// basis_note is the fallback for a basis the locales do not know yet).
export function basisNote(a: { measure: string; basis: string; basis_note: string } | null | undefined): string {
  if (!a) return ''
  const { t, te } = i18n.global
  const key = `stats.basisNote.${a.measure === 'clearance' ? 'clearance' : a.basis}`
  return te(key) ? t(key) : a.basis_note
}
