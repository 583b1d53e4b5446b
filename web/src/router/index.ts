import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useSessionStore } from '@/stores/session'
import { MODULES } from './modules'
import { mobileGuard, mobileRoutes } from './mobile'

declare module 'vue-router' {
  interface RouteMeta {
    /** Pages reachable without signing in. */
    public?: boolean
    permission?: string
    /** Module key, for the menu highlight and the not-yet-available page. */
    module?: string
  }
}

const Layout = () => import('@/layout/index.vue')
const Pending = () => import('@/views/pending/index.vue')

const moduleRoutes: RouteRecordRaw[] = MODULES.map((m) => ({
  path: m.path.slice(1),
  name: m.key,
  component: m.page ?? Pending,
  meta: { permission: m.permission, module: m.key },
}))

// The pages under a module's own path (detail, forms): same menu entry, own permission.
const subRoutes: RouteRecordRaw[] = [
  // 大数据实战: each analysis its own page, so that other pages and tests can deep-link (?entity=…).
  { path: 'bigdata/trajectory', name: 'bigdata-trajectory', component: () => import('@/views/bigdata/trajectory.vue'), meta: { permission: 'analysis.run', module: 'bigdata' } },
  { path: 'bigdata/collision', name: 'bigdata-collision', component: () => import('@/views/bigdata/collision.vue'), meta: { permission: 'analysis.run', module: 'bigdata' } },
  { path: 'bigdata/cotravel', name: 'bigdata-cotravel', component: () => import('@/views/bigdata/cotravel.vue'), meta: { permission: 'analysis.run', module: 'bigdata' } },
  // 一键搜, entity profiles and the relationship graph (issue 4).
  { path: 'search', name: 'search', component: () => import('@/views/search/index.vue'), meta: { permission: 'person.read', module: 'bigdata' } },
  { path: 'entities/:ref', name: 'entity-profile', component: () => import('@/views/search/profile.vue'), meta: { permission: 'person.read', module: 'bigdata' } },
  { path: 'bigdata/rings', name: 'bigdata-rings', component: () => import('@/views/bigdata/rings.vue'), meta: { permission: 'analysis.run', module: 'bigdata' } },
  // 布控预警: the alerts feed beside the watchlist page.
  { path: 'watch/alerts', name: 'watch-alerts', component: () => import('@/views/watch/alerts.vue'), meta: { permission: 'person.read', module: 'watch' } },
  // 外国人停留: one visitor's stays (?passport=PASSPORT:RUS/123456789).
  { path: 'stays/visitor', name: 'stays-visitor', component: () => import('@/views/stays/visitor.vue'), meta: { permission: 'person.read', module: 'stays' } },
  // 智慧安防小区: one community (registry code, or its place code SQ…; ?day= for the gate activity).
  { path: 'communities/:code(\\d{12}|SQ\\d+)', name: 'community', component: () => import('@/views/communities/detail.vue'), meta: { permission: 'registry.read', module: 'communities' } },
  // 基层基础 · 公共安全监管: one supervised site by its code.
  { path: 'grassroots/sites/:code([A-Za-z0-9_-]+)', name: 'grassroots-site', component: () => import('@/views/grassroots/supervision/site.vue'), meta: { permission: 'grassroots.read', module: 'grassroots' } },
  // 智慧监管: one person held (before the facility's pattern), and one facility by its code.
  { path: 'custody/detainees/:id(\\d+)', name: 'custody-detainee', component: () => import('@/views/custody/detainee.vue'), meta: { permission: 'custody.read', module: 'custody' } },
  { path: 'custody/:code([A-Za-z0-9_-]+)', name: 'custody-facility', component: () => import('@/views/custody/facility.vue'), meta: { permission: 'custody.read', module: 'custody' } },
  // 基层基础 矛盾纠纷: one dispute (its parties: a purpose first).
  { path: 'grassroots/disputes/:id(\\d+)', name: 'grassroots-dispute', component: () => import('@/views/grassroots/disputes/detail.vue'), meta: { permission: 'grassroots.read', module: 'grassroots' } },
  // 数据源: one definition with its versions.
  { path: 'sources/:name([a-z][a-z0-9_]*)', name: 'source', component: () => import('@/views/sources/detail.vue'), meta: { module: 'sources' } },
  { path: 'cases/new', name: 'case-new', component: () => import('@/views/cases/form.vue'), meta: { permission: 'cases.write', module: 'cases' } },
  { path: 'cases/:id(\\d+)', name: 'case-detail', component: () => import('@/views/cases/detail.vue'), meta: { permission: 'cases.read', module: 'cases' } },
  { path: 'cases/:id(\\d+)/edit', name: 'case-edit', component: () => import('@/views/cases/form.vue'), meta: { permission: 'cases.write', module: 'cases' } },
]

const routes: RouteRecordRaw[] = [
  // 移动警务 (/m): the patrol officer's phone app, its own sign-in and layout.
  ...mobileRoutes,
  { path: '/login', name: 'login', component: () => import('@/views/login/index.vue'), meta: { public: true } },
  // 数读 for the public: no login, outside the shell, public aggregates only.
  { path: '/public/stats', name: 'public-stats', component: () => import('@/views/public-stats/index.vue'), meta: { public: true } },
  // 警民通 for citizens and its public figures: citizen accounts, never a staff session.
  { path: '/citizen', name: 'citizen', component: () => import('@/views/citizen/index.vue'), meta: { public: true } },
  { path: '/public/services', name: 'public-services', component: () => import('@/views/public-services/index.vue'), meta: { public: true } },
  {
    path: '/',
    component: Layout,
    redirect: '/home',
    children: [
      ...moduleRoutes,
      ...subRoutes,
      { path: '403', name: 'forbidden', component: () => import('@/views/error/index.vue'), props: { code: 403 } },
      { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('@/views/error/index.vue'), props: { code: 404 } },
    ],
  },
]

export const router = createRouter({ history: createWebHistory('/'), routes })

router.beforeEach(async (to) => {
  if (to.meta.mobile) return mobileGuard(to)
  const session = useSessionStore()
  if (to.meta.public) {
    // A signed-in user who opens /login goes home instead.
    if (to.name === 'login' && (await session.ensureUser())) return { path: '/home' }
    return true
  }
  if (!(await session.ensureUser())) {
    return { name: 'login', query: to.fullPath !== '/' && to.fullPath !== '/home' ? { redirect: to.fullPath } : {} }
  }
  if (!session.can(to.meta.permission)) {
    return { name: 'forbidden', query: { from: to.fullPath }, replace: true }
  }
  return true
})
