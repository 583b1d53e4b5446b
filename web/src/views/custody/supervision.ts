// The supervision overview the commander's home page and the facility list
// share: the facilities (names, kinds, occupancy) and every open alert, read
// again each minute. Alerts name people: they are read with the supervision
// purpose (labels.ts), which the audit log records with each read.
import { computed, onBeforeUnmount, onMounted, ref, shallowRef } from 'vue'
import { listAlerts, listFacilities, type AlertList, type Facility } from '@/api/custody'
import { custodyError, serverNow, SUPERVISION_PURPOSE, syncClock } from './labels'

export function useSupervision(everyMs = 60_000) {
  const facilities = shallowRef<Facility[] | null>(null)
  const alerts = shallowRef<AlertList | null>(null)
  const error = ref('')
  const loading = ref(false)
  /** The server's now, moved on every 15 s so that countdowns run between reads. */
  const now = ref(serverNow())
  let ctrl: AbortController | null = null
  let timer: number | undefined
  let ticker: number | undefined

  async function load(): Promise<void> {
    ctrl?.abort()
    ctrl = new AbortController()
    loading.value = true
    try {
      const [f, a] = await Promise.all([listFacilities(ctrl.signal), listAlerts(SUPERVISION_PURPOSE, undefined, ctrl.signal)])
      syncClock(a.as_of)
      now.value = serverNow()
      facilities.value = f.facilities
      alerts.value = a
      error.value = ''
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return
      error.value = custodyError(e)
    } finally {
      loading.value = false
    }
  }

  onMounted(() => {
    void load()
    timer = window.setInterval(() => void load(), everyMs)
    ticker = window.setInterval(() => (now.value = serverNow()), 15_000)
  })
  onBeforeUnmount(() => {
    ctrl?.abort()
    window.clearInterval(timer)
    window.clearInterval(ticker)
  })

  const facilityName = computed(() => {
    const m = new Map<string, string>()
    for (const f of facilities.value ?? []) m.set(f.code, f.name)
    return (code: string) => m.get(code) ?? code
  })

  return { facilities, alerts, error, loading, now, load, facilityName }
}
