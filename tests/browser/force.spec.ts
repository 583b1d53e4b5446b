import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test, type APIRequestContext, type Locator, type Page } from '@playwright/test'
import { env, genDir, parseCsv, tid } from './helpers'

// 队伍管理 end to end, against the server scripts/test.sh prepares (the
// generated city with its force imported: units.csv, personnel.csv, shifts.csv,
// training_sessions.csv, attendance.csv in JINGWU_TRUTH's folder). The
// commander (force.read + force.write) checks what the pages show against the
// generator's files and the API: (a) a branch's head count, a search and an
// officer's 2020 training hours; (b) a shift made in the week calendar, the same
// officer refused on an overlapping shift with the translated double_shift
// message and nothing added, then the shift deleted; (c) the 2020 training
// figures, and attendance on a new session refused whole for a score of 120
// (translated invalid_score) and then taken, the count up by exactly one;
// (d) a commendation added; (e) the dispatch board names a car's crew from the
// roster and marks a car of a rostered unit that nobody crews as off roster.
// Every run uses fresh dates, sessions and cars, so the spec may run again
// against the same server.

const here = dirname(fileURLToPath(import.meta.url))
// Element Plus puts data-test on the <input> (or <textarea>) of a text field but on the wrapper of some others.
const INPUT = 'xpath=self::input | .//input'
const TEXTAREA = 'xpath=self::textarea | .//textarea'
const commander = { user: env('JINGWU_COMMANDER_USER'), password: env('JINGWU_COMMANDER_PASSWORD') }
const DAY = 86400_000

type Row = Record<string, string>
interface Gen {
  units: Row[]
  personnel: Row[]
  sessions: Row[]
  attendance: Row[]
  courses: Row[]
  discipline: Row[]
}
let gen: Gen
let zh: Record<string, any>

async function csv(name: string): Promise<Row[]> {
  return parseCsv(await readFile(join(genDir, name), 'utf8'))
}

test.beforeAll(async () => {
  const [units, personnel, sessions, attendance, courses, discipline] = await Promise.all(
    ['units.csv', 'personnel.csv', 'training_sessions.csv', 'attendance.csv', 'courses.csv', 'discipline.csv'].map(csv),
  )
  gen = { units, personnel, sessions, attendance, courses, discipline }
  zh = JSON.parse(await readFile(join(here, '../../web/src/locales/zh-CN.json'), 'utf8'))
})

/** A locale text with its {placeholders} filled. */
function fmt(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ''))
}

/** A unit and every unit under it (from units.csv). */
function subtree(code: string): Set<string> {
  const out = new Set([code])
  for (let grew = true; grew; ) {
    grew = false
    for (const u of gen.units)
      if (out.has(u.parent_code) && !out.has(u.code)) {
        out.add(u.code)
        grew = true
      }
  }
  return out
}

/** The first branch (分局) and its first brigade (大队), as the generator wrote them. */
function branchAndBrigade(): { branch: Row; brigade: Row } {
  const branch = gen.units.find((u) => u.kind === 'branch')!
  const brigade = gen.units.find((u) => u.kind === 'brigade' && u.parent_code === branch.code)!
  return { branch, brigade }
}

/**
 * On-duty officers of a unit without a system account: the officers whose reads the inspection
 * spec plants and checks (force_truth.json) all have accounts, so this spec leaves them alone.
 */
function plain(unit: string): Row[] {
  return gen.personnel.filter((p) => p.unit_code === unit && p.status === 'on_duty' && !p.username)
}

async function login(page: Page): Promise<void> {
  await page.goto('/login')
  await tid(page, 'login-username').fill(commander.user)
  await tid(page, 'login-password').fill(commander.password)
  await tid(page, 'login-submit').click()
  await expect(page).toHaveURL(/\/home$/)
}

type Api = (method: 'GET' | 'POST' | 'DELETE', path: string, data?: unknown) => Promise<{ status: number; body: any }>

/** The API as the commander, for checking what the pages show and for setting up. */
async function commanderApi(request: APIRequestContext): Promise<Api> {
  const r = await request.post('/api/v1/auth/login', { data: { username: commander.user, password: commander.password } })
  expect(r.ok()).toBeTruthy()
  const token = (await r.json()).token as string
  return async (method, path, data) => {
    const res = await request.fetch(path, { method, data, headers: { Authorization: `Bearer ${token}` } })
    const text = await res.text()
    return { status: res.status(), body: text ? JSON.parse(text) : null }
  }
}

/** Picks an officer in an OfficerPicker: types the police number, clicks the option. */
async function pickOfficer(page: Page, picker: Locator, policeNo: string): Promise<void> {
  await picker.click()
  await picker.locator(INPUT).fill(policeNo)
  const option = page.locator(`[data-test="force-officer-option"][data-police-no="${policeNo}"]`).filter({ visible: true })
  await expect(option).toHaveCount(1)
  await option.click()
}

/** Picks an option of an Element Plus select by its text. */
async function pickOption(page: Page, select: Locator, text: string): Promise<void> {
  await select.click()
  await page.locator('.el-select-dropdown__item').filter({ visible: true }).filter({ hasText: new RegExp(`^\\s*${text}\\s*$`) }).first().click()
}

const ymd = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10)
function mondayOf(date: string): string {
  const d = new Date(`${date}T00:00:00Z`)
  return new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY).toISOString().slice(0, 10)
}

test('personnel: a branch counts its subtree from personnel.csv; search; an officer’s 2020 training hours', async ({ page }) => {
  const { branch } = branchAndBrigade()
  const inBranch = subtree(branch.code)
  const people = gen.personnel.filter((p) => inBranch.has(p.unit_code))
  expect(people.length).toBeGreaterThan(10)
  await login(page)

  await test.step('the menu opens the module', async () => {
    await tid(page, 'menu-force').click()
    await expect(page).toHaveURL(/\/force/)
    await expect(tid(page, 'force-page')).toBeVisible()
    await expect(tid(page, 'pending')).toHaveCount(0)
  })

  await test.step('the branch in the tree: its head count is personnel.csv’s for its subtree', async () => {
    const node = page.locator(`[data-test="force-unit-node"][data-code="${branch.code}"]`)
    await expect(node.locator('[data-test="force-unit-count"]')).toHaveText(String(people.filter((p) => p.status !== 'left').length))
    await node.click()
    await expect(page).toHaveURL(new RegExp(`unit=${branch.code}`))
    await expect(tid(page, 'force-personnel-scope')).toHaveText(branch.name)
    await expect(tid(page, 'force-personnel-total')).toHaveAttribute('data-total', String(people.length))
  })

  // An officer of the branch who attended training in 2020, with a name nobody else in the branch shares.
  const sessionYear = new Map(gen.sessions.map((s) => [s.ref, s.starts_at.slice(0, 4)]))
  const hoursOf = (no: string) =>
    gen.attendance.filter((a) => a.police_no === no && sessionYear.get(a.session_ref) === '2020').reduce((sum, a) => sum + Number(a.hours), 0)
  const officer = people.find((p) => p.status === 'on_duty' && hoursOf(p.police_no) > 0 && people.filter((x) => x.name.includes(p.name)).length === 1)!
  expect(officer, 'an officer to look up').toBeTruthy()
  const hours = hoursOf(officer.police_no)

  await test.step('a search by name finds the officer; the row opens the profile', async () => {
    await tid(page, 'force-personnel-search').locator(INPUT).fill(officer.name)
    await expect(tid(page, 'force-personnel-total')).toHaveAttribute('data-total', '1')
    await page.locator(`[data-test="force-personnel-row"][data-police-no="${officer.police_no}"]`).click()
    const drawer = tid(page, 'force-profile')
    await expect(tid(drawer, 'force-profile-name')).toHaveText(officer.name)
    await expect(tid(drawer, 'force-profile-police-no')).toHaveText(officer.police_no)
    const unit = gen.units.find((u) => u.code === officer.unit_code)!
    await expect(tid(drawer, 'force-profile-unit')).toContainText(unit.name)
    await expect(page).toHaveURL(new RegExp(`officer=${officer.police_no}`))
  })

  await test.step('the profile’s 2020 hours are attendance.csv’s, against the 40 required', async () => {
    const drawer = tid(page, 'force-profile')
    await pickOption(page, tid(drawer, 'force-profile-year'), '2020 年')
    await expect(tid(drawer, 'force-profile-hours')).toHaveAttribute('data-hours', String(hours))
    await expect(tid(drawer, 'force-profile-behind')).toHaveCount(hours < 40 ? 1 : 0)
  })
})

test('roster: a shift made in the week calendar; the same officer refused on an overlapping shift, nothing added', async ({ page, request }) => {
  const api = await commanderApi(request)
  const { brigade } = branchAndBrigade()
  const candidates = plain(brigade.code)
  expect(candidates.length).toBeGreaterThan(0)
  const officer = candidates[Math.floor(Math.random() * candidates.length)]
  // A day far ahead that no earlier run used for this officer (and two days either side, for the rest rule).
  let date = ''
  for (let i = 0; i < 20 && !date; i++) {
    const d = ymd(Date.UTC(2040, 0, 1) + Math.floor(Math.random() * 15000) * DAY)
    const near = await api('GET', `/api/v1/force/shifts?police_no=${officer.police_no}&from=${ymd(Date.parse(d) - 2 * DAY)}&to=${ymd(Date.parse(d) + 2 * DAY)}`)
    const onDay = await api('GET', `/api/v1/force/shifts?unit=${brigade.code}&from=${d}&to=${d}`)
    if (near.body.items.length === 0 && onDay.body.items.length === 0) date = d
  }
  expect(date, 'a free day').not.toBe('')
  const shiftsOn = async () => (await api('GET', `/api/v1/force/shifts?unit=${brigade.code}&from=${date}&to=${date}`)).body.items as any[]

  await login(page)
  await page.goto(`/force?tab=roster&unit=${brigade.code}&week=${mondayOf(date)}`)
  const day = page.locator(`[data-test="force-roster-day"][data-date="${date}"]`)
  await expect(tid(page, 'force-roster-range')).toHaveAttribute('data-from', mondayOf(date))
  await expect(tid(day, 'force-shift')).toHaveCount(0)

  await test.step('a day shift with the officer, made in the dialog, shows in the calendar', async () => {
    await page.locator(`[data-test="force-roster-add"][data-date="${date}"]`).click()
    const dialog = tid(page, 'force-shift-dialog')
    await expect(dialog).toBeVisible()
    await expect(tid(dialog, 'force-shift-date').locator(INPUT)).toHaveValue(date)
    await expect(tid(dialog, 'force-shift-span')).toContainText('12')
    await pickOfficer(page, tid(dialog, 'force-shift-officer'), officer.police_no)
    const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/force/shifts') && r.request().method() === 'POST')
    await tid(dialog, 'force-shift-save').click()
    expect((await created).status()).toBe(201)
    await expect(dialog).toBeHidden()
    const shift = tid(day, 'force-shift')
    await expect(shift).toHaveCount(1)
    await expect(shift).toHaveAttribute('data-code', 'day')
    await expect(tid(shift, 'force-shift-time')).toHaveText('08:00–20:00')
    await expect(shift.locator(`[data-test="force-shift-member"][data-police-no="${officer.police_no}"]`)).toContainText(officer.name)
    const items = await shiftsOn()
    expect(items).toHaveLength(1)
    expect(items[0].members.map((m: any) => m.police_no)).toEqual([officer.police_no])
  })

  await test.step('the same officer on an overlapping office shift: the translated double_shift message, nothing added', async () => {
    await page.locator(`[data-test="force-roster-add"][data-date="${date}"]`).click()
    const dialog = tid(page, 'force-shift-dialog')
    await expect(dialog).toBeVisible()
    await tid(dialog, 'force-shift-code').locator('[data-code="office"]').click()
    await expect(tid(dialog, 'force-shift-start')).toContainText('08:30')
    await pickOfficer(page, tid(dialog, 'force-shift-officer'), officer.police_no)
    await tid(dialog, 'force-shift-save').click()
    const error = tid(dialog, 'force-shift-error')
    await expect(error).toHaveAttribute('data-code', 'double_shift')
    await expect(error).toContainText(fmt(zh.force.errors.double_shift, { who: fmt(zh.force.errors.who, { name: officer.name, no: officer.police_no }), range: `${date.slice(5)} 08:00–20:00` }))
    await expect(error).not.toContainText('already')
    await expect(dialog).toBeVisible()
    await dialog.getByRole('button', { name: '取消' }).click()
    const items = await shiftsOn()
    expect(items).toHaveLength(1)
    expect(items[0].code).toBe('day')
    expect(items[0].members).toHaveLength(1)
    await expect(tid(day, 'force-shift')).toHaveCount(1)
  })

  await test.step('the shift is deleted from the calendar', async () => {
    await tid(day, 'force-shift-delete').click()
    await page.locator('.force-shift-delete-confirm').getByRole('button', { name: '删除班次' }).click()
    await expect(tid(day, 'force-shift')).toHaveCount(0)
    expect(await shiftsOn()).toHaveLength(0)
  })
})

test('training: the 2020 figures from the CSVs; attendance refused whole for a score of 120, then taken', async ({ page, request }) => {
  const api = await commanderApi(request)
  const kindOf = new Map(gen.courses.map((c) => [c.code, c.kind]))
  const sessions2020 = gen.sessions.filter((s) => s.starts_at.startsWith('2020'))
  const refs = new Set(sessions2020.map((s) => s.ref))
  const attendance2020 = gen.attendance.filter((a) => refs.has(a.session_ref))
  const night = sessions2020.filter((s) => kindOf.get(s.course_code) === 'night_school').length
  const hours = attendance2020.reduce((sum, a) => sum + Number(a.hours), 0)

  await login(page)
  await tid(page, 'menu-force').click()
  await page.getByRole('tab', { name: '训练' }).click()
  await expect(tid(page, 'force-training')).toBeVisible()

  await test.step('2020: sessions, night school, drills, attendances and hours as the CSVs add up', async () => {
    await pickOption(page, tid(page, 'force-training-year'), '2020 年')
    await expect(tid(page, 'force-training-summary')).toHaveAttribute('data-year', '2020')
    await expect(tid(page, 'force-training-sessions')).toHaveAttribute('data-value', String(sessions2020.length))
    await expect(tid(page, 'force-training-night_school_sessions')).toHaveAttribute('data-value', String(night))
    await expect(tid(page, 'force-training-training_events')).toHaveAttribute('data-value', String(sessions2020.length - night))
    await expect(tid(page, 'force-training-attendances')).toHaveAttribute('data-value', String(attendance2020.length))
    await expect(tid(page, 'force-training-hours')).toHaveAttribute('data-value', String(hours))
    await expect(tid(page, 'force-training-attendances')).toContainText(attendance2020.length.toLocaleString('en-US'))
    for (const kind of new Set(kindOf.values())) {
      const ks = sessions2020.filter((s) => kindOf.get(s.course_code) === kind)
      const kRefs = new Set(ks.map((s) => s.ref))
      await expect(page.locator(`[data-test="force-by-kind-sessions"][data-kind="${kind}"]`)).toHaveText(String(ks.length))
      await expect(page.locator(`[data-test="force-by-kind-attendances"][data-kind="${kind}"]`)).toHaveText(
        attendance2020.filter((a) => kRefs.has(a.session_ref)).length.toLocaleString('en-US'),
      )
    }
    await expect(tid(page, 'force-training-chart').locator('canvas').first()).toBeVisible()
    await expect(tid(page, 'force-session-row')).toHaveCount(sessions2020.length)
  })

  // A fresh assessed session this year, so that the count starts at nought on every run.
  const course = gen.courses.find((c) => Number(c.pass_mark) > 0)!
  const tag = Date.now().toString(36)
  const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear()
  const made = await api('POST', '/api/v1/force/training/sessions', {
    course_code: course.code,
    title: `浏览器测试 ${tag}`,
    starts_at: `${year}-03-02T09:00:00+08:00`,
    place: '训练基地',
  })
  expect(made.status).toBe(201)
  const sessionId = made.body.id as number
  const officer = plain(branchAndBrigade().brigade.code)[0]
  const attendance = async () => (await api('GET', `/api/v1/force/training/sessions/${sessionId}`)).body.attendance as number

  await test.step('the new session opens from this year’s list', async () => {
    await pickOption(page, tid(page, 'force-training-year'), `${year} 年`)
    await page.locator(`[data-test="force-session-row"][data-id="${sessionId}"]`).click()
    await expect(tid(page, 'force-session-drawer')).toBeVisible()
    await expect(tid(page, 'force-session-count')).toHaveAttribute('data-count', '0')
  })

  await test.step('a score of 120: the translated invalid_score message; none of the batch kept', async () => {
    await tid(page, 'force-attendance-open').click()
    const dialog = tid(page, 'force-attendance-dialog')
    await expect(dialog).toBeVisible()
    await pickOfficer(page, tid(dialog, 'force-attendance-officer'), officer.police_no)
    await tid(dialog, 'force-attendance-score').locator(INPUT).fill('120')
    await tid(dialog, 'force-attendance-score').locator(INPUT).blur()
    const refused = page.waitForResponse((r) => r.url().includes(`/sessions/${sessionId}/attendance`))
    await tid(dialog, 'force-attendance-save').click()
    expect((await refused).status()).toBe(422)
    const error = tid(dialog, 'force-attendance-error')
    await expect(error).toHaveAttribute('data-code', 'invalid_score')
    const reason = fmt(zh.force.errors.invalid_score, { who: fmt(zh.force.errors.who, { name: officer.name, no: officer.police_no }) })
    await expect(error).toContainText(fmt(zh.force.training.allOrNothing, { reason }))
    await expect(error).not.toContainText('must be')
    expect(await attendance()).toBe(0)
  })

  await test.step('a score of 85: recorded, the session’s count up by exactly one', async () => {
    const dialog = tid(page, 'force-attendance-dialog')
    await tid(dialog, 'force-attendance-score').locator(INPUT).fill('85')
    await tid(dialog, 'force-attendance-score').locator(INPUT).blur()
    const saved = page.waitForResponse((r) => r.url().includes(`/sessions/${sessionId}/attendance`))
    await tid(dialog, 'force-attendance-save').click()
    expect((await saved).status()).toBe(200)
    await expect(dialog).toBeHidden()
    await expect(tid(page, 'force-session-count')).toHaveAttribute('data-count', '1')
    await expect(page.locator(`[data-test="force-session-record"][data-police-no="${officer.police_no}"]`)).toContainText(officer.name)
    await expect(page.locator(`[data-test="force-session-attendance"][data-id="${sessionId}"]`)).toHaveText('1')
    expect(await attendance()).toBe(1)
  })
})

test('奖惩: a commendation added from the list', async ({ page, request }) => {
  const api = await commanderApi(request)
  const { brigade } = branchAndBrigade()
  const officer = plain(brigade.code).at(-1)!
  const before = (await api('GET', `/api/v1/force/discipline?police_no=${officer.police_no}`)).body.items.length as number
  const decision = `专项行动表现突出，予以嘉奖（${Date.now().toString(36)}）`

  await login(page)
  await page.goto('/force?tab=discipline')
  await expect(tid(page, 'force-discipline')).toBeVisible()
  await tid(page, 'force-discipline-new').click()
  const dialog = tid(page, 'force-discipline-dialog')
  await pickOfficer(page, tid(dialog, 'force-discipline-form-officer'), officer.police_no)
  await tid(dialog, 'force-discipline-decision').locator(TEXTAREA).fill(decision)
  await tid(dialog, 'force-discipline-save').click()
  await expect(dialog).toBeHidden()
  await expect(tid(page, 'force-discipline-table').locator('tr', { hasText: decision })).toContainText('嘉奖')
  const after = (await api('GET', `/api/v1/force/discipline?police_no=${officer.police_no}`)).body.items as any[]
  expect(after).toHaveLength(before + 1)
  expect(after.some((d) => d.decision === decision && d.kind === 'commendation')).toBeTruthy()
})

test('the dispatch board names the crew of a rostered car and marks the car nobody crews', async ({ page, request }) => {
  const api = await commanderApi(request)
  const { brigade } = branchAndBrigade()
  const tag = Date.now().toString(36).slice(-5).toUpperCase()
  // Two cars of the brigade (its unit keeps a roster), off duty so that they never take part in dispatch.
  const car = async (n: number) => {
    const r = await api('POST', '/api/v1/dispatch/units', { call_sign: `琼A-F${tag}${n}`, type: 'patrol_car', station: brigade.name, availability: 'off_duty', lat: 20.03, lon: 110.33 })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    return r.body as { id: number; call_sign: string }
  }
  const crewed = await car(1)
  const empty = await car(2)
  // An officer with no shift near now, on a shift from the top of this hour with the first car.
  const now = Date.now()
  const start = Math.floor(now / 3600_000) * 3600_000
  const iso = (ms: number) => `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`
  let officer: Row | undefined
  for (const p of plain(brigade.code)) {
    const near = await api('GET', `/api/v1/force/shifts?police_no=${p.police_no}&from=${ymd(now - 2 * DAY)}&to=${ymd(now + 2 * DAY)}`)
    if (near.body.items.length === 0) {
      officer = p
      break
    }
  }
  expect(officer, 'an officer free now').toBeTruthy()
  const shift = await api('POST', '/api/v1/force/shifts', {
    unit_code: brigade.code,
    date: ymd(start),
    code: 'duty',
    starts_at: iso(start),
    ends_at: iso(start + 4 * 3600_000),
    members: [{ police_no: officer!.police_no, call_sign: crewed.call_sign }],
  })
  expect(shift.status, JSON.stringify(shift.body)).toBe(201)
  try {
    await login(page)
    await page.goto('/dispatch')
    await expect(tid(page, 'dispatch-board')).toBeVisible()
    await expect(page.locator(`[data-test="unit-crew"][data-unit="${crewed.id}"]`)).toHaveText(officer!.name)
    await expect(page.locator(`[data-test="unit-off-roster"][data-unit="${crewed.id}"]`)).toHaveCount(0)
    await expect(page.locator(`[data-test="unit-off-roster"][data-unit="${empty.id}"]`)).toHaveText('不在班')
    await expect(page.locator(`[data-test="unit-crew"][data-unit="${empty.id}"]`)).toHaveCount(0)
  } finally {
    // The officer is free again for the next run.
    await api('DELETE', `/api/v1/force/shifts/${shift.body.id}`)
  }
})
