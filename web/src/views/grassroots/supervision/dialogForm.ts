// What the supervision dialogs (site, licence, inspection, movement,
// re-inspection) share: the busy flag and the server's refusal in words. When
// a dialog opens its presets come in, the refusal goes and the form shows no
// stale checks; a submit is one at a time, after the form's checks pass.
import { nextTick, ref, watch, type Ref } from 'vue'
import type { FormInstance } from 'element-plus'
import { supervisionError } from './labels'

export function useDialogForm(formRef: Ref<FormInstance | undefined>, isOpen: () => boolean, onOpen?: () => void) {
  const busy = ref(false)
  const error = ref('')
  watch(isOpen, (open) => {
    if (!open) return
    onOpen?.()
    error.value = ''
    void nextTick(() => formRef.value?.clearValidate())
  })
  /** Checks the form, then sends; a refusal is shown in words (with the figures `figures` gives). */
  async function submitWith(send: () => Promise<void>, figures?: () => Record<string, string | number>): Promise<void> {
    if (busy.value) return
    if (!(await formRef.value?.validate().catch(() => false))) return
    busy.value = true
    error.value = ''
    try {
      await send()
    } catch (e) {
      error.value = supervisionError(e, figures?.() ?? {})
    } finally {
      busy.value = false
    }
  }
  return { busy, error, submitWith }
}

/** A record's time may not be after today. */
export const afterToday = (d: Date) => d.getTime() > Date.now()
