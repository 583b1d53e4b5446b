import { http } from './http'
import type { Page, User } from './types'

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

/** States of a grant of sensitive roles; `superseded`: a newer request for the same user replaced it. */
export type GrantState = 'pending' | 'approved' | 'rejected' | 'superseded'

/**
 * A grant of sensitive roles (admin, inspector, commander, investigator, analyst)
 * that waits for, or was decided by, a second admin. `roles` is the user's whole
 * role list once approved; `requested_by` and `decided_by` are usernames.
 */
export interface RoleGrant {
  id: number
  user_id: number
  username: string
  roles: string[]
  requested_by: string
  requested_at: string
  state: GrantState
  decided_by: string | null
  decided_at: string | null
  note: string
}

/**
 * What creating or changing a user answers: the user as it is now, and the grant
 * that waits for a second admin when the change asked for a sensitive role
 * (PATCH then answers 202 with the roles unchanged).
 */
export interface UserChange extends User {
  pending_grant?: RoleGrant | null
}

/** GET /api/v1/users answers a list; accept both a bare array and {items}. */
export async function listUsers(): Promise<User[]> {
  const r = await http.get<User[] | { items: User[] }>('/api/v1/users')
  return Array.isArray(r) ? r : r.items
}
export const createUser = (req: CreateUserRequest) => http.post<UserChange>('/api/v1/users', req)
export const updateUser = (id: User['id'], req: UpdateUserRequest) => http.patch<UserChange>(`/api/v1/users/${id}`, req)
export const unlockUser = (id: User['id']) => http.post<User>(`/api/v1/users/${id}/unlock`)
export const resetPassword = (id: User['id'], password: string) => http.post<void>(`/api/v1/users/${id}/password`, { password })
export const listRoles = () => http.get<{ items: Role[] }>('/api/v1/roles').then((r) => r.items)

/** GET /api/v1/role-grants: the pending grants, or all (newest first, at most 500). */
export const listGrants = (state: 'pending' | 'all' = 'pending') => http.get<Page<RoleGrant>>('/api/v1/role-grants', { state })
/** By a second admin: not the one who asked (403 second_admin_required), not the user it is for (403 self_grant). */
export const approveGrant = (id: RoleGrant['id'], note?: string) =>
  http.post<RoleGrant>(`/api/v1/role-grants/${id}/approve`, note ? { note } : {})
/** By any admin but the grant's user; the admin who asked withdraws the request so. */
export const rejectGrant = (id: RoleGrant['id'], note?: string) =>
  http.post<RoleGrant>(`/api/v1/role-grants/${id}/reject`, note ? { note } : {})
