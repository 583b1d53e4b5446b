// The purpose (查询事由) of reading residents: asked once, then carried for the
// browser tab's session. It is the same purpose the search and analysis pages
// keep (bigdata/context.ts), so an officer who stated one there is not asked again.
import { computed, reactive } from 'vue'
import { analysisContext } from '../bigdata/context'

export const purpose = computed(() => analysisContext.purpose.trim())

/** The dialog's state: PurposeDialog.vue (mounted once by the page) shows it. */
export const purposeAsk = reactive({ open: false })
let pending: ((ok: boolean) => void) | null = null

/** Opens the dialog; resolves true once a purpose is set. */
export function askPurpose(): Promise<boolean> {
  purposeAsk.open = true
  return new Promise((resolve) => {
    pending?.(false)
    pending = resolve
  })
}

/** Resolves true when a purpose is already set, asking for one otherwise. */
export function ensurePurpose(): Promise<boolean> {
  return purpose.value ? Promise.resolve(true) : askPurpose()
}

export function settlePurpose(value: string | null): void {
  if (value !== null) analysisContext.purpose = value.trim()
  purposeAsk.open = false
  const p = pending
  pending = null
  p?.(purpose.value !== '')
}
