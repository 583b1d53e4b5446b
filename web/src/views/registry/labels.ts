// Names of the registry's codes in the current language (registry.levels.*,
// registry.status.*, registry.categories.*, registry.keyUnits.*, …), the tag
// colour of each, and how a person reference is shown masked.
import { i18n } from '@/locales'
import { ApiError } from '@/api/http'
import { errorMessage } from '@/utils/errors'

type Table = 'levels' | 'status' | 'categories' | 'keyUnits' | 'sources' | 'relations' | 'parts' | 'orgTypes'

export function label(table: Table, code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return '—'
  const { t, te } = i18n.global
  const key = `registry.${table}.${code}`
  return te(key) ? t(key) : code
}

export type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'info'

export const statusType = (s: string): TagType => (s === 'active' ? 'success' : s === 'merged' ? 'warning' : 'info')
export const categoryType = (c: string): TagType => (c === 'registered' ? 'primary' : c === 'floating' ? 'warning' : c === 'foreign' ? 'danger' : 'info')

/** "ID:460106199001011234" → "460106********1234"; "PASSPORT:USA/X1234567" → "USA/X12****67". */
export function maskPerson(ref: string): string {
  const i = ref.indexOf(':')
  const kind = i > 0 ? ref.slice(0, i) : ''
  const v = i > 0 ? ref.slice(i + 1) : ref
  if (v.includes('*')) return v // already masked by the server
  if (kind === 'ID' && v.length >= 15) return `${v.slice(0, 6)}${'*'.repeat(v.length - 10)}${v.slice(-4)}`
  if (v.length <= 4) return '*'.repeat(v.length)
  const keep = Math.max(2, Math.floor(v.length / 4))
  return `${v.slice(0, keep)}${'*'.repeat(v.length - keep - 2)}${v.slice(-2)}`
}

/** The value of a person reference without its kind ("ID:…" → "…"). */
export const personValue = (ref: string): string => (ref.includes(':') ? ref.slice(ref.indexOf(':') + 1) : ref)
export const personKind = (ref: string): string => (ref.includes(':') ? ref.slice(0, ref.indexOf(':')) : '')

/** The locale's message for a failure, with the code for the officer to quote. */
export function failure(e: unknown): string {
  const msg = errorMessage(e)
  return e instanceof ApiError && e.code ? `${msg} [${e.status || '—'} ${e.code}]` : msg
}

/** A history entry's change as one line of text (the server may send a string or an object). */
export function changeText(change: unknown): string {
  if (change === null || change === undefined) return ''
  if (typeof change === 'string') return change.split('; ').map(changePart).join('；')
  if (typeof change !== 'object') return String(change)
  return Object.entries(change as Record<string, unknown>)
    .map(([k, v]) => {
      if (Array.isArray(v) && v.length === 2) return `${label('parts', k)}: ${fmt(v[0])} → ${fmt(v[1])}`
      return `${label('parts', k)}: ${fmt(v)}`
    })
    .join('；')
}
// The server's history lines: "created (import)", "status active -> demolished",
// "name A -> B", "aliases [a,b] -> [c]"; anything else is shown as sent.
function changePart(part: string): string {
  const { t } = i18n.global
  if (part === 'created (import)') return `${label('parts', 'imported')}（${label('parts', 'created')}）`
  if (part === 'created') return label('parts', 'created')
  const m = /^(status|name|aliases) (.*) -> (.*)$/.exec(part)
  if (!m) return part
  const [, field, from, to] = m
  const show = (v: string) => {
    if (field === 'status') return label('status', v)
    if (field === 'aliases') return fmt(v.replace(/^\[|\]$/g, '').split(',').filter(Boolean))
    return v
  }
  return t('registry.detail.change', { field: label('parts', field), from: show(from), to: show(to) })
}

function fmt(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—'
  if (Array.isArray(v)) return v.length ? v.map(fmt).join('、') : '—'
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}
