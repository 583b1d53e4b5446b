// Which UI kit the app has loaded: the desktop pages need Element Plus
// (desktop.ts), the phone pages (/m) do without it, so that a phone on a slow
// network loads a fraction of the bytes. The router waits for the kit before
// it shows a desktop page.
import { ref, type App } from 'vue'

export const desktopReady = ref(false)

let loading: Promise<void> | null = null

export function ensureDesktop(app: App): Promise<void> {
  loading ??= import('./desktop')
    .then((m) => {
      m.install(app)
      desktopReady.value = true
    })
    .catch((e) => {
      loading = null
      throw e
    })
  return loading
}
