// A user-facing message for a failure: the locale's text for the error code
// (errors.<code>), or else the server's own message.
import { i18n } from '@/locales'
import { ApiError } from '@/api/http'

export function errorMessage(e: unknown): string {
  const { t, te } = i18n.global
  if (e instanceof ApiError) {
    const key = `errors.${e.code}`
    if (te(key)) return t(key)
    return e.message || t('errors.unknown')
  }
  if (e instanceof Error && e.message) return e.message
  return t('errors.unknown')
}

export function errorCode(e: unknown): string | undefined {
  return e instanceof ApiError ? e.code : undefined
}
