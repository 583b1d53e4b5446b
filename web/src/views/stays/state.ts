// Shared state of the foreigner stays pages: the policy (read once), the
// board (its as_of sets the stay clock), the names of the stations, and the
// live alert feed: the open alerts read once with a purpose, then kept up to
// date from the server-sent events stream (same id, higher seq = newer state).
import { reactive, shallowRef } from 'vue'
import { listPlaces } from '@/api/analysis'
import { listStayAlerts, stayBoard, stayPolicy, streamStayAlerts, type StayAlert, type StayBoard, type StayPolicy } from '@/api/stays'
import type { EventStream, StreamStatus } from '@/api/sse'
import { failure, setClock } from './labels'

export const policy = shallowRef<StayPolicy | null>(null)
let policyLoad: Promise<StayPolicy | null> | null = null

export function loadPolicy(): Promise<StayPolicy | null> {
  policyLoad ??= stayPolicy()
    .then((p) => (policy.value = p))
    .catch(() => {
      policyLoad = null
      return null
    })
  return policyLoad
}

export const board = shallowRef<StayBoard | null>(null)

export async function loadBoard(): Promise<StayBoard> {
  const b = await stayBoard()
  board.value = b
  if (b.as_of) setClock(b.as_of)
  return b
}

// ---- places: station codes (ST001 …) to names --------------------------------------
export const placeNames = reactive<Record<string, string>>({})
let placesLoad: Promise<void> | null = null

export function loadPlaces(): Promise<void> {
  placesLoad ??= listPlaces({ kind: 'station', limit: 200 })
    .then((r) => {
      for (const p of r.places) placeNames[p.code] = p.name
    })
    .catch(() => {
      placesLoad = null
    })
  return placesLoad
}

/** A station's name, or its code while the names are not known. */
export const placeName = (code: string | null | undefined): string => (code ? (placeNames[code] ?? code) : '—')

// ---- the live alert feed ------------------------------------------------------------
export const feed = reactive({
  status: 'closed' as StreamStatus,
  /** Every alert seen, by id, in its newest state. */
  byId: {} as Record<number, StayAlert>,
  /** Ids that changed since the page loaded (for a brief highlight). */
  fresh: {} as Record<number, number>,
  loaded: false,
  loading: false,
  error: '',
})

let stream: EventStream | null = null
const listeners = new Set<(a: StayAlert) => void>()

export function onStayAlert(fn: (a: StayAlert) => void): () => void {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

/** Keeps the newer of two states of the same alert. */
export function upsert(a: StayAlert, live = false): void {
  const old = feed.byId[a.id]
  if (old && old.seq >= a.seq) return
  feed.byId[a.id] = a
  if (live) feed.fresh[a.id] = Date.now()
}

/** Opens the stream (before the first read, so that nothing raised in between is lost). */
export function startFeed(): void {
  if (stream) return
  stream = streamStayAlerts(
    (a) => {
      upsert(a, true)
      for (const l of listeners) l(a)
    },
    { onStatus: (s) => (feed.status = s) },
  )
}

export function stopFeed(): void {
  stream?.close()
  stream = null
  feed.status = 'closed'
}

// The pages hold the stream while they are open; moving from the board to a
// visitor and back keeps it (and the Last-Event-ID that resumes it).
let holders = 0
let stopTimer: ReturnType<typeof setTimeout> | undefined

export function holdFeed(): () => void {
  holders++
  clearTimeout(stopTimer)
  startFeed()
  let held = true
  return () => {
    if (!held) return
    held = false
    if (--holders === 0) stopTimer = setTimeout(stopFeed, 5000)
  }
}

/** Reads the open alerts (a personal-data read: needs the purpose). */
export async function loadOpenAlerts(purpose: string): Promise<void> {
  feed.loading = true
  feed.error = ''
  try {
    const r = await listStayAlerts(purpose, { open: true, limit: 500 })
    for (const a of r.items) upsert(a)
    feed.loaded = true
  } catch (e) {
    feed.error = failure(e)
  } finally {
    feed.loading = false
  }
}
