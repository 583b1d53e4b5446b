// What the phone last loaded (shift, assignments, tasks, the user), kept in
// sessionStorage for the tab's life so that a reload without a connection still
// shows the work. Never in Cache Storage; gone with the tab, and at sign-out.
const PREFIX = 'jingwu.m.snap.'

export interface Snapshot<T> {
  at: number
  data: T
}

export function saveSnapshot<T>(name: string, data: T): void {
  try {
    sessionStorage.setItem(PREFIX + name, JSON.stringify({ at: Date.now(), data }))
  } catch {
    // storage full or unavailable: the page still works online
  }
}

export function loadSnapshot<T>(name: string): Snapshot<T> | null {
  try {
    const v = sessionStorage.getItem(PREFIX + name)
    return v ? (JSON.parse(v) as Snapshot<T>) : null
  } catch {
    return null
  }
}

export function clearSnapshots(): void {
  const keys: string[] = []
  for (let i = 0; i < sessionStorage.length; i++) {
    const k = sessionStorage.key(i)
    if (k?.startsWith(PREFIX)) keys.push(k)
  }
  for (const k of keys) sessionStorage.removeItem(k)
}
