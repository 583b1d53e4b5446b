// What the form dialogs (custody; grassroots supervision, disputes, tips and
// partners) share: the busy flag and the server's refusal in words. When a
// dialog opens its presets come in, the refusal goes and the form shows no
// stale checks; a submit is one at a time, after the form's checks pass.
import { nextTick, ref, watch, type Ref } from 'vue'
import type { FormInstance } from 'element-plus'

/**
 * `explain` turns a refusal into words (each module has its own, e.g. custodyError);
 * one submit may explain its refusal otherwise (with its own figures, or after
 * reacting to the code).
 */
export function useDialogForm(
  formRef: Ref<FormInstance | undefined>,
  isOpen: () => boolean,
  onOpen: (() => void) | undefined,
  explain: (e: unknown) => string,
) {
  const busy = ref(false)
  const error = ref('')
  watch(isOpen, (open) => {
    if (!open) return
    onOpen?.()
    error.value = ''
    void nextTick(() => formRef.value?.clearValidate())
  })
  /** Checks the form, then sends; a refusal is shown in words. */
  async function submitWith(send: () => Promise<void>, explainThis: (e: unknown) => string = explain): Promise<void> {
    if (busy.value) return
    if (!(await formRef.value?.validate().catch(() => false))) return
    busy.value = true
    error.value = ''
    try {
      await send()
    } catch (e) {
      error.value = explainThis(e)
    } finally {
      busy.value = false
    }
  }
  return { busy, error, submitWith }
}

/** A record's time (or day) may not be after now. */
export const afterNow = (d: Date) => d.getTime() > Date.now()
/** A follow-up is due today or later. */
export const beforeToday = (d: Date) => d.getTime() < new Date(new Date().toDateString()).getTime()
