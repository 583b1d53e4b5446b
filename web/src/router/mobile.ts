// 移动警务 (/m): the patrol officer's phone pages, in their own light layout
// (no side menu, no Element Plus: a bottom tab bar and big touch targets).
import type { RouteLocationNormalized, RouteLocationRaw, RouteRecordRaw } from 'vue-router'
import { useSessionStore } from '@/stores/session'
import type { User } from '@/api/types'
import { loadSnapshot, saveSnapshot } from '@/mobile/snapshot'

declare module 'vue-router' {
  interface RouteMeta {
    /** A page of the phone app (/m): its own sign-in and layout. */
    mobile?: boolean
  }
}

export const mobileRoutes: RouteRecordRaw[] = [
  { path: '/m/login', name: 'm-login', component: () => import('@/views/mobile/Login.vue'), meta: { public: true, mobile: true } },
  {
    path: '/m',
    component: () => import('@/views/mobile/Layout.vue'),
    meta: { mobile: true },
    children: [
      { path: '', name: 'm-home', component: () => import('@/views/mobile/Home.vue') },
      { path: 'lookup', name: 'm-lookup', component: () => import('@/views/mobile/Lookup.vue') },
      { path: 'tasks', name: 'm-tasks', component: () => import('@/views/mobile/Tasks.vue') },
      { path: 'notes', name: 'm-notes', component: () => import('@/views/mobile/Notes.vue') },
      { path: 'me', name: 'm-me', component: () => import('@/views/mobile/Me.vue') },
      { path: ':pathMatch(.*)*', redirect: '/m' },
    ],
  },
]

export const isMobilePath = (p: string): boolean => p === '/m' || p.startsWith('/m/')

/** Who is signed in on the phone; without a connection, the user as last loaded in this tab. */
export async function mobileUser(): Promise<User | null> {
  const session = useSessionStore()
  const u = await session.ensureUser()
  if (u) {
    saveSnapshot('user', u)
    return u
  }
  if (session.token) {
    // ensureUser kept the token: the server was out of reach.
    const snap = loadSnapshot<User>('user')
    if (snap) {
      session.user = snap.data
      return snap.data
    }
  }
  return null
}

/** The role needs a second factor and the account has none yet: every permission-bound call is refused until it enrols. */
export const mustEnrol = (u: User | null): boolean => !!(u as { totp_enrollment_required?: boolean } | null)?.totp_enrollment_required

export async function mobileGuard(to: RouteLocationNormalized): Promise<true | RouteLocationRaw> {
  const u = await mobileUser()
  if (to.name === 'm-login') return u && !mustEnrol(u) ? { name: 'm-home' } : true
  if (u) return mustEnrol(u) ? { name: 'm-login' } : true
  return { name: 'm-login', query: to.fullPath !== '/m' && to.fullPath !== '/m/' ? { redirect: to.fullPath } : {} }
}
