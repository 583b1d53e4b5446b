// The UI language: Simplified Chinese by default, English second; the choice
// is kept in localStorage and also switches Element Plus's own strings.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import enEp from 'element-plus/es/locale/lang/en'
import { i18n, DEFAULT_LOCALE, LOCALES, type AppLocale } from '@/locales'

const STORAGE_KEY = 'jingwu.locale'

function initial(): AppLocale {
  const saved = localStorage.getItem(STORAGE_KEY)
  return LOCALES.includes(saved as AppLocale) ? (saved as AppLocale) : DEFAULT_LOCALE
}

export const useLocaleStore = defineStore('locale', () => {
  const locale = ref<AppLocale>(initial())
  const elementLocale = computed(() => (locale.value === 'en' ? enEp : zhCn))

  function apply(): void {
    i18n.global.locale.value = locale.value
    document.documentElement.lang = locale.value
  }

  function set(l: AppLocale): void {
    locale.value = l
    localStorage.setItem(STORAGE_KEY, l)
    apply()
  }

  function toggle(): void {
    set(locale.value === 'zh-CN' ? 'en' : 'zh-CN')
  }

  apply()
  return { locale, elementLocale, set, toggle }
})
