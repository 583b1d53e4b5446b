// 实有房屋 and 出租登记: a room's use and owner (registry.read to see,
// registry.write to change), its rental registrations (reading them is a
// personal-data read: person.read and a purpose, audited) and the rooms
// flagged as group rentals (群租). docs/registry.md.
import { http, request } from './http'
import { headerValue } from './analysis'
import type { Page } from './types'

const R = '/api/v1/registry'

export const HOUSING_USES = ['self_occupied', 'rented', 'commercial', 'vacant', 'unknown'] as const
export type HousingUse = (typeof HOUSING_USES)[number]

export interface Housing {
  address_code: string
  use: HousingUse | string
  owner_id_number: string
  owner_name: string
  /** import, officer or community_verification. */
  source: string
  updated_at: string
  updated_by: string
  verified_at: string | null
  /** People who live in the room now. */
  occupants: number
  group_rental: boolean
}

export interface HousingInput {
  use: HousingUse
  owner_id_number?: string
  owner_name?: string
}

export interface Rental {
  id: number
  address_code: string
  full_address: string
  /** "ID:<18 digits>" or "PASSPORT:NAT/NUMBER". */
  tenant: string
  tenant_name: string
  landlord_id_number: string
  landlord_name: string
  start_date: string
  end_date: string | null
  registered_at: string
  source: string
  verified_at: string | null
}

export interface RentalInput {
  address_code: string
  tenant: string
  tenant_name: string
  landlord_id_number: string
  landlord_name: string
  start_date: string
  end_date?: string
}

export interface GroupRental {
  address_code: string
  full_address: string
  occupants: number
}

/** Every room under a building (or floor) with its housing record, in one request. */
export const listHousing = (under: string, signal?: AbortSignal) =>
  http.get<Page<Housing>>(`${R}/housing`, { under }, { signal })

export const getHousing = (room: string, signal?: AbortSignal) =>
  http.get<Housing>(`${R}/housing/${encodeURIComponent(room)}`, undefined, { signal })

export const setHousing = (room: string, body: HousingInput) =>
  request<Housing>(`${R}/housing/${encodeURIComponent(room)}`, { method: 'PUT', body })

/** Rentals in the rooms under an address (current only unless all). */
export const listRentals = (address: string, purpose: string, all = false, signal?: AbortSignal) =>
  http.get<Page<Rental>>(`${R}/rentals`, { address, all: all ? 1 : undefined }, { headers: { 'X-Purpose': headerValue(purpose) }, signal })

export const registerRental = (body: RentalInput) => http.post<Rental>(`${R}/rentals`, body)

export const endRental = (id: number, endDate: string) => http.post<Rental>(`${R}/rentals/${id}/end`, { end_date: endDate })

export const listGroupRentals = (under: string, signal?: AbortSignal) =>
  http.get<Page<GroupRental> & { threshold: number }>(`${R}/group-rentals`, { under }, { signal })
