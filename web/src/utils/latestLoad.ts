// A page's loading where only the latest call counts: a new call aborts the
// one before, the busy flag is the latest call's, an aborted call says
// nothing, and a refusal is put in words (after `refused` has seen it).
import { ref } from 'vue'

export function useLatestLoad(explain: (e: unknown) => string, refused?: (e: unknown) => void) {
  const error = ref('')
  const loading = ref(false)
  let ctrl: AbortController | null = null
  async function run(fetch: (signal: AbortSignal) => Promise<void>): Promise<void> {
    ctrl?.abort()
    const mine = new AbortController()
    ctrl = mine
    loading.value = true
    try {
      await fetch(mine.signal)
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return
      refused?.(e)
      error.value = explain(e)
    } finally {
      if (ctrl === mine) loading.value = false
    }
  }
  /** Aborts the call under way (when the page goes). */
  const abort = () => ctrl?.abort()
  return { error, loading, run, abort }
}
