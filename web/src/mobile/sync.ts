// The offline queue as the pages see it: what waits, what the server answered,
// and the flush (POST /api/v1/mobile/sync) when the phone is online — on the
// `online` event, on the app's start, after each new op and when asked.
// Stored and duplicate ops leave the queue (shown ✓ until dismissed or the
// page is left); conflicts and errors stay in IndexedDB, on screen, until the
// officer dismisses them. An op the answer does not mention stays queued.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError } from '@/api/http'
import { opSubject, sync as sendOps, type OpKind, type OpSubject, type SyncOp, type SyncResult } from '@/api/mobile'
import { useSessionStore } from '@/stores/session'
import * as queue from './queue'
import type { QueuedOp } from './queue'

/** At most this many ops per request. */
const BATCH = 50

export interface DoneOp {
  op_id: string
  op: SyncOp
  label: string
  result: 'stored' | 'duplicate'
  at: number
}

export const useSyncStore = defineStore('mobileSync', () => {
  const session = useSessionStore()
  const online = ref(typeof navigator === 'undefined' ? true : navigator.onLine)
  const ops = ref<QueuedOp[]>([])
  const done = ref<DoneOp[]>([])
  const flushing = ref(false)
  /** Why the last flush as a whole failed (network, session, server), or null. */
  const lastError = ref<ApiError | null>(null)
  const loadedFor = ref<string | null>(null)

  const queued = computed(() => ops.value.filter((o) => o.status === 'queued'))
  const problems = computed(() => ops.value.filter((o) => o.status !== 'queued'))
  const unsynced = computed(() => ops.value.length)

  function user(): string | null {
    return session.user?.username ?? null
  }

  async function load(): Promise<void> {
    const u = user()
    if (!u) {
      ops.value = []
      loadedFor.value = null
      return
    }
    ops.value = await queue.all(u)
    loadedFor.value = u
  }

  /** Keeps an op for the server; sends it at once when online. */
  async function enqueue(op: SyncOp, label: string): Promise<void> {
    const u = user()
    if (!u) throw new ApiError(401, 'unauthenticated', 'not signed in')
    await queue.add(u, op, label)
    await load()
    // A flush under way may have read the queue before this op: go again after it.
    void (async () => {
      if (running) await running.catch(() => undefined)
      await flush()
    })()
  }

  /** The queued or answered op about a task, follow-up, hazard or site (to mark it on the lists). */
  function opFor<K extends OpKind>(kind: K, id: OpSubject<K>): QueuedOp | undefined {
    return ops.value.find((o) => o.op.kind === kind && opSubject(o.op) === id)
  }

  let running: Promise<void> | null = null

  /** Sends the queued ops. Concurrent calls share one run; a run that found new ops goes again. */
  function flush(): Promise<void> {
    if (running) return running
    running = (async () => {
      try {
        await flushOnce()
      } finally {
        running = null
      }
    })()
    return running
  }

  async function flushOnce(): Promise<void> {
    const u = user()
    if (!u || !online.value) return
    if (loadedFor.value !== u) await load()
    flushing.value = true
    try {
      // One tab at a time sends (navigator.locks where the browser has it); op_ids make a second send harmless anyway.
      const locks = (navigator as Navigator & { locks?: LockManager }).locks
      const body = () => sendAll(u)
      if (locks) await locks.request(`${queue.dbName(u)}:sync`, body)
      else await body()
    } finally {
      flushing.value = false
    }
  }

  async function sendAll(u: string): Promise<void> {
    for (let round = 0; round < 100; round++) {
      const waiting = (await queue.all(u)).filter((o) => o.status === 'queued')
      if (!waiting.length) break
      const batch = waiting.slice(0, BATCH)
      let results: SyncResult[]
      try {
        results = await sendOps(batch.map((o) => o.op))
        lastError.value = null
      } catch (e) {
        // Nothing was answered: every op stays queued for the next try.
        lastError.value = e instanceof ApiError ? e : new ApiError(0, 'network_error', String(e))
        break
      }
      const byId = new Map(results.map((r, i) => [r.op_id || batch[i]?.op_id, r]))
      let answered = 0
      for (const o of batch) {
        const r = byId.get(o.op_id)
        if (!r) continue
        answered++
        if (r.result === 'stored' || r.result === 'duplicate') {
          await queue.remove(u, o.op_id)
          done.value = [{ op_id: o.op_id, op: o.op, label: o.label, result: r.result, at: Date.now() }, ...done.value].slice(0, 50)
        } else {
          // conflict, error or an answer this app does not know: kept, shown, never dropped.
          const status = r.result === 'conflict' ? 'conflict' : 'error'
          await queue.put(u, { ...o, status, answer: r })
        }
      }
      await load()
      if (answered === 0) break
    }
    await load()
  }

  /** The officer has read a conflict or an error: it leaves the phone. */
  async function dismiss(opId: string): Promise<void> {
    const u = user()
    if (u) await queue.remove(u, opId)
    await load()
  }

  /** Sends an op answered with an error again (the same op_id: stored at most once). */
  async function retry(opId: string): Promise<void> {
    const u = user()
    const o = ops.value.find((x) => x.op_id === opId)
    if (!u || !o) return
    const { answer: _answer, ...rest } = o
    await queue.put(u, { ...rest, status: 'queued' })
    await load()
    void flush()
  }

  function dismissDone(opId?: string): void {
    done.value = opId ? done.value.filter((d) => d.op_id !== opId) : []
  }

  let listening = false
  /** Follows the connection; flushes when it comes back, now, and every 30 s while a flush failed. Called by the mobile layout. */
  function start(): void {
    if (!listening) {
      listening = true
      // The phone may say it is online while the server is out of reach (a captive portal, a dead cell).
      setInterval(() => {
        if (online.value && lastError.value && queued.value.length && !running) void flush()
      }, 30000)
      window.addEventListener('online', () => {
        online.value = true
        void flush()
      })
      window.addEventListener('offline', () => {
        online.value = false
      })
    }
    online.value = navigator.onLine
    void load().then(flush)
  }

  /** Forgets everything in memory (sign-out; the database itself is deleted by wipe.ts). */
  function reset(): void {
    ops.value = []
    done.value = []
    lastError.value = null
    loadedFor.value = null
  }

  return { online, ops, done, flushing, lastError, queued, problems, unsynced, load, enqueue, opFor, flush, dismiss, retry, dismissDone, start, reset }
})
