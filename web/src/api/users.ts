import { http } from './http'
import type { User } from './types'

export interface Role {
  name: string
  permissions: string[]
}

export interface CreateUserRequest {
  username: string
  display_name: string
  password: string
  roles: string[]
}

export interface UpdateUserRequest {
  display_name?: string
  roles?: string[]
  disabled?: boolean
}

/** GET /api/v1/users answers a list; accept both a bare array and {items}. */
export async function listUsers(): Promise<User[]> {
  const r = await http.get<User[] | { items: User[] }>('/api/v1/users')
  return Array.isArray(r) ? r : r.items
}
export const createUser = (req: CreateUserRequest) => http.post<User>('/api/v1/users', req)
export const updateUser = (id: User['id'], req: UpdateUserRequest) => http.patch<User>(`/api/v1/users/${id}`, req)
export const unlockUser = (id: User['id']) => http.post<User>(`/api/v1/users/${id}/unlock`)
export const resetPassword = (id: User['id'], password: string) => http.post<void>(`/api/v1/users/${id}/password`, { password })
export const listRoles = () => http.get<{ items: Role[] }>('/api/v1/roles').then((r) => r.items)
