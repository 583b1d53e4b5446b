// 一标三实: standard addresses, organisations and residents (docs/registry.md).
// Reading residents is a personal-data read: it states a purpose, sent as the
// X-Purpose header in the RFC 8187 form the server decodes (see analysis.ts).
import { http } from './http'
import { headerValue } from './analysis'
import type { Page } from './types'

const R = '/api/v1/registry'

export const ADDRESS_LEVELS = ['district', 'street', 'community', 'compound', 'building', 'unit', 'floor', 'room'] as const
export type AddressLevel = (typeof ADDRESS_LEVELS)[number]
export type AddressStatus = 'active' | 'demolished' | 'merged'

/** Code length of each level (a code names its whole path). */
export const CODE_LENGTH: Record<AddressLevel, number> = {
  district: 6,
  street: 9,
  community: 12,
  compound: 16,
  building: 19,
  unit: 21,
  floor: 23,
  room: 25,
}

export const KEY_UNITS = ['hotel', 'netcafe', 'school', 'hospital', 'finance', 'dutyfree'] as const
export const RESIDENT_CATEGORIES = ['registered', 'floating', 'foreign'] as const
export type ResidentCategory = (typeof RESIDENT_CATEGORIES)[number]

export interface AddressNode {
  code: string
  level: AddressLevel
  name: string
  /** A compound's road and house number ("玉沙路5号"); empty below. */
  road?: string
  full_name: string
  status: AddressStatus
  merged_into: string | null
  /** Buildings only; may be null. */
  lat: number | null
  lon: number | null
  /** Number of children. */
  children: number
  /** Number of rooms below. */
  rooms: number
  aliases: string[]
}

export interface PathStep {
  code: string
  level: AddressLevel
  name: string
}

export interface AddressChange {
  at: string
  actor: string
  change: unknown
}

export interface Organisation {
  credit_code: string
  name: string
  type: string
  legal_rep: string
  address_code: string
  full_address: string
  key_units: string[]
  place_code: string | null
  employees: number | null
}

export interface AddressDetail extends AddressNode {
  path: PathStep[]
  history: AddressChange[]
  organisations: Organisation[]
}

export interface Resident {
  id: number | string
  /** "ID:460106199001011234" or "PASSPORT:USA/X1234567". */
  person: string
  name: string
  category: ResidentCategory | string
  relation: string
  source: string
  address_code: string
  full_address: string
  moved_in_at: string | null
  /** null while the person still lives there. */
  moved_out_at: string | null
}

export interface MatchCandidate {
  code: string
  full_name: string
  level: AddressLevel
  score: number
}

export interface MatchParsed {
  district?: string
  street?: string
  community?: string
  compound?: string
  building?: string
  unit?: string
  floor?: number | string | null
  room?: string
  [part: string]: unknown
}

export interface MatchResult {
  matched: boolean
  code?: string
  level?: AddressLevel
  score?: number
  full_name?: string
  parsed?: MatchParsed
  candidates: MatchCandidate[]
}

export interface RegistryStats {
  levels: Partial<Record<AddressLevel, number>>
  organisations: number
  residents: Record<ResidentCategory, number>
  districts: { code: string; name: string; rooms: number; residents: number; organisations: number }[]
}

export interface OrganisationQuery {
  q?: string
  address?: string
  key_unit?: string
  page?: number
  page_size?: number
}

/** The children of a node; without a parent, the districts. */
export const listChildren = (parent?: string, signal?: AbortSignal) =>
  http.get<Page<AddressNode>>(`${R}/addresses`, { parent, page_size: 500 }, { signal })

/** Everything below a node (a building's units, floors and rooms) in one request, code order. */
export const listUnder = (under: string, signal?: AbortSignal) =>
  http.get<Page<AddressNode> & { truncated?: boolean }>(`${R}/addresses`, { under, limit: 10000 }, { signal })

/** Nodes whose name or alias contains the text. */
export const searchAddresses = (q: string, level?: AddressLevel, limit = 30, signal?: AbortSignal) =>
  http.get<Page<AddressNode>>(`${R}/addresses`, { q, level, limit }, { signal })

export const getAddress = (code: string, signal?: AbortSignal) =>
  http.get<AddressDetail>(`${R}/addresses/${encodeURIComponent(code)}`, undefined, { signal })

export const matchAddress = (text: string, signal?: AbortSignal) => http.post<MatchResult>(`${R}/match`, { text }, { signal })

export const listOrganisations = (q: OrganisationQuery, signal?: AbortSignal) =>
  http.get<Page<Organisation>>(`${R}/organisations`, { ...q }, { signal })

export const getOrganisation = (creditCode: string) => http.get<Organisation>(`${R}/organisations/${encodeURIComponent(creditCode)}`)

/** The people who live (with all: who lived) under an address: person.read, a purpose, audited. */
export const listResidents = (address: string, purpose: string, all = false, signal?: AbortSignal) =>
  http.get<Page<Resident>>(`${R}/residents`, { address, all: all ? 1 : undefined }, { headers: { 'X-Purpose': headerValue(purpose) }, signal })

export const registryStats = (signal?: AbortSignal) => http.get<RegistryStats>(`${R}/stats`, undefined, { signal })

/** A node's name as people say it: a compound with its road and number. */
export const displayName = (n: { name: string; road?: string }): string => `${n.road ?? ''}${n.name}`

/** The level a code belongs to, from its length. */
export function levelOfCode(code: string): AddressLevel | undefined {
  return ADDRESS_LEVELS.find((l) => CODE_LENGTH[l] === code.length)
}

/** The code of the ancestor at a level (the code's prefix), or undefined when the code is above it. */
export function ancestorCode(code: string, level: AddressLevel): string | undefined {
  const n = CODE_LENGTH[level]
  return code.length >= n ? code.slice(0, n) : undefined
}

/** The codes of every node from the district down to this one. */
export function pathCodes(code: string): string[] {
  return ADDRESS_LEVELS.map((l) => CODE_LENGTH[l]).filter((n) => n <= code.length).map((n) => code.slice(0, n))
}
