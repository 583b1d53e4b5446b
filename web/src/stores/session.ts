// Who is signed in. The bearer token lives in sessionStorage (gone when the tab
// closes); the user, with roles and permissions, comes from login or /auth/me.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import * as authApi from '@/api/auth'
import { ApiError } from '@/api/http'
import type { User } from '@/api/types'

const TOKEN_KEY = 'jingwu.token'

export const useSessionStore = defineStore('session', () => {
  const token = ref<string | null>(sessionStorage.getItem(TOKEN_KEY))
  const user = ref<User | null>(null)
  const expiresAt = ref<string | null>(null)

  const signedIn = computed(() => token.value !== null)
  const permissions = computed(() => new Set(user.value?.permissions ?? []))

  function can(permission?: string): boolean {
    return !permission || permissions.value.has(permission)
  }

  function setToken(t: string | null): void {
    token.value = t
    if (t) sessionStorage.setItem(TOKEN_KEY, t)
    else sessionStorage.removeItem(TOKEN_KEY)
  }

  async function login(username: string, password: string, totp?: string, device?: 'mobile'): Promise<User> {
    const r = await authApi.login({ username, password, ...(totp ? { totp } : {}), ...(device ? { device } : {}) })
    setToken(r.token)
    expiresAt.value = r.expires_at
    user.value = r.user
    return r.user
  }

  /** Loads the user behind a token kept from an earlier page load. */
  async function ensureUser(): Promise<User | null> {
    if (!token.value) return null
    if (user.value) return user.value
    try {
      user.value = await authApi.me()
    } catch (e) {
      // Without a connection the session may well be alive: keep the token for when it is back.
      if (!(e instanceof ApiError && e.code === 'network_error')) clear()
    }
    return user.value
  }

  async function refreshUser(): Promise<void> {
    if (token.value) user.value = await authApi.me()
  }

  function clear(): void {
    setToken(null)
    user.value = null
    expiresAt.value = null
  }

  async function logout(): Promise<void> {
    try {
      if (token.value) await authApi.logout()
    } catch {
      // the session may already be gone on the server; sign out here anyway
    } finally {
      clear()
    }
  }

  return { token, user, expiresAt, signedIn, permissions, can, login, ensureUser, refreshUser, clear, logout }
})
