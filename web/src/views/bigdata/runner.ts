// One analysis query at a time: a new run aborts the one in flight; the
// running flag and the error message (the locale's text for the server's
// error code, with the code) follow the latest run.
import { onBeforeUnmount, ref } from 'vue'
import { ApiError } from '@/api/http'
import { errorMessage } from '@/utils/errors'
import { i18n } from '@/locales'

export function explain(e: unknown): string {
  const msg = errorMessage(e)
  if (!(e instanceof ApiError)) return msg
  const { t, te } = i18n.global
  const hint = te(`bigdata.errorHints.${e.code}`) ? t(`bigdata.errorHints.${e.code}`) : ''
  const server = e.message && e.message !== msg ? `（${e.message}）` : ''
  return `${msg}${server}${hint ? ' — ' + hint : ''} [${e.status || '—'} ${e.code}]`
}

export function useRunner() {
  const running = ref(false)
  const error = ref('')
  let ctrl: AbortController | null = null

  async function run<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    ctrl?.abort()
    const mine = new AbortController()
    ctrl = mine
    running.value = true
    error.value = ''
    try {
      return await fn(mine.signal)
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return undefined
      if (ctrl === mine) error.value = explain(e)
      return undefined
    } finally {
      if (ctrl === mine) {
        running.value = false
        ctrl = null
      }
    }
  }

  onBeforeUnmount(() => ctrl?.abort())
  return { running, error, run }
}
