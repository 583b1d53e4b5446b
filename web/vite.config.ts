import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The C++ server serves dist/ with an SPA fallback, so the app lives at '/'
// and uses history-mode routing. In development Vite proxies the API to it.
const backend = 'http://127.0.0.1:8080'

export default defineConfig({
  base: '/',
  plugins: [vue()],
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
          if (/node_modules\/(element-plus|@element-plus|@vueuse|@floating-ui|lodash|dayjs|async-validator)/.test(id)) return 'element-plus'
          if (/node_modules\/(@vue|vue|vue-router|vue-i18n|@intlify|pinia)\//.test(id)) return 'vue'
          // ECharts (only the charts the dashboards register) loads with the first chart page.
          if (/node_modules\/(echarts|zrender|tslib)\//.test(id)) return 'echarts'
        },
      },
    },
  },
})
