import { http } from './http'
import { openEventStream, type EventStream, type StreamHandlers } from './sse'
import type { Page } from './types'

export interface AuditEntry {
  id: number | string
  at: string
  actor: string
  role: string
  client: string
  action: string
  target: string
  purpose: string
  case_no: string
  outcome: string
  detail: unknown
  hash: string
}

export interface AuditQuery {
  actor?: string
  target?: string
  action?: string
  outcome?: string
  from?: string
  to?: string
  page?: number
  page_size?: number
}

export interface AuditVerify {
  ok: boolean
  checked: number
  first_bad_id?: number | string
  problem?: string
}

export const listAudit = (q: AuditQuery) => http.get<Page<AuditEntry>>('/api/v1/audit', { ...q })
export const verifyAudit = () => http.get<AuditVerify>('/api/v1/audit/verify')

/** Live audit entries, one `audit` event per new entry. */
export function streamAudit(onEntry: (e: AuditEntry) => void, handlers: Omit<StreamHandlers, 'onEvent'> = {}): EventStream {
  return openEventStream('/api/v1/audit/stream', {
    ...handlers,
    onEvent(ev) {
      if (ev.event !== 'audit') return
      try {
        onEntry(JSON.parse(ev.data) as AuditEntry)
      } catch {
        // a malformed event is skipped; the next one still arrives
      }
    },
  })
}

// ---- signed checkpoints: the head of the log signed with the server's Ed25519
// key; inspectors keep copies away from the server, so that a truncation with a
// rewritten head is still caught by verifying against an older copy.
export interface AuditPublicKey {
  algorithm: string
  public_key: string
}

export interface Checkpoint {
  id: number
  format: string
  last_id: number
  last_hash: string
  at: string
  public_key: string
  signature: string
}

export interface CheckpointVerify extends AuditVerify {
  checkpoint_last_id: number
  checkpoint_at: string
}

export const auditPublicKey = () => http.get<AuditPublicKey>('/api/v1/audit/public-key')
export const listCheckpoints = () => http.get<{ items: Checkpoint[] }>('/api/v1/audit/checkpoints')
export const signCheckpoint = () => http.post<Checkpoint>('/api/v1/audit/checkpoints')
export const downloadCheckpoint = (id: number) => http.file(`/api/v1/audit/checkpoints/${id}`)
/** Verifies the log against a checkpoint file's JSON (as it was downloaded). */
export const verifyCheckpoint = (checkpoint: unknown) => http.post<CheckpointVerify>('/api/v1/audit/verify-checkpoint', checkpoint)
