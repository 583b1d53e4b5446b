// Shapes of the HTTP contract (docs/api.md).

export interface User {
  id: number | string
  username: string
  display_name: string
  roles: string[]
  permissions: string[]
  locked: boolean
  disabled: boolean
  totp_enabled: boolean
  created_at: string
  last_login_at: string | null
}

/** The one list shape of the API. */
export interface Page<T> {
  items: T[]
  total: number
}
