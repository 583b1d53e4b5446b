import { http } from './http'

export interface SystemInfo {
  version: string
  db: string
  modules: { name: string; available: boolean }[]
  /** A Leaflet tile URL template for the maps; empty: the offline district outline only. */
  map_tile_url?: string
}

export const systemInfo = () => http.get<SystemInfo>('/api/v1/system/info')
export const health = () => http.get<{ status: string }>('/healthz')
