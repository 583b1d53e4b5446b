import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test, type APIRequestContext, type Locator, type Page } from '@playwright/test'
import { env, tid } from './helpers'

// 智慧监管 end to end. Self-contained: the browser data holds the generated
// cases but no custody records of its own, so beforeAll makes them through
// the API as the custody officer: a detention centre with a unique code and
// two rooms (A1 for four, A2 for one), and four suspects of the imported
// cases admitted — one by a criminal detention of three days and six hours
// ago (overdue by six hours), one due in about fourteen hours, one arrested
// five days ago, one filling A2 — with patrol checks and roll calls (A2's roll
// call counts 0 of 1 and its last check is 40 minutes old). The commander
// (person.read) reads the suspects' full ID numbers; the custody officer sees
// them masked, as the pages do. Then: (a) the commander's home page names
// the overdue detainee in the red banner and links to their page; (b) the
// facility page shows the exact occupancy, the overdue and due detainees,
// the alerts in words and the patrol checks per room; (c) admissions refused
// with the translated reasons (a wrong ID number, a person not of the case,
// a person held already, a full room) and one over capacity with its reason
// recorded; (d) an extension beyond an arrest's first step refused, then
// made, on the detainee page with its approver; (e) a roll call, a lawyer
// request and a release recorded in the pages; (f) English on a phone.
// Codes and ISO times never reach the page.

const here = dirname(fileURLToPath(import.meta.url))
// Element Plus puts data-test on the <input> (or <textarea>) of a text field but on the wrapper of some others.
const INPUT = 'xpath=self::input | .//input'
const TEXTAREA = 'xpath=self::textarea | .//textarea'
const custody = { user: env('JINGWU_CUSTODY_USER'), password: env('JINGWU_CUSTODY_PASSWORD') }
const commander = { user: env('JINGWU_COMMANDER_USER'), password: env('JINGWU_COMMANDER_PASSWORD') }
const PURPOSE = 'browser test: custody supervision'
const MIN = 60_000
const HOUR = 3600_000
const DAY = 24 * HOUR

interface Suspect {
  case_no: string
  case_id: number
  id_number: string
  name: string
}
interface Detainee {
  id: number
  name: string
  room: string
  person: string
  admitted_at: string
  due_at: string
  released_at: string | null
  release_reason: string
  over_capacity_reason: string
  extensions: { days: number; reason: string; approved_by: string; approval_no: string }[]
}
type Api = (method: string, path: string, data?: unknown) => Promise<{ status: number; body: any }>

let zh: Record<string, any>
let en: Record<string, any>
const suffix = Date.now().toString(36).toUpperCase()
const FAC = `KT-${suffix}`
const FAC_NAME = `测试看守所${suffix}`
const people: Suspect[] = []
const held: Record<'overdue' | 'soon' | 'arrest' | 'full', Detainee> = {} as never
let spare: Suspect

/** Beijing wall-clock ISO time with its offset, as the API takes it. */
const iso = (ms: number) => `${new Date(ms + 8 * HOUR).toISOString().slice(0, 19)}+08:00`
/** The page's time format: "2026-12-08 05:31". */
const shown = (t: string) => new Date(Date.parse(t) + 8 * HOUR).toISOString().slice(0, 16).replace('T', ' ')
const mask = (id: string) => `${id.slice(0, 6)}********${id.slice(14)}`
const maskName = (n: string) => [...n][0] + '*'.repeat([...n].length - 1)
function checkDigit(id17: string): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  return '10X98765432'[w.reduce((a, x, i) => a + x * Number(id17[i]), 0) % 11]
}
const valid = (id: string) => /^\d{17}[\dX]$/.test(id) && checkDigit(id.slice(0, 17)) === id[17]
/** A valid ID number that differs from id at position i (the check digit follows). */
function variant(id: string, i: number): string {
  const d = String((Number(id[i]) + 1) % 10)
  const id17 = id.slice(0, i) + d + id.slice(i + 1, 17)
  return id17 + checkDigit(id17)
}
/** A valid ID number of another birth date with the same check character: only masked digits differ. */
function otherBirth(id: string): string {
  for (let m = 1; m <= 12; m++)
    for (let d = 1; d <= 28; d++) {
      const id17 = id.slice(0, 10) + String(m).padStart(2, '0') + String(d).padStart(2, '0') + id.slice(14, 17)
      if (id17 !== id.slice(0, 17) && checkDigit(id17) === id[17]) return id17 + id[17]
    }
  throw new Error(`no other birth date for ${id}`)
}
/** A locale text with its {placeholders} filled. */
const fmt = (template: string, params: Record<string, string | number>) => template.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ''))
/** Raw codes or ISO times must not reach a page. */
const RAW = /criminal_detention|administrative_detention|detention_center|roll_call|lawyer_request|headcount_mismatch|missed_patrol|due_soon|over_capacity|\d{4}-\d{2}-\d{2}T\d{2}:/

async function login(request: APIRequestContext, who: { user: string; password: string }): Promise<Api> {
  const r = await request.post('/api/v1/auth/login', { data: { username: who.user, password: who.password } })
  expect(r.ok(), await r.text()).toBeTruthy()
  const token = (await r.json()).token as string
  return async (method, path, data) => {
    const res = await request.fetch(path, { method, data, headers: { Authorization: `Bearer ${token}`, 'X-Purpose': PURPOSE } })
    const text = await res.text()
    return { status: res.status(), body: text ? JSON.parse(text) : null }
  }
}

test.describe.configure({ mode: 'serial' })

test.beforeAll(async ({ playwright }) => {
  zh = JSON.parse(await readFile(join(here, '../../web/src/locales/zh-CN.json'), 'utf8'))
  en = JSON.parse(await readFile(join(here, '../../web/src/locales/en.json'), 'utf8'))
  const request = await playwright.request.newContext({ baseURL: process.env.JINGWU_URL, ignoreHTTPSErrors: true })
  const officer = await login(request, custody)
  const chief = await login(request, commander)

  // An earlier run against the same server: its people are released, so that its overdue ones leave the banner.
  const before = await officer('GET', '/api/v1/custody/facilities')
  for (const f of before.body.facilities as { code: string; name: string }[]) {
    if (!/^KT-/.test(f.code) || !f.name.startsWith('测试看守所')) continue
    const old = await officer('GET', `/api/v1/custody/detainees?facility=${f.code}`)
    for (const d of old.body.detainees as Detainee[]) {
      const r = await officer('POST', `/api/v1/custody/detainees/${d.id}/release`, { reason: 'browser test: end of an earlier run' })
      expect(r.status, JSON.stringify(r.body)).toBe(200)
    }
  }
  // Suspects of the imported cases in full (the commander may read persons), none held now.
  const now0 = await officer('GET', '/api/v1/custody/detainees?status=held')
  expect(now0.status).toBe(200)
  const busy = new Set((now0.body.detainees as Detainee[]).map((d) => d.person.replace(/^ID:/, '')))
  const seen = new Set<string>()
  for (let page = 1; people.length < 6 && page <= 20; page++) {
    const list = await chief('GET', `/api/v1/cases?page_size=50&page=${page}`)
    expect(list.status).toBe(200)
    for (const c of list.body.items as { id: number; case_no: string }[]) {
      const s = await chief('GET', `/api/v1/cases/${c.id}/suspects`)
      expect(s.status, JSON.stringify(s.body)).toBe(200)
      for (const x of s.body.items as { id_number: string; name: string }[]) {
        if (!valid(x.id_number) || busy.has(x.id_number) || seen.has(x.id_number) || [...x.name].length < 2) continue
        seen.add(x.id_number)
        people.push({ case_no: c.case_no, case_id: c.id, id_number: x.id_number, name: x.name })
        break // one suspect per case: the admission form's case search finds each on its own
      }
      if (people.length >= 6) break
    }
  }
  expect(people.length, 'six suspects of the imported cases').toBe(6)

  // The facility and its rooms.
  let r = await officer('POST', '/api/v1/custody/facilities', { code: FAC, name: FAC_NAME, kind: 'detention_center', district_code: '460106' })
  expect(r.status, JSON.stringify(r.body)).toBe(201)
  for (const [room, capacity] of [['A1', 4], ['A2', 1]] as const) {
    r = await officer('POST', `/api/v1/custody/facilities/${FAC}/rooms`, { room, capacity })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
  }
  const now = Date.now()
  const admit = async (s: Suspect, room: string, basis: string, ago: number): Promise<Detainee> => {
    const a = await officer('POST', '/api/v1/custody/detainees', { facility_code: FAC, room, id_number: s.id_number, case_no: s.case_no, basis, admitted_at: iso(now - ago) })
    expect(a.status, JSON.stringify(a.body)).toBe(201)
    return a.body as Detainee
  }
  held.overdue = await admit(people[0], 'A1', 'criminal_detention', 3 * DAY + 6 * HOUR)
  held.soon = await admit(people[1], 'A1', 'criminal_detention', 2 * DAY + 10 * HOUR)
  held.arrest = await admit(people[2], 'A1', 'arrest', 5 * DAY)
  held.full = await admit(people[3], 'A2', 'criminal_detention', HOUR)
  spare = people[4]

  const event = async (e: Record<string, unknown>) => {
    const x = await officer('POST', '/api/v1/custody/events', { facility_code: FAC, ...e })
    expect(x.status, JSON.stringify(x.body)).toBe(201)
  }
  for (const ago of [50, 35, 20, 5]) await event({ kind: 'patrol', room: 'A1', at: iso(now - ago * MIN) })
  await event({ kind: 'roll_call', room: 'A1', count: 3, at: iso(now - 15 * MIN) })
  await event({ kind: 'patrol', room: 'A2', at: iso(now - 40 * MIN) })
  await event({ kind: 'roll_call', room: 'A2', count: 0, at: iso(now - 30 * MIN) })
  await event({ kind: 'medical', detainee_id: held.overdue.id, at: iso(now - 3 * DAY - 5 * HOUR), note: '入所体检' })
  await event({ kind: 'lawyer_request', detainee_id: held.arrest.id, at: iso(now - 3 * DAY) })
  await request.dispose()
})

async function signIn(page: Page, who: { user: string; password: string }): Promise<void> {
  await page.goto('/login')
  await tid(page, 'login-username').fill(who.user)
  await tid(page, 'login-password').fill(who.password)
  await tid(page, 'login-submit').click()
  await expect(page).toHaveURL(/\/home$/)
}

function watchConsole(page: Page): string[] {
  const problems: string[] = []
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (load|execute|apply|connect)|\[intlify\]|Not found '/i.test(m.text())) problems.push(m.text())
  })
  page.on('pageerror', (e) => problems.push(String(e)))
  return problems
}

/** The purpose dialog opens by itself on a page that names people; one tap fills it. */
async function statePurpose(page: Page): Promise<void> {
  await expect(tid(page, 'registry-purpose-dialog')).toBeVisible()
  await tid(page, 'registry-purpose-suggestion').first().click()
  await tid(page, 'registry-purpose-submit').click()
  await expect(tid(page, 'custody-purpose-line')).toBeVisible()
}

/** Picks the option of an Element Plus select whose data-value is value. */
async function pick(page: Page, select: Locator, value: string | number, typed?: string): Promise<void> {
  await select.click()
  if (typed !== undefined) await select.locator(INPUT).fill(typed)
  await page.locator(`.el-select-dropdown__item[data-value="${value}"]`).filter({ visible: true }).first().click()
}

async function bodyText(page: Page): Promise<string> {
  return page.locator('main, .el-main').first().innerText()
}

test('the commander’s home page names the overdue detainee in the red banner, linked to their page', async ({ page }, testInfo) => {
  const problems = watchConsole(page)
  await signIn(page, commander)
  const banner = tid(page, 'custody-overdue-banner')
  await expect(banner).toBeVisible()
  // At the top of the page: above the welcome card.
  const bannerBox = (await banner.boundingBox())!
  const welcomeBox = (await tid(page, 'home-welcome').boundingBox())!
  expect(bannerBox.y).toBeLessThan(welcomeBox.y)

  const item = banner.locator(`[data-test="custody-overdue-item"][data-detainee="${held.overdue.id}"]`)
  await expect(item).toBeVisible()
  await expect(item).toHaveAttribute('data-facility', FAC)
  await expect(item).toContainText(FAC_NAME)
  await expect(item).toContainText(fmt(zh.custody.roomN, { room: 'A1' }))
  await expect(item.locator('[data-test="custody-overdue-name"]')).toHaveText(maskName(people[0].name))
  await expect(item.locator('[data-test="custody-overdue-by"]')).toHaveText(/^已超期 6 小时( \d+ 分)?$/)
  await expect(item).toContainText('刑事拘留')
  await expect(item).toContainText(shown(held.overdue.due_at))
  // The one due within a day is not in the red banner; the count under it is the API's.
  await expect(banner.locator(`[data-detainee="${held.soon.id}"]`)).toHaveCount(0)
  const chief = await login(page.request, commander)
  const alerts = (await chief('GET', '/api/v1/custody/alerts')).body
  await expect(tid(page, 'custody-banner-due-soon').first()).toHaveAttribute('data-count', String(alerts.by_kind.due_soon))
  await expect(tid(page, 'custody-banner-due-soon').first()).toHaveText(new RegExp(`24 小时内到期释放 ${alerts.by_kind.due_soon} 人`))
  expect(await banner.innerText()).not.toMatch(RAW)
  await page.screenshot({ path: testInfo.outputPath('custody-home.png') })

  // The link opens the person's page (after the purpose).
  await item.click()
  await expect(page).toHaveURL(new RegExp(`/custody/detainees/${held.overdue.id}$`))
  await statePurpose(page)
  await expect(tid(page, 'detainee-name')).toHaveText(people[0].name)
  await expect(tid(page, 'detainee-status')).toHaveAttribute('data-status', 'overdue')
  await expect(tid(page, 'detainee-clock')).toHaveAttribute('data-overdue', '1')
  await expect(tid(page, 'detainee-left')).toHaveText(/^已超期 6 小时( \d+ 分)?$/)
  await expect(tid(page, 'detainee-basis')).toHaveText('刑事拘留')
  await expect(tid(page, 'detainee-admitted')).toHaveText(shown(held.overdue.admitted_at))
  await expect(tid(page, 'detainee-due')).toHaveText(shown(iso(Date.parse(held.overdue.admitted_at) + 3 * DAY)))
  await expect(tid(page, 'detainee-id')).toHaveText(mask(people[0].id_number))
  // The case is one click away.
  await expect(tid(page, 'detainee-case')).toHaveText(people[0].case_no)
  await expect(tid(page, 'detainee-case')).toHaveAttribute('href', `/cases/${people[0].case_id}`)
  // The admission medical check is among the events, in words.
  await expect(page.locator('[data-test="detainee-event"][data-kind="medical"]')).toContainText('体检/就医')
  expect(await bodyText(page)).not.toMatch(RAW)
  expect(problems).toEqual([])
})

test('the facility page: exact occupancy, overdue and due releases, alerts in words, patrol checks per room', async ({ page }, testInfo) => {
  const problems = watchConsole(page)
  await signIn(page, custody)
  await tid(page, 'menu-custody').click()
  await expect(page).toHaveURL(/\/custody$/)
  const card = page.locator(`[data-test="custody-facility"][data-code="${FAC}"]`)
  await expect(card.locator('[data-test="custody-facility-occupancy"]')).toHaveText('4 / 5')
  await expect(card.locator('[data-test="custody-facility-kind"]')).toHaveText('看守所')
  await expect(card.locator('[data-test="custody-facility-alert"][data-kind="overdue"]')).toHaveText(/超期羁押 1/)
  await card.click()
  await expect(page).toHaveURL(new RegExp(`/custody/${FAC}$`))
  await statePurpose(page)

  await expect(tid(page, 'facility-name')).toHaveText(FAC_NAME)
  await expect(tid(page, 'facility-kind')).toHaveText('看守所')
  await expect(tid(page, 'facility-occupancy')).toHaveText('在押 4 人，容量 5 人')
  const room = (r: string) => page.locator(`[data-test="custody-room"][data-room="${r}"]`)
  await expect(room('A1').locator('[data-test="custody-room-occupancy"]')).toHaveText('3 / 4')
  await expect(room('A2').locator('[data-test="custody-room-occupancy"]')).toHaveText('1 / 1')
  await expect(room('A2').locator('[data-test="custody-room-roll"]')).toHaveClass(/red/)

  // Overdue at the top, in red; the due release with its countdown.
  const overdue = tid(page, 'facility-overdue')
  await expect(overdue).toHaveAttribute('data-count', '1')
  await expect(overdue.locator(`[data-detainee="${held.overdue.id}"]`)).toContainText(/已超期 6 小时/)
  const overdueBox = (await overdue.boundingBox())!
  const roomsBox = (await tid(page, 'custody-rooms').boundingBox())!
  expect(overdueBox.y).toBeLessThan(roomsBox.y)
  const due = page.locator(`[data-test="facility-due-item"][data-detainee="${held.soon.id}"]`)
  await expect(due).toContainText(people[1].name)
  await expect(due.locator('.d-count')).toHaveText(/^1[34] 小时( \d+ 分)?$/)

  // The alerts, each with its meaning in words.
  const alert = (kind: string, r: string) => page.locator(`[data-test="custody-alert"][data-kind="${kind}"][data-room="${r}"]`)
  await expect(alert('overdue', 'A1')).toHaveAttribute('data-severity', 'critical')
  await expect(alert('overdue', 'A1')).toContainText('已超过法定羁押期限')
  await expect(alert('headcount_mismatch', 'A2').locator('[data-test="custody-alert-text"]')).toContainText('点名 0 人，应在押 1 人，人数不符')
  await expect(alert('missed_patrol', 'A2').locator('[data-test="custody-alert-text"]')).toContainText(/已 \d+ 分钟未巡查（要求每 15 分钟一次/)
  await expect(alert('due_soon', 'A1')).toContainText(people[1].name)
  await expect(alert('lawyer_not_arranged', 'A1')).toContainText('申请会见律师，48 小时内未安排会见')
  // The overdue alert is the first of the list.
  await expect(page.locator('[data-test="custody-alert"]').first()).toHaveAttribute('data-kind', 'overdue')

  // Patrol checks per room over the last six hours.
  const lane = (r: string) => page.locator(`[data-test="patrol-room"][data-room="${r}"]`)
  await expect(lane('A1')).toHaveAttribute('data-patrols', '4')
  await expect(lane('A1')).toHaveAttribute('data-rollcalls', '1')
  await expect(lane('A2')).toHaveAttribute('data-patrols', '1')
  await expect(lane('A2')).toHaveClass(/late/)
  await expect(page.locator('[data-test="custody-patrol"] canvas')).toHaveCount(1)

  // The people held, overdue first.
  const rows = page.locator('[data-test="custody-detainees"] [data-test="custody-detainee-row"]')
  await expect(rows).toHaveCount(4)
  await expect(rows.first()).toHaveAttribute('data-detainee', String(held.overdue.id))
  const text = await bodyText(page)
  expect(text).not.toMatch(RAW)
  expect(text).toContain('逮捕（侦查羁押）')
  await page.screenshot({ path: testInfo.outputPath('custody-facility.png') })
  expect(problems).toEqual([])
})

test('admissions: refusals in words (a wrong ID, not of the case, held already, a full room), then one over capacity with its reason', async ({ page }) => {
  await signIn(page, custody)
  await page.goto(`/custody/${FAC}`)
  await statePurpose(page)
  const dialog = tid(page, 'custody-admit-dialog')
  const errorText = dialog.locator('[data-test="admit-error"]')
  const fill = async (room: string, s: Suspect, id: string) => {
    await tid(page, 'facility-admit').click()
    await expect(dialog).toBeVisible()
    await pick(page, dialog.locator('[data-test="admit-room"]'), room)
    await pick(page, dialog.locator('[data-test="admit-basis"]'), 'criminal_detention')
    await pick(page, dialog.locator('[data-test="admit-case"]'), s.case_no, s.case_no)
    // The custody officer sees the suspects masked; the full number comes from the warrant.
    await pick(page, dialog.locator('[data-test="admit-suspect"]'), mask(s.id_number))
    await dialog.locator('[data-test="admit-id"]').locator(INPUT).fill(id)
  }

  // A number that is not the suspect's (the visible digits differ): the page says so before sending.
  await fill('A1', people[0], variant(people[0].id_number, 15))
  await tid(page, 'admit-submit').click()
  await expect(dialog.locator('.el-form-item__error')).toHaveText(zh.custody.admit.idNotSuspect)
  // Only the masked digits differ: the server's not_a_suspect, translated.
  await dialog.locator('[data-test="admit-id"]').locator(INPUT).fill(otherBirth(people[0].id_number))
  await tid(page, 'admit-submit').click()
  await expect(errorText).toHaveText(zh.custody.errors.not_a_suspect)
  // The right number: held already.
  await dialog.locator('[data-test="admit-id"]').locator(INPUT).fill(people[0].id_number)
  await tid(page, 'admit-submit').click()
  await expect(errorText).toHaveText(fmt(zh.custody.errors.already_in_custody, { facility: FAC, id: held.overdue.id }))
  await dialog.getByRole('button', { name: zh.common.cancel }).click()
  await expect(dialog).toBeHidden()

  // A full room: the override reason is asked, then recorded.
  await fill('A2', spare, spare.id_number)
  await tid(page, 'admit-submit').click()
  await expect(errorText).toHaveText(fmt(zh.custody.errors.over_capacity, { room: 'A2', n: 1, cap: 1 }))
  await expect(dialog.locator('[data-test="admit-over-capacity"]')).toBeVisible()
  await expect(tid(page, 'admit-submit')).toHaveText(zh.custody.admit.submitOver)
  const reason = `浏览器测试：A1 室检修，临时超员 ${suffix}`
  await dialog.locator('[data-test="admit-over-reason"]').locator(TEXTAREA).fill(reason)
  await tid(page, 'admit-submit').click()
  await expect(dialog).toBeHidden()
  await expect(page.locator('[data-test="custody-room"][data-room="A2"] [data-test="custody-room-occupancy"]')).toHaveText('2 / 1')
  await expect(tid(page, 'facility-occupancy')).toHaveText('在押 5 人，容量 5 人')

  const officer = await login(page.request, custody)
  const list = (await officer('GET', `/api/v1/custody/detainees?facility=${FAC}`)).body.detainees as Detainee[]
  const added = list.find((d) => d.person === `ID:${spare.id_number}`)!
  expect(added.room).toBe('A2')
  expect(added.over_capacity_reason).toBe(reason)
  await page.locator(`[data-test="custody-detainee-row"][data-detainee="${added.id}"]`).click()
  await expect(tid(page, 'detainee-over-capacity')).toHaveText(reason)
})

test('an extension: beyond an arrest’s first step refused in words, then made with its approver, the due time moved', async ({ page }, testInfo) => {
  await signIn(page, custody)
  await page.goto(`/custody/detainees/${held.arrest.id}`)
  await statePurpose(page)
  await expect(tid(page, 'detainee-basis')).toHaveText('逮捕（侦查羁押）')
  await expect(tid(page, 'detainee-term')).toHaveText('60 天')
  await tid(page, 'detainee-extend').click()
  const dialog = tid(page, 'custody-extend-dialog')
  await pick(page, dialog.locator('[data-test="extend-reason"]'), 'major_complex')
  await expect(dialog.locator('[data-test="extend-hint"]')).toHaveText(fmt(zh.custody.extend.arrestStep, { i: 1, n: 30 }))
  await dialog.locator('[data-test="extend-days"] input').fill('90')
  const approver = `省检察院 王检察官 ${suffix}`
  const approvalNo = `琼检延〔2026〕${suffix}号`
  await dialog.locator('[data-test="extend-approver"]').locator(INPUT).fill(approver)
  await dialog.locator('[data-test="extend-approval-no"]').locator(INPUT).fill(approvalNo)
  await tid(page, 'extend-submit').click()
  await expect(dialog.locator('[data-test="extend-error"]')).toHaveText(fmt(zh.custody.errors.extension_step, { i: 1, n: 30 }))
  await dialog.locator('[data-test="extend-days"] input').fill('30')
  await tid(page, 'extend-submit').click()
  await expect(dialog).toBeHidden()

  const ext = tid(page, 'detainee-extension')
  await expect(ext).toHaveCount(1)
  await expect(ext).toHaveAttribute('data-days', '30')
  await expect(ext.locator('[data-test="extension-reason"]')).toHaveText(zh.custody.extReasons.major_complex)
  await expect(ext.locator('[data-test="extension-approver"]')).toHaveText(approver)
  await expect(ext.locator('[data-test="extension-no"]')).toHaveText(approvalNo)
  await expect(tid(page, 'detainee-term')).toHaveText('60 天 + 延长 30 天 = 90 天')
  const officer = await login(page.request, custody)
  const d = (await officer('GET', `/api/v1/custody/detainees/${held.arrest.id}`)).body as Detainee
  expect(d.extensions).toEqual([expect.objectContaining({ days: 30, reason: 'major_complex', approved_by: approver, approval_no: approvalNo })])
  expect(Date.parse(d.due_at) - Date.parse(d.admitted_at)).toBe(90 * DAY)
  await expect(tid(page, 'detainee-due')).toHaveText(shown(d.due_at))
  expect(await bodyText(page)).not.toMatch(RAW)
  await page.screenshot({ path: testInfo.outputPath('custody-detainee.png') })
})

test('a roll call, a lawyer request and a release recorded in the pages', async ({ page }) => {
  await signIn(page, custody)
  await page.goto(`/custody/${FAC}`)
  await statePurpose(page)
  const lane = page.locator('[data-test="patrol-room"][data-room="A1"]')
  await expect(lane).toHaveAttribute('data-rollcalls', '1')
  await page.locator('[data-test="custody-room"][data-room="A1"] [data-test="room-roll-call"]').click()
  const ev = tid(page, 'custody-event-dialog')
  await expect(ev.locator('[data-test="event-kind"] .is-active')).toHaveText('点名')
  await ev.locator('[data-test="event-count"] input').fill('3')
  await tid(page, 'event-submit').click()
  await expect(ev).toBeHidden()
  await expect(lane).toHaveAttribute('data-rollcalls', '2')
  await expect(page.locator('[data-test="custody-room"][data-room="A1"] [data-test="custody-room-roll"]')).toContainText('3 人')

  // A roll call without a count is stopped in the form (the server would refuse it too).
  await tid(page, 'facility-record').click()
  await ev.locator('[data-test="event-kind"] [data-kind="roll_call"]').click()
  await pick(page, ev.locator('[data-test="event-room"]'), 'A2')
  await tid(page, 'event-submit').click()
  await expect(ev.locator('.el-form-item__error')).toHaveText(zh.custody.event.needCount)
  await ev.getByRole('button', { name: zh.common.cancel }).click()

  // A lawyer request on the person's page.
  await page.goto(`/custody/detainees/${held.overdue.id}`)
  await tid(page, 'detainee-record').click()
  await ev.locator('[data-test="event-kind"] [data-kind="lawyer_request"]').click()
  await ev.locator('[data-test="event-note"]').locator(TEXTAREA).fill('家属委托律师')
  await tid(page, 'event-submit').click()
  await expect(ev).toBeHidden()
  await expect(page.locator('[data-test="detainee-event"][data-kind="lawyer_request"]').first()).toContainText('申请会见律师')
  await expect(page.locator('[data-test="detainee-event"][data-kind="lawyer_request"]').first()).toContainText('家属委托律师')

  // The release of the one due tomorrow: changed to bail.
  await page.goto(`/custody/detainees/${held.soon.id}`)
  await expect(tid(page, 'detainee-status')).toHaveAttribute('data-status', 'held')
  await tid(page, 'detainee-release').click()
  const rel = tid(page, 'custody-release-dialog')
  await tid(page, 'release-submit').click()
  await expect(rel.locator('.el-form-item__error')).toHaveText(zh.custody.release.needReason)
  await pick(page, rel.locator('[data-test="release-reason"]'), 'bail')
  await tid(page, 'release-submit').click()
  await expect(rel).toBeHidden()
  await expect(tid(page, 'detainee-status')).toHaveAttribute('data-status', 'released')
  await expect(tid(page, 'detainee-release-reason')).toContainText('变更为取保候审')
  const officer = await login(page.request, custody)
  const d = (await officer('GET', `/api/v1/custody/detainees/${held.soon.id}`)).body as Detainee
  expect(d.released_at).not.toBeNull()
  expect(d.release_reason).toBe('bail')
  // A second release is refused by the server in words (the page offers no button, the API says already_released).
  const again = await officer('POST', `/api/v1/custody/detainees/${held.soon.id}/release`, { reason: 'bail' })
  expect(again.body.error.code).toBe('already_released')
  expect(zh.custody.errors.already_released).toBeTruthy()
  expect(en.custody.errors.already_released).toBeTruthy()
})

test('in English on a phone: the banner, the facility and the person', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 390, height: 844 })
  await page.goto('/login')
  await tid(page, 'lang-toggle').click()
  await tid(page, 'login-username').fill(commander.user)
  await tid(page, 'login-password').fill(commander.password)
  await tid(page, 'login-submit').click()
  await expect(page).toHaveURL(/\/home$/)
  const item = page.locator(`[data-test="custody-overdue-item"][data-detainee="${held.overdue.id}"]`)
  await expect(item).toContainText(fmt(en.custody.roomN, { room: 'A1' }))
  await expect(item.locator('[data-test="custody-overdue-by"]')).toHaveText(/^Overdue by 6 h( \d+ min)?$/)
  await expect(item).toContainText('Criminal detention')
  await page.screenshot({ path: testInfo.outputPath('custody-home-en-phone.png') })

  await page.goto(`/custody/${FAC}`)
  await statePurpose(page)
  await expect(tid(page, 'facility-kind')).toHaveText('Detention centre')
  await expect(tid(page, 'facility-occupancy')).toHaveText('4 held, capacity 5') // five admitted, one released
  await expect(page.locator('[data-test="custody-alert"][data-kind="headcount_mismatch"][data-room="A2"]')).toContainText('counted 0, but 1 are held')
  // On a phone the people held are a list, not a table.
  await expect(page.locator('[data-test="custody-detainees"] .p-list [data-test="custody-detainee-row"]')).toHaveCount(4)
  // Nothing wider than the screen.
  const wide = await page.evaluate(() => document.documentElement.scrollWidth)
  expect(wide).toBeLessThanOrEqual(390)
  expect(await bodyText(page)).not.toMatch(RAW)
  await page.screenshot({ path: testInfo.outputPath('custody-facility-en-phone.png'), fullPage: true })
})
