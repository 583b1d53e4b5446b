// Names of codes on the phone: the mobile strings first, then the desktop's
// tables (dispatch states and categories, verification kinds and results),
// else the code itself.
import { i18n } from '@/locales'
import { ApiError } from '@/api/http'
import { errorMessage } from '@/utils/errors'

export function label(group: string, code: string | null | undefined): string {
  if (!code) return '—'
  const { t, te } = i18n.global
  const keys: Record<string, string[]> = {
    state: ['mobile.states', 'dispatch.states'],
    category: ['mobile.categories', 'dispatch.categories'],
    step: ['mobile.steps', 'dispatch.steps'],
    taskKind: ['mobile.taskKinds', 'verify.kinds'],
    taskResult: ['mobile.taskResults', 'verify.results'],
    entityKind: ['mobile.entityKinds', 'search.kinds'],
  }
  for (const base of keys[group] ?? [`mobile.${group}`]) if (te(`${base}.${code}`)) return t(`${base}.${code}`)
  return code
}

/** A refusal as the officer reads it: errors.<code> in the locale, else the server's words. */
export function errorText(code: string, message?: string): string {
  return errorMessage(new ApiError(0, code, message ?? ''))
}
