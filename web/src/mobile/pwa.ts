// The phone app as an installable PWA: its manifest (public/m/manifest.json)
// and theme colour are linked by the phone pages only, and its service worker
// (/m-sw.js, made by vite-plugin-pwa: the app shell only) is registered here,
// from code, since the Content-Security-Policy allows no inline script.
let done = false

function addHead(tag: 'link' | 'meta', attrs: Record<string, string>): void {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v)
  el.dataset.mobile = '1'
  document.head.appendChild(el)
}

export function setupPwa(): void {
  if (done) return
  done = true
  addHead('link', { rel: 'manifest', href: '/m/manifest.json' })
  addHead('link', { rel: 'apple-touch-icon', href: '/m/icon-192.png' })
  addHead('meta', { name: 'theme-color', content: '#0b2d5b' })
  addHead('meta', { name: 'mobile-web-app-capable', content: 'yes' })
  document.title = '移动警务'
  if (import.meta.env.PROD && 'serviceWorker' in navigator) {
    navigator.serviceWorker.register('/m-sw.js', { scope: '/m' }).catch(() => {
      // no service worker (a private window, plain http off localhost): the app still works online
    })
  }
}
