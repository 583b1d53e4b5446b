// Signing out on the phone leaves nothing personal on it: the session (on the
// server too when it is reachable), the officer's queue database, every Cache
// Storage cache that holds anything but the app shell, and the app's keys in
// sessionStorage and localStorage (but the language choice, which names nobody).
import { useSessionStore } from '@/stores/session'
import * as queue from './queue'
import { useSyncStore } from './sync'
import { clearSnapshots } from './snapshot'

/** Keys of localStorage that survive a sign-out: the UI language. */
const KEEP_LOCAL = new Set(['jingwu.locale'])

/** A URL the service worker precaches: the built app shell (html, js, css, the icons and the manifest). */
export function isShellUrl(u: string): boolean {
  let path: string
  try {
    path = new URL(u, location.origin).pathname
  } catch {
    return false
  }
  if (path.startsWith('/api/')) return false
  return /^\/(index\.html|m-sw\.js|workbox-[\w-]+\.js|favicon\.svg)$/.test(path) || path.startsWith('/assets/') || path.startsWith('/m/')
}

async function clearCaches(): Promise<void> {
  if (typeof caches === 'undefined') return
  for (const name of await caches.keys()) {
    try {
      const c = await caches.open(name)
      const keys = await c.keys()
      if (!name.startsWith('workbox-precache') || keys.some((r) => !isShellUrl(r.url))) await caches.delete(name)
    } catch {
      await caches.delete(name).catch(() => false)
    }
  }
}

function clearStorage(s: Storage, keep: Set<string>): void {
  const keys: string[] = []
  for (let i = 0; i < s.length; i++) {
    const k = s.key(i)
    if (k && !keep.has(k)) keys.push(k)
  }
  for (const k of keys) s.removeItem(k)
}

/** Signs out and wipes the phone. The caller has warned about unsynced ops. */
export async function signOutAndWipe(): Promise<void> {
  const session = useSessionStore()
  const sync = useSyncStore()
  const username = session.user?.username ?? null
  // The server forgets the session first (it needs the token); offline it lapses by itself.
  if (navigator.onLine) await session.logout()
  else session.clear()
  sync.reset()
  if (username) await queue.destroy(username)
  await clearCaches()
  clearSnapshots()
  clearStorage(sessionStorage, new Set())
  clearStorage(localStorage, KEEP_LOCAL)
}
