// The desktop pages' UI kit, loaded with the first page that is not a phone
// page (/m): Element Plus with its styles, then the app's own global styles
// over them. The phone app (/m) never loads it (views/mobile, router/mobile.ts).
import type { App } from 'vue'
import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import './styles/index.css'

export function install(app: App): void {
  app.use(ElementPlus)
}
