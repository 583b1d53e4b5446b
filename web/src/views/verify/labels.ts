// The words of a verification task in the current language: its kind, what to
// check in plain words, each result and what it does to the records, and the
// tag colour of each. Codes the locales do not know yet are shown by a
// generic word, never as the server's code.
import { i18n } from '@/locales'
import { ApiError } from '@/api/http'
import { errorMessage } from '@/utils/errors'
import { TASK_RESULTS, taskPerson, type Task, type TaskKind } from '@/api/verification'
import { day } from '../registry/pool'

type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'info'

function tr(key: string, fallbackKey: string, args: Record<string, unknown> = {}): string {
  const { t, te } = i18n.global
  return te(key) ? t(key, args) : t(fallbackKey, args)
}

export const kindLabel = (kind: string): string => tr(`verify.kinds.${kind}`, 'verify.kinds.other')

/** The short name of a kind, for tags and filters on a narrow screen. */
export const kindShort = (kind: string): string => tr(`verify.kindsShort.${kind}`, 'verify.kinds.other')

export const kindType = (kind: string): TagType =>
  kind === 'moved_out_unconfirmed'
    ? 'warning'
    : kind === 'unregistered_occupants'
      ? 'danger'
      : kind === 'new_rental' || kind === 'regular_visitor'
        ? 'primary'
        : kind === 'care_visit'
          ? 'success'
          : 'info'

export const resultLabel = (result: string): string => tr(`verify.results.${result}`, 'verify.results.other')

export const resultType = (result: string): TagType =>
  result === 'moved_out' || result === 'not_found' || result === 'not_reached' ? 'warning' : result === 'registered' ? 'primary' : 'success'

/** What a result will do to the records, for the officer to read before submitting. */
export const resultEffect = (kind: string, result: string): string => tr(`verify.effects.${kind}.${result}`, 'verify.effects.other')

/** The results a task may be closed with. */
export const resultsOf = (kind: string): readonly string[] => TASK_RESULTS[kind as TaskKind] ?? []

export function categoryLabel(c: string | undefined): string {
  if (!c) return ''
  return tr(`registry.categories.${c}`, 'verify.otherCategory')
}

/** The one-line "what to check" of a task card. */
export function checkLine(task: Task): string {
  const p = checkParts(task)
  return p.before + p.date + p.after
}

const MARK = '\u0000'

/** The same line in three parts, so that the date can be kept from breaking across lines. */
export function checkParts(task: Task): { before: string; date: string; after: string } {
  const d = task.detail ?? {}
  const date =
    task.kind === 'new_rental'
      ? day(d.start_date)
      : task.kind === 'moved_out_unconfirmed'
        ? day(d.rental_ended)
        : task.kind === 'care_visit'
          ? day(d.last_seen)
          : day(d.last_checked)
  const text = tr(`verify.check.${task.kind}`, 'verify.check.other', {
    date: MARK,
    category: categoryLabel(d.category),
    nights: d.nights ?? '—',
    days: d.window_days ?? 30,
    age: d.age ?? '—',
  })
  const i = text.indexOf(MARK)
  return i < 0 ? { before: text, date: '', after: '' } : { before: text.slice(0, i), date, after: text.slice(i + 1) }
}

/** The longer instruction in the task sheet. */
export const howTo = (kind: string): string => tr(`verify.how.${kind}`, 'verify.how.other')

export const personOf = taskPerson

/** The locale's message for a failure of the verification page (its own wording first). */
export function verifyError(e: unknown): string {
  const { t, te } = i18n.global
  if (e instanceof ApiError && te(`verify.errors.${e.code}`)) return t(`verify.errors.${e.code}`)
  return errorMessage(e)
}
