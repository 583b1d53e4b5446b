import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import { VitePWA } from 'vite-plugin-pwa'

// The server sends `Content-Security-Policy: default-src 'self'; script-src 'self'; …`
// (no 'unsafe-inline' or 'unsafe-eval' for scripts, no other origins). This check
// fails the build when the output would need them: an inline <script> in
// index.html, or code built from strings (eval, new Function) in a chunk. Vue is
// its runtime-only build and vue-i18n (v11) compiles messages to an AST that it
// interprets, so neither evaluates strings. Two library fallbacks that a browser
// never reaches are allowed: lodash's `Function("return this")` (only without
// globalThis/self) and ECharts' `new Function("return (" + geoJson + ")")` (only
// for a map given as a string; the Haikou map is registered as an object).
const EVAL = /\bnew Function\(|(?<![\w$.])Function\(|(?<![\w$.])eval\(/g
const ALLOWED_EVAL = ['Function("return this")', 'new Function("return ("+']
function cspCheck(): Plugin {
  return {
    name: 'jingwu-csp-check',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      for (const [name, out] of Object.entries(bundle)) {
        if (out.type === 'asset' && name.endsWith('.html')) {
          const html = String(out.source)
          for (const m of html.matchAll(/<script\b([^>]*)>/g))
            if (!/\bsrc=/.test(m[1])) this.error(`${name}: an inline <script> would break the Content-Security-Policy`)
          if (/\son[a-z]+=/i.test(html)) this.error(`${name}: an inline event handler would break the Content-Security-Policy`)
          if (/(?:src|href)=["']?(?:https?:)?\/\//.test(html)) this.error(`${name}: a resource from another origin would break the Content-Security-Policy`)
        }
        if (out.type === 'chunk') {
          for (const m of out.code.matchAll(EVAL)) {
            const at = out.code.slice(m.index, m.index + 30)
            if (!ALLOWED_EVAL.some((ok) => at.startsWith(ok) || at.startsWith(ok.replace('new ', ''))))
              this.error(`${name}: code built from a string (${at}…) needs 'unsafe-eval', which the Content-Security-Policy refuses`)
          }
        }
      }
    },
  }
}

// The phone app's shell (移动警务, /m): the entry with everything it imports
// statically, the phone pages' chunks (src/views/mobile, src/mobile) with theirs,
// their CSS, and index.html. Only these are precached by its service worker: not
// the desktop pages' chunks (Element Plus, ECharts, …), and never an API answer.
const mobileShellFiles = new Set<string>()
function mobileShell(): Plugin {
  return {
    name: 'jingwu-mobile-shell',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      mobileShellFiles.clear()
      mobileShellFiles.add('index.html')
      const chunks = new Map<string, { imports: string[]; css: string[] }>()
      const start: string[] = []
      for (const [name, out] of Object.entries(bundle)) {
        if (out.type !== 'chunk') continue
        const meta = (out as { viteMetadata?: { importedCss?: Set<string> } }).viteMetadata
        chunks.set(name, { imports: out.imports, css: [...(meta?.importedCss ?? [])] })
        if (out.isEntry || out.moduleIds.some((id) => /\/src\/(views\/mobile|mobile)\//.test(id))) start.push(name)
      }
      const visit = (name: string) => {
        if (mobileShellFiles.has(name)) return
        mobileShellFiles.add(name)
        const c = chunks.get(name)
        c?.css.forEach((f) => mobileShellFiles.add(f))
        c?.imports.forEach(visit)
      }
      start.forEach(visit)
    },
  }
}

// The C++ server serves dist/ with an SPA fallback, so the app lives at '/'
// and uses history-mode routing. In development Vite proxies the API to it.
const backend = 'http://127.0.0.1:8080'

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    cspCheck(),
    mobileShell(),
    // The phone app's service worker (/m-sw.js, scope /m): precaches the shell and
    // answers the phone pages' navigations with index.html offline; no runtime
    // caching, so API answers never reach Cache Storage. It is registered from code
    // (src/mobile/pwa.ts), not by an inline script, and the manifest is the static
    // public/m/manifest.json that only the phone pages link.
    VitePWA({
      strategies: 'generateSW',
      injectRegister: false,
      registerType: 'prompt',
      filename: 'm-sw.js',
      scope: '/m',
      manifest: false,
      workbox: {
        globPatterns: ['**/*.{js,css,html}'],
        globIgnores: ['m-sw.js', 'workbox-*.js'],
        manifestTransforms: [async (entries) => ({ manifest: entries.filter((e) => mobileShellFiles.has(e.url)), warnings: [] })],
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
        navigateFallback: '/index.html',
        navigateFallbackAllowlist: [/^\/m(\/|$)/],
        runtimeCaching: [],
        // The first visit's page too is served from the precache once the worker is active.
        clientsClaim: true,
        cleanupOutdatedCaches: true,
        sourcemap: false,
      },
    }),
  ],
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  resolve: { alias: { '@': decodeURIComponent(new URL('./src', import.meta.url).pathname) } },
  server: {
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/healthz': { target: backend },
    },
  },
  build: {
    outDir: 'dist',
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      onwarn(warning, warn) {
        // @vueuse ships /* #__PURE__ */ comments Rollup cannot place; harmless noise.
        if (warning.message.includes('contains an annotation that Rollup cannot interpret')) return
        warn(warning)
      },
      output: {
        // Element Plus and the Vue core change rarely: their own chunks cache well.
        // Everything else (qrcode, for one) stays with the page that uses it.
        manualChunks(id: string) {
          // The phone pages load no Element Plus: its icons and the locale store's two
          // language tables stay out of its chunk (a manual chunk takes in what it imports).
          if (/node_modules\/element-plus\/es\/locale\/lang\//.test(id)) return 'vue'
          if (/node_modules\/@element-plus\/icons-vue\//.test(id)) return 'icons'
          if (/node_modules\/(element-plus|@element-plus|@vueuse|@floating-ui|lodash|dayjs|async-validator)/.test(id)) return 'element-plus'
          if (/node_modules\/(@vue|vue|vue-router|vue-i18n|@intlify|pinia)\//.test(id)) return 'vue'
          // ECharts (only the charts the dashboards register) loads with the first chart page.
          if (/node_modules\/(echarts|zrender|tslib)\//.test(id)) return 'echarts'
        },
      },
    },
  },
})
