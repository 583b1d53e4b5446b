// A user-facing message for a failure: the locale's text for the error code
// (errors.<code>), or else the server's own message.
import { i18n } from '@/locales'
import { ApiError } from '@/api/http'

export function errorMessage(e: unknown): string {
  const { t, te } = i18n.global
  if (e instanceof ApiError) {
    if (e.code === 'weak_password') return weakPasswordMessage(e.message)
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

/**
 * The reason a password was refused, from the server's message: "a password needs
 * at least 12 characters", "… too easy to guess: it is based on a dictionary word
 * (dictionary_word)", "… (repeated)", and so on.
 */
export function weakPasswordReason(message: string): { reason: string; n?: number; detail?: string } | null {
  const coded = /:\s*(.*?)\s*\(([a-z_]+)\)\s*$/.exec(message)
  if (coded) return { reason: coded[2], detail: coded[1] }
  const short = /at least (\d+) characters/.exec(message)
  if (short) return { reason: 'too_short', n: Number(short[1]) }
  if (/at most \d+ bytes/.test(message)) return { reason: 'too_long' }
  if (/user ?name/.test(message)) return { reason: 'is_username' }
  return null
}

/** "密码强度不足：基于词典中的单词…" — the locale's text for the server's reason, else its own words. */
export function weakPasswordMessage(message: string): string {
  const { t, te } = i18n.global
  const r = weakPasswordReason(message)
  let reason = ''
  if (r && te(`password.reasons.${r.reason}`)) reason = t(`password.reasons.${r.reason}`, { n: r.n ?? '', detail: r.detail ?? '' })
  else if (message) reason = message
  return reason ? t('password.weakWithReason', { reason }) : t('errors.weak_password')
}
