import { http } from './http'
import type { User } from './types'

export interface LoginRequest {
  username: string
  password: string
  totp?: string
  /** "mobile": a phone's session, with the shorter idle and absolute limits (docs/grassroots.md). */
  device?: 'mobile'
}

export interface LoginResponse {
  token: string
  expires_at: string
  user: User
}

export interface TotpEnrolment {
  secret: string
  otpauth_uri: string
}

export const login = (req: LoginRequest) => http.post<LoginResponse>('/api/v1/auth/login', req)
export const logout = () => http.post<void>('/api/v1/auth/logout')
export const me = () => http.get<User>('/api/v1/auth/me')
export const changePassword = (old_password: string, new_password: string) =>
  http.post<void>('/api/v1/auth/password', { old_password, new_password })
export const enrollTotp = () => http.post<TotpEnrolment>('/api/v1/auth/totp/enroll')
export const confirmTotp = (code: string) => http.post<void>('/api/v1/auth/totp/confirm', { code })
