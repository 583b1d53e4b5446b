import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'

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

// The C++ server serves dist/ with an SPA fallback, so the app lives at '/'
// and uses history-mode routing. In development Vite proxies the API to it.
const backend = 'http://127.0.0.1:8080'

export default defineConfig({
  base: '/',
  plugins: [vue(), cspCheck()],
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
