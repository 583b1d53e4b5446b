import { createI18n } from 'vue-i18n'
import zhCNBase from './zh-CN.json'
import enBase from './en.json'

// Modules added later keep their strings in files of their own (locales/<module>/<locale>.json),
// deep-merged over the base files, so that several people can add pages without editing one file.
type Messages = { [key: string]: string | Messages }
const moduleFiles = import.meta.glob<Messages>('./*/*.json', { eager: true, import: 'default' })

function merge(into: Messages, from: Messages): Messages {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k]
    if (typeof v === 'object' && typeof cur === 'object') merge(cur, v)
    else into[k] = v
  }
  return into
}

function withModules(base: Messages, locale: string): Messages {
  const out = structuredClone(base)
  for (const [path, m] of Object.entries(moduleFiles)) if (path.endsWith(`/${locale}.json`)) merge(out, m)
  return out
}

const zhCN = withModules(zhCNBase as Messages, 'zh-CN') as typeof zhCNBase
const en = withModules(enBase as Messages, 'en') as typeof enBase

export type AppLocale = 'zh-CN' | 'en'
export const LOCALES: AppLocale[] = ['zh-CN', 'en']
export const DEFAULT_LOCALE: AppLocale = 'zh-CN'

export const i18n = createI18n({
  legacy: false,
  locale: DEFAULT_LOCALE,
  fallbackLocale: DEFAULT_LOCALE,
  messages: { 'zh-CN': zhCN, en },
})
