// What the dispute and tip dialogs share: the busy flag and the server's
// refusal in words. When a dialog opens its presets come in, the refusal goes
// and the form shows no stale checks; a submit is one at a time, after the
// form's checks pass.
import { nextTick, ref, watch, type Ref } from 'vue'
import type { FormInstance } from 'element-plus'
import { disputeError } from './labels'

export function useDialogForm(formRef: Ref<FormInstance | undefined>, isOpen: () => boolean, onOpen?: () => void, explain: (e: unknown) => string = disputeError) {
  const busy = ref(false)
  const error = ref('')
  watch(isOpen, (open) => {
    if (!open) return
    onOpen?.()
    error.value = ''
    void nextTick(() => formRef.value?.clearValidate())
  })
  /** Checks the form, then sends; a refusal is shown in words. */
  async function submitWith(send: () => Promise<void>): Promise<void> {
    if (busy.value) return
    if (!(await formRef.value?.validate().catch(() => false))) return
    busy.value = true
    error.value = ''
    try {
      await send()
    } catch (e) {
      error.value = explain(e)
    } finally {
      busy.value = false
    }
  }
  return { busy, error, submitWith }
}

/** A record's time may not be after now. */
export const afterNow = (d: Date) => d.getTime() > Date.now()
/** A follow-up is due today or later. */
export const beforeToday = (d: Date) => d.getTime() < new Date(new Date().toDateString()).getTime()
