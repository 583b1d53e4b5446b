import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { i18n } from './locales'
import { router } from './router'
import { configureHttp } from './api/http'
import { useSessionStore } from './stores/session'
import { useLocaleStore } from './stores/locale'
import { ensureDesktop } from './shell'

const app = createApp(App)
const pinia = createPinia()
// Element Plus comes with the first desktop page; the phone pages (/m) never need it.
router.beforeEach(async (to) => {
  if (!to.meta.mobile) await ensureDesktop(app)
  return true
})
app.use(pinia).use(i18n).use(router)

useLocaleStore(pinia)
const session = useSessionStore(pinia)
configureHttp({
  getToken: () => session.token,
  onSessionLost: (code) => {
    session.clear()
    const here = router.currentRoute.value
    if (here.meta.mobile) {
      if (here.name !== 'm-login') void router.replace({ name: 'm-login', query: { redirect: here.fullPath, reason: code } })
    } else if (here.name !== 'login') {
      void router.replace({ name: 'login', query: { redirect: here.fullPath, reason: code } })
    }
  },
})

app.mount('#app')
