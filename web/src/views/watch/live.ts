// The live alert feed shared by the top-bar badge and the alerts page: one
// stream per signed-in tab (started by the badge), the count of
// unacknowledged alerts and the alerts received since the page loaded.
import { reactive } from 'vue'
import { listAlerts, streamAlerts, type WatchAlert } from '@/api/watch'
import type { EventStream, StreamStatus } from '@/api/sse'

export const live = reactive({
  status: 'closed' as StreamStatus,
  unacknowledged: 0,
  received: [] as WatchAlert[],
  /** Increases with every alert received (pages watch it to reload). */
  seq: 0,
})

let stream: EventStream | null = null
const listeners = new Set<(a: WatchAlert) => void>()

export function onAlert(fn: (a: WatchAlert) => void): () => void {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

export async function refreshCount(): Promise<void> {
  try {
    live.unacknowledged = (await listAlerts({ unacknowledged: '1', limit: 1 })).unacknowledged
  } catch {
    // the badge keeps its last count
  }
}

export function startLive(): void {
  if (stream) return
  void refreshCount()
  stream = streamAlerts(
    (a) => {
      live.received.unshift(a)
      if (live.received.length > 200) live.received.pop()
      if (!a.acknowledged_at) live.unacknowledged += 1
      live.seq += 1
      for (const l of listeners) l(a)
    },
    { onStatus: (s) => (live.status = s) },
  )
}

export function stopLive(): void {
  stream?.close()
  stream = null
  live.status = 'closed'
}
