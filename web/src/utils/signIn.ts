// What the desktop and the phone's sign-in pages share: the refusal in words
// with its code (the page's alert shows both), the reason a session ended
// elsewhere (?reason=, said on landing), and the second factor's field, opened
// when the role needs one.
import { nextTick, ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { useRoute } from 'vue-router'
import { errorCode, errorMessage } from './errors'

/** `focusTotp` puts the cursor in the code's field; `signedOut` words ?reason=signed_out, where a page says it. */
export function useSignIn(focusTotp: () => void, signedOut?: () => string) {
  const { t, te } = useI18n()
  const route = useRoute()
  const needTotp = ref(false)
  const error = ref('')
  const errorKind = ref('')

  // A session that ended elsewhere says why when we land here.
  const reason = typeof route.query.reason === 'string' ? route.query.reason : ''
  if (signedOut && reason === 'signed_out') {
    error.value = signedOut()
    errorKind.value = 'info'
  } else if (reason && te(`errors.${reason}`)) {
    error.value = t(`errors.${reason}`)
    errorKind.value = reason
  }

  /** A refused sign-in: a role that needs a second factor shows the code's field and asks for it; a wrong code is cleared. */
  async function refused(e: unknown, form: { totp: string }): Promise<void> {
    const code = errorCode(e) ?? 'unknown'
    if (code === 'totp_required') {
      needTotp.value = true
      await nextTick()
      focusTotp()
    }
    if (code === 'invalid_totp') form.totp = ''
    errorKind.value = code
    error.value = errorMessage(e)
  }
  return { needTotp, error, errorKind, refused }
}
