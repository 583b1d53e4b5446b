// The name of an event source as people read it: the locale's name for the
// built-in sources, else the label of its definition (sources as data,
// docs/sources.md: a source a bureau adds at runtime brings its own zh-CN and
// en labels), else its code. The definitions are fetched once, on first use.
import { ref } from 'vue'
import { i18n } from '@/locales'
import { listSources, type SourceLabel } from '@/api/sources'

const defined = ref<Record<string, SourceLabel>>({})
let loading: Promise<void> | null = null

function load(): void {
  if (loading) return
  loading = listSources()
    .then((r) => {
      defined.value = Object.fromEntries(r.sources.map((s) => [s.name, s.label]))
    })
    .catch(() => {
      loading = null // signed out or offline: try again on the next use
    })
}

export function sourceLabel(s: string): string {
  const key = `bigdata.sources.${s}`
  if (i18n.global.te(key)) return i18n.global.t(key)
  load()
  const l = defined.value[s]
  const loc = i18n.global.locale.value as string
  return l?.[loc] || l?.['zh-CN'] || l?.en || s
}
