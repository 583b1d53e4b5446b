// Words for the inspection pages: rule and state names, a finding as a
// sentence from its facts, the review errors. Every text comes from the
// locale (inspection.*); a code the locale does not know is shown as it is.
import { i18n } from '@/locales'
import { errorCode, errorMessage } from '@/utils/errors'
import type { Finding, InspectionRules } from '@/api/inspection'

const g = () => i18n.global

/** inspection.<group>.<code>, or the code itself. */
export function label(group: string, code: string | null | undefined): string {
  if (!code) return ''
  const { t, te } = g()
  const key = `inspection.${group}.${code}`
  return te(key) ? t(key) : code
}

export const ruleName = (r: string) => label('rules', r)
export const stateName = (s: string) => label('states', s)
export const kindName = (k: string) => label('disciplineKinds', k)

export function stateType(s: string): 'warning' | 'primary' | 'danger' | 'info' | 'success' {
  if (s === 'open') return 'warning'
  if (s === 'proposed') return 'primary'
  if (s === 'confirmed') return 'danger'
  return 'info'
}

export function ruleType(r: string): 'warning' | 'primary' | 'danger' | 'info' | 'success' {
  if (r === 'protected' || r === 'volume') return 'danger'
  if (r === 'bad_case') return 'warning'
  if (r === 'repeat') return 'primary'
  return 'info'
}

/** The label of an audit action: inspection.readActions, then audit.actions, else empty. */
export function actionName(a: string): string {
  const { t, te } = g()
  if (te(`inspection.readActions.${a}`)) return t(`inspection.readActions.${a}`)
  if (te(`audit.actions.${a}`)) return t(`audit.actions.${a}`)
  return ''
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0)
const roleName = (r: string | undefined) => {
  const { t, te } = g()
  return r && te(`roles.${r}`) ? t(`roles.${r}`) : r ?? ''
}

/** The finding in one sentence, e.g. 「当日在排定班次以外查询公民信息 3 次（其中夜间 2 次），无关联案件」. */
export function sentence(f: Pick<Finding, 'rule' | 'facts'>): string {
  const { t } = g()
  const x = f.facts ?? {}
  const reads = num(x.reads)
  // "3 次" / "3 times", "once": the count with its word, plural-aware.
  const times = t('inspection.sentence.times', { n: reads }, reads)
  switch (f.rule) {
    case 'off_shift': {
      const night = num(x.night) > 0 ? t('inspection.sentence.night', { n: num(x.night) }) : ''
      return t(x.rostered ? 'inspection.sentence.off_shift_rostered' : 'inspection.sentence.off_shift_office', { times, night })
    }
    case 'bad_case': {
      const p = String(x.problem ?? '')
      const key = ['unknown_case', 'closed_case', 'other_unit'].includes(p) ? p : 'other'
      return t(`inspection.sentence.bad_case_${key}`, { times, case_no: x.case_no ?? '' })
    }
    case 'volume':
      return t('inspection.sentence.volume', {
        times,
        own: num(x.own_median),
        peer: num(x.peer_median),
        role: roleName(x.role),
        ratio: num(x.peer_median) > 0 ? (reads / num(x.peer_median)).toFixed(0) : '—',
      })
    case 'repeat':
      return t('inspection.sentence.repeat', { times, days: num(x.window_days) })
    case 'protected':
      return t('inspection.sentence.protected', { times, category: label('categories', String(x.category ?? '')) })
    default:
      return t('inspection.sentence.other', { times, rule: f.rule })
  }
}

/** The officer as people read him: 「刘丽（警号 100562）」, or the police number / account alone. */
export function officer(f: Pick<Finding, 'officer_name' | 'police_no' | 'actor'>): string {
  const { t } = g()
  if (f.officer_name && f.police_no) return t('inspection.officerLine', { name: f.officer_name, no: f.police_no })
  if (f.police_no) return t('inspection.policeNo', { no: f.police_no })
  return f.actor
}

/** The review and discipline errors in the locale's words (inspection.errors), else the app's. */
export function failure(e: unknown): string {
  const { t, te } = g()
  const c = errorCode(e)
  if (c && te(`inspection.errors.${c}`)) return t(`inspection.errors.${c}`)
  return errorMessage(e)
}

/** invalid_rules names the setting in its message ("rule setting 'volume_z' must be a number from 1 to 100"). */
export function rulesFailure(e: unknown): string {
  const { t, te } = g()
  if (errorCode(e) !== 'invalid_rules' || !(e instanceof Error)) return failure(e)
  if (/office hours/.test(e.message)) return t('inspection.rulesTab.officeOrder')
  const key = /'([a-z_]+)'/.exec(e.message)?.[1]
  const setting = key && te(`inspection.settings.${key}`) ? t(`inspection.settings.${key}`) : key ?? ''
  const range = /from (-?[\d.]+) to (-?[\d.]+)/.exec(e.message)
  if (setting && range) return t('inspection.rulesTab.invalidRange', { setting, min: range[1], max: range[2] })
  if (setting) return t('inspection.rulesTab.invalidSetting', { setting })
  return failure(e)
}

/** The Beijing hour of an ISO time. */
export function beijingHour(iso: string): number {
  const d = new Date(iso)
  return (d.getUTCHours() + 8) % 24
}

export function isNight(iso: string, rules: Pick<InspectionRules, 'night_from_hour' | 'night_to_hour'> | null): boolean {
  if (!rules) return false
  const h = beijingHour(iso)
  const { night_from_hour: a, night_to_hour: b } = rules
  return a <= b ? h >= a && h < b : h >= a || h < b
}
