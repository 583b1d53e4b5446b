// A case's page from its number: the pages that name a case (a detainee's, a
// dispute's) link it by id when the officer may read cases.
import { ref } from 'vue'
import { listCases } from '@/api/cases'
import { useSessionStore } from '@/stores/session'

export function useCaseLink() {
  const session = useSessionStore()
  const caseId = ref<number | null>(null)
  /** The case's page: its id from its number. */
  async function findCase(no: string): Promise<void> {
    caseId.value = null
    if (!no || !session.can('cases.read')) return
    try {
      const r = await listCases({ q: no, page_size: 5 })
      caseId.value = r.items.find((c) => c.case_no === no)?.id ?? null
    } catch {
      caseId.value = null
    }
  }
  return { caseId, findCase }
}
