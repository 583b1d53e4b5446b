import { createApp } from 'vue'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import './styles/index.css'
import App from './App.vue'
import { i18n } from './locales'
import { router } from './router'
import { configureHttp } from './api/http'
import { useSessionStore } from './stores/session'
import { useLocaleStore } from './stores/locale'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia).use(i18n).use(router).use(ElementPlus)

useLocaleStore(pinia)
const session = useSessionStore(pinia)
configureHttp({
  getToken: () => session.token,
  onSessionLost: (code) => {
    session.clear()
    const here = router.currentRoute.value
    if (here.name !== 'login') {
      void router.replace({ name: 'login', query: { redirect: here.fullPath, reason: code } })
    }
  },
})

app.mount('#app')
