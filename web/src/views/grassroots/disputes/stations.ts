// The police stations a dispute can be recorded at: the force units of kind
// station (GET /force/units, force.read); an officer without force.read gets
// them from the stations' figures (GET /grassroots/stations), which name
// every station too. Loaded once per page load and shared by the dialogs.
import { ref, shallowRef } from 'vue'
import { listUnits } from '@/api/force'
import { stationFigures } from '@/api/disputes'
import { getMe } from '@/api/mobile'
import { useSessionStore } from '@/stores/session'

export interface Station {
  code: string
  name: string
  district_code: string
}

const stations = shallowRef<Station[]>([])
let loading: Promise<void> | null = null

async function fetchStations(): Promise<void> {
  const session = useSessionStore()
  let list: Station[] = []
  if (session.can('force.read')) {
    try {
      list = (await listUnits()).items.filter((u) => u.kind === 'station').map((u) => ({ code: u.code, name: u.name, district_code: u.district_code }))
    } catch {
      list = []
    }
  }
  if (!list.length) list = (await stationFigures()).items.map((s) => ({ code: s.code, name: s.name, district_code: s.district_code }))
  stations.value = list.sort((a, b) => a.district_code.localeCompare(b.district_code) || a.code.localeCompare(b.code))
}

/** The stations, loading them on first use (a failure is retried on the next use). */
export function useStations() {
  if (!stations.value.length && !loading)
    loading = fetchStations().catch(() => {
      loading = null
    })
  return stations
}

/** The officer's own station (a patrol officer's, from GET /mobile/me), to preselect in the dialogs; '' when none. */
const own = ref('')
let ownAsked = false
export function useOwnStation() {
  const session = useSessionStore()
  if (!ownAsked && session.can('mobile.use')) {
    ownAsked = true
    getMe()
      .then((m) => (own.value = m.station?.code ?? m.officer?.station_code ?? ''))
      .catch(() => (own.value = ''))
  }
  return own
}
