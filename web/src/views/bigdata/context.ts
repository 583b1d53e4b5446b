// The purpose (查询事由) and case number (案件编号) of the analyses: asked once,
// kept for the browser tab's session (sessionStorage), shared by the three pages.
import { reactive, watch } from 'vue'
import type { AnalysisContext } from '@/api/analysis'

const KEY = 'jingwu.analysisContext'

function load(): AnalysisContext {
  try {
    const v = JSON.parse(sessionStorage.getItem(KEY) ?? '{}') as Partial<AnalysisContext>
    return { purpose: String(v.purpose ?? ''), caseNo: String(v.caseNo ?? '') }
  } catch {
    return { purpose: '', caseNo: '' }
  }
}

export const analysisContext = reactive<AnalysisContext>(load())

watch(analysisContext, (v) => sessionStorage.setItem(KEY, JSON.stringify({ purpose: v.purpose, caseNo: v.caseNo })))

export const contextComplete = (): boolean => analysisContext.purpose.trim() !== '' && analysisContext.caseNo.trim() !== ''

/** The picker's value format: Beijing wall-clock time without an offset, as in the API's examples. */
export const VALUE_FORMAT = 'YYYY-MM-DDTHH:mm:ss'

/** A time from the query string or a picker ("2025-03-04 21:00:00" or ISO) → "2025-03-04T21:00:00[offset]". */
export function isoOf(v: string | null | undefined): string | undefined {
  if (!v) return undefined
  return v.trim().replace(' ', 'T')
}

/** A first query-string value. */
export function qs(v: unknown): string {
  if (Array.isArray(v)) return qs(v[0])
  return typeof v === 'string' ? v : ''
}
