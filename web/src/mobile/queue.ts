// The phone's offline queue: every write of the mobile app but an assignment's
// state is an op kept in IndexedDB until the server has answered it
// (docs/grassroots.md "Offline queue"). One database per signed-in user, so
// that another officer signing in on the same phone never sends these ops
// under their own name; signing out deletes it (wipe.ts).
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import type { SyncOp, SyncResult } from '@/api/mobile'

export const DB_PREFIX = 'jingwu-mobile:'

/** An op waiting for the server, or answered with a conflict or an error (kept until dismissed). */
export interface QueuedOp {
  op_id: string
  /** Exactly what is sent to /mobile/sync. */
  op: SyncOp
  /** queued: not yet answered; conflict / error: answered, shown until the officer dismisses it. */
  status: 'queued' | 'conflict' | 'error'
  /** Order of making (ms since epoch). */
  created: number
  /** What the officer saw when making it (the task's address, for one): only on this phone. */
  label: string
  answer?: SyncResult
}

interface QueueSchema extends DBSchema {
  ops: { key: string; value: QueuedOp; indexes: { created: number } }
}

export const dbName = (username: string) => `${DB_PREFIX}${username}`

const opened = new Map<string, Promise<IDBPDatabase<QueueSchema>>>()

function db(username: string): Promise<IDBPDatabase<QueueSchema>> {
  let p = opened.get(username)
  if (!p) {
    p = openDB<QueueSchema>(dbName(username), 1, {
      upgrade(d) {
        const s = d.createObjectStore('ops', { keyPath: 'op_id' })
        s.createIndex('created', 'created')
      },
      // Another tab deletes the database (sign-out there): let it go.
      blocking() {
        void close(username)
      },
      terminated() {
        opened.delete(username)
      },
    })
    opened.set(username, p)
  }
  return p
}

export async function close(username: string): Promise<void> {
  const p = opened.get(username)
  opened.delete(username)
  if (p) (await p.catch(() => null))?.close()
}

export function newOpId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  // crypto.randomUUID needs a secure context; a test over plain http on another host has none.
  const b = crypto.getRandomValues(new Uint8Array(16))
  b[6] = (b[6] & 0x0f) | 0x40
  b[8] = (b[8] & 0x3f) | 0x80
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

export async function add(username: string, op: SyncOp, label: string): Promise<QueuedOp> {
  const q: QueuedOp = { op_id: op.op_id, op, status: 'queued', created: Date.now(), label }
  await (await db(username)).put('ops', q)
  return q
}

export async function all(username: string): Promise<QueuedOp[]> {
  return (await db(username)).getAllFromIndex('ops', 'created')
}

export async function put(username: string, q: QueuedOp): Promise<void> {
  await (await db(username)).put('ops', q)
}

export async function remove(username: string, opId: string): Promise<void> {
  await (await db(username)).delete('ops', opId)
}

/** Deletes the user's queue database (sign-out). Resolves once it is gone, or blocked tabs let go. */
export async function destroy(username: string): Promise<void> {
  await close(username)
  await new Promise<void>((resolve) => {
    const req = indexedDB.deleteDatabase(dbName(username))
    req.onsuccess = () => resolve()
    req.onerror = () => resolve()
    // Another tab still holds it open: its `blocking` handler closes it, then this succeeds.
    req.onblocked = () => undefined
  })
}
