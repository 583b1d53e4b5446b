// The modules of DESIGN.md as the menu shows them: route, permission, icon, and
// whether the page exists yet. The router and the side menu both read this list.
import type { Component } from 'vue'
import {
  HomeFilled,
  DataAnalysis,
  Bell,
  Folder,
  TrendCharts,
  Service,
  OfficeBuilding,
  Medal,
  View,
  User,
  Lock,
  Aim,
  Postcard,
  Finished,
  Stamp,
  House,
  Coin,
  Key,
  FirstAidKit,
  Flag,
} from '@element-plus/icons-vue'

export interface ModuleEntry {
  /** Key into locales: menu.<key>, pending.<key>. */
  key: string
  path: string
  icon: Component
  /** Permission the user needs; none means every signed-in user. */
  permission?: string
  /** The page, or undefined while the module is not yet built. */
  page?: () => Promise<Component>
}

export const MODULES: ModuleEntry[] = [
  { key: 'home', path: '/home', icon: HomeFilled, page: () => import('@/views/home/index.vue') },
  { key: 'bigdata', path: '/bigdata', icon: DataAnalysis, permission: 'analysis.run', page: () => import('@/views/bigdata/index.vue') },
  { key: 'watch', path: '/watch', icon: Aim, permission: 'person.read', page: () => import('@/views/watch/index.vue') },
  { key: 'dispatch', path: '/dispatch', icon: Bell, permission: 'dispatch.read', page: () => import('@/views/dispatch/index.vue') },
  { key: 'cases', path: '/cases', icon: Folder, permission: 'cases.read', page: () => import('@/views/cases/index.vue') },
  { key: 'stats', path: '/stats', icon: TrendCharts, permission: 'stats.read', page: () => import('@/views/stats/index.vue') },
  { key: 'services', path: '/services', icon: Service, permission: 'services.handle', page: () => import('@/views/services/index.vue') },
  { key: 'registry', path: '/registry', icon: OfficeBuilding, permission: 'registry.read', page: () => import('@/views/registry/index.vue') },
  // 采集核查: the community officer's door-to-door verification tasks (phone-first).
  { key: 'verify', path: '/verify', icon: Finished, permission: 'registry.write', page: () => import('@/views/verify/index.vue') },
  // 智慧安防小区: the smart security communities' gates, device alarms and rule findings (docs/communities.md).
  { key: 'communities', path: '/communities', icon: House, permission: 'registry.read', page: () => import('@/views/communities/index.vue') },
  // 基层基础: public-safety supervision, dispute resolution, community partners and their tips (docs/grassroots.md).
  { key: 'grassroots', path: '/grassroots', icon: Flag, permission: 'grassroots.read', page: () => import('@/views/grassroots/index.vue') },
  // 外国人停留 (免签外国人动态管控): beside the registry, for officers who may read personal data.
  { key: 'stays', path: '/stays', icon: Postcard, permission: 'person.read', page: () => import('@/views/stays/index.vue') },
  // 智慧监管: custody facilities, the people held with their legal limits, overdue custody first (docs/custody.md).
  { key: 'custody', path: '/custody', icon: Key, permission: 'custody.read', page: () => import('@/views/custody/index.vue') },
  // 疫情防控: the epidemic checkpoints' figures beside the published ones, flagged passes, contact tracing (docs/health.md).
  { key: 'health', path: '/health', icon: FirstAidKit, permission: 'stats.read', page: () => import('@/views/health/index.vue') },
  // 队伍管理: personnel by unit, rosters (which crew the dispatch cars), training hours, commendations and discipline.
  { key: 'force', path: '/force', icon: Medal, permission: 'force.read', page: () => import('@/views/force/index.vue') },
  // 网上督察: rules over the audit log find improper reads; two inspectors decide each finding.
  { key: 'inspection', path: '/inspection', icon: Stamp, permission: 'audit.read', page: () => import('@/views/inspection/index.vue') },
  { key: 'audit', path: '/audit', icon: View, permission: 'audit.read', page: () => import('@/views/audit/index.vue') },
  // 数据源: the source definitions the event store fuses (docs/sources.md); any signed-in user may read them, sources.write changes them.
  { key: 'sources', path: '/sources', icon: Coin, page: () => import('@/views/sources/index.vue') },
  { key: 'users', path: '/users', icon: User, permission: 'users.manage', page: () => import('@/views/users/index.vue') },
  { key: 'account', path: '/account', icon: Lock, page: () => import('@/views/account/index.vue') },
]
