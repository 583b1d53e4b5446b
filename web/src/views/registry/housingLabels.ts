// Words for housing and rentals in the current language: the uses, where a
// record came from, and the refusals of the housing and rental forms in the
// forms' own wording (registry.housing.errors.*, registry.rentals.errors.*),
// falling back to the general error texts.
import { i18n } from '@/locales'
import { ApiError } from '@/api/http'
import { errorMessage } from '@/utils/errors'

function tr(key: string, fallbackKey: string): string {
  const { t, te } = i18n.global
  return te(key) ? t(key) : t(fallbackKey)
}

export const useLabel = (use: string | null | undefined): string => tr(`registry.housing.uses.${use || 'unknown'}`, 'registry.housing.uses.other')

export const sourceLabel = (source: string | null | undefined): string =>
  source ? tr(`registry.housing.sources.${source}`, 'registry.housing.sources.other') : '—'

function formError(table: 'housing' | 'rentals', e: unknown): string {
  const { t, te } = i18n.global
  if (e instanceof ApiError && te(`registry.${table}.errors.${e.code}`)) return t(`registry.${table}.errors.${e.code}`)
  return errorMessage(e)
}

export const housingError = (e: unknown): string => formError('housing', e)
export const rentalError = (e: unknown): string => formError('rentals', e)
