import { http } from './http'

export interface SystemInfo {
  version: string
  db: string
  modules: { name: string; available: boolean }[]
}

export const systemInfo = () => http.get<SystemInfo>('/api/v1/system/info')
export const health = () => http.get<{ status: string }>('/healthz')
