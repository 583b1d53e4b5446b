import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test, type APIRequestContext, type Locator, type Page } from '@playwright/test'
import { env, tid } from './helpers'

// 基层基础 · 矛盾纠纷排查化解 end to end, as the commander (grassroots.read and
// .write). beforeAll records two disputes through the API at one station with
// the same party (a valid ID number), a month apart: the second is a repeat
// (same_party) and flagged. Then: (a) the disputes tab shows every station's
// figures exactly as GET /grassroots/stations counts them (disputes, resolved
// share, repeat rate, escalated share, open, overdue follow-ups) with the
// model stations' titles; (b) the repeat is listed first with its reason in
// words and opens its page (after a purpose) naming the earlier dispute;
// (c) a dispute recorded in the dialog without a party is refused with the
// translated reason, then recorded with a party and shown with it; a
// mediation with an agreement resolves it; (d) English on a 390-px phone.
// Codes and ISO times never reach the page. Screenshots at 1440×900 and 390 px.

const here = dirname(fileURLToPath(import.meta.url))
const INPUT = 'xpath=self::input | .//input'
const TEXTAREA = 'xpath=self::textarea | .//textarea'
const commander = { user: env('JINGWU_COMMANDER_USER'), password: env('JINGWU_COMMANDER_PASSWORD') }
const G = '/api/v1/grassroots'
const PURPOSE = 'browser test: dispute resolution'

type Json = Record<string, any>
type Api = (method: string, path: string, data?: unknown) => Promise<{ status: number; body: any }>

let zh: Json
let en: Json
const suffix = Date.now().toString(36).toUpperCase().slice(-6)
const HOUR = 3600_000
const DAY = 24 * HOUR
let station: Json
const made: { first: Json; repeat: Json } = {} as never

function merge(into: Json, from: Json): Json {
  for (const [k, v] of Object.entries(from)) {
    if (v && typeof v === 'object' && into[k] && typeof into[k] === 'object') merge(into[k], v)
    else into[k] = v
  }
  return into
}
/** The base locale with the dispute and partner modules' strings over it, as web/src/locales/index.ts merges them. */
async function locale(name: string): Promise<Json> {
  const read = async (p: string) => JSON.parse(await readFile(join(here, '../../web/src/locales', p), 'utf8'))
  return merge(merge(await read(`${name}.json`), await read(`disputes/${name}.json`)), await read(`partners/${name}.json`))
}
const fmt = (template: string, params: Record<string, string | number>) => template.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ''))
const num = (n: number) => new Intl.NumberFormat('en-US').format(n)
const share = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`)
const iso = (ms: number) => `${new Date(ms + 8 * HOUR).toISOString().slice(0, 19)}+08:00`
/** Raw codes or ISO times must not reach a page. */
const RAW = /same_party|same_address|closed_unresolved|walk_in|\bneighbour\b|\bapplicant\b|\brespondent\b|party_required|\d{4}-\d{2}-\d{2}T\d{2}:/

function idNumber(seed: number): string {
  const body = `46010619${String(70 + (seed % 30)).padStart(2, '0')}0${1 + (seed % 9)}1${seed % 10}${String(seed % 1000).padStart(3, '0')}`.slice(0, 17)
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  return body + '10X98765432'[[...body].reduce((a, c, i) => a + Number(c) * w[i], 0) % 11]
}
const PARTY_ID = idNumber(Date.now() % 100000)

async function login(request: APIRequestContext): Promise<Api> {
  const r = await request.post('/api/v1/auth/login', { data: { username: commander.user, password: commander.password } })
  expect(r.ok(), await r.text()).toBeTruthy()
  const token = (await r.json()).token as string
  return async (method, path, data) => {
    const res = await request.fetch(path, { method, data, headers: { Authorization: `Bearer ${token}`, 'X-Purpose': PURPOSE } })
    const text = await res.text()
    return { status: res.status(), body: text ? JSON.parse(text) : null }
  }
}

async function signIn(page: Page): Promise<void> {
  await page.goto('/login')
  await tid(page, 'login-username').fill(commander.user)
  await tid(page, 'login-password').fill(commander.password)
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

async function pick(page: Page, select: Locator, value: string): Promise<void> {
  await select.click()
  await page.locator(`.el-select-dropdown__item[data-value="${value}"]`).filter({ visible: true }).first().click()
}

/** The purpose dialog opens by itself on a page that names people; one tap fills it. */
async function statePurpose(page: Page): Promise<void> {
  await expect(tid(page, 'registry-purpose-dialog')).toBeVisible()
  await tid(page, 'registry-purpose-suggestion').first().click()
  await tid(page, 'registry-purpose-submit').click()
  await expect(tid(page, 'dispute-purpose-line')).toBeVisible()
}

async function bodyText(page: Page): Promise<string> {
  return page.locator('main, .el-main').first().innerText()
}

test.describe.configure({ mode: 'serial' })

test.beforeAll(async ({ playwright }) => {
  zh = await locale('zh-CN')
  en = await locale('en')
  const request = await playwright.request.newContext({ baseURL: process.env.JINGWU_URL, ignoreHTTPSErrors: true })
  const api = await login(request)
  const st = await api('GET', `${G}/stations`)
  expect(st.status, JSON.stringify(st.body)).toBe(200)
  expect(st.body.items.length).toBeGreaterThan(0)
  station = st.body.items.find((s: Json) => s.model === 'national') ?? st.body.items[0]
  const now = Date.now()
  const dispute = async (summary: string, at: number) => {
    const r = await api('POST', `${G}/disputes`, {
      station_code: station.code,
      source: 'walk_in',
      kind: 'neighbour',
      risk: 'medium',
      address: `测试路 ${suffix} 号`,
      summary,
      reported_at: iso(at),
      parties: [
        { name: `林测试${suffix}`, id_number: PARTY_ID, phone: '13800001234', role: 'applicant' },
        { name: `周测试${suffix}`, role: 'respondent' },
      ],
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    return r.body as Json
  }
  made.first = await dispute(`楼上漏水纠纷（浏览器测试 ${suffix}）`, now - 30 * DAY)
  made.repeat = await dispute(`楼上漏水再次引发争吵（浏览器测试 ${suffix}）`, now - HOUR)
  expect(made.repeat.repeat_reason).toBe('same_party')
  expect(made.repeat.repeat_of).toBe(made.first.id)
  await request.dispose()
})

test('the stations’ figures are the API’s, the model stations with their titles', async ({ page }, testInfo) => {
  const problems = watchConsole(page)
  await signIn(page)
  await page.goto('/grassroots?tab=disputes')
  await expect(tid(page, 'disputes-tab')).toBeVisible()
  const api = await login(page.request)
  const figures = (await api('GET', `${G}/stations`)).body.items as Json[]
  const table = tid(page, 'station-table')
  await expect(table.locator('[data-test="station-row"]')).toHaveCount(figures.length)

  // Every station's row, cell by cell, as the API counts it.
  const shown = await page.evaluate(() => {
    const out: Record<string, Record<string, string>> = {}
    for (const tr of document.querySelectorAll('[data-test="station-table"] tr')) {
      const row = tr.querySelector('[data-test="station-row"]') as HTMLElement | null
      if (!row) continue
      const cell = (k: string) => (tr.querySelector(`[data-test="${k}"]`) as HTMLElement | null)?.innerText.trim() ?? ''
      out[row.dataset.code!] = {
        name: cell('station-name'),
        model: (tr.querySelector('[data-test="station-model"]') as HTMLElement | null)?.innerText.trim() ?? '',
        disputes: cell('st-disputes'),
        resolved: cell('st-resolved-share'),
        repeat: cell('st-repeat-rate'),
        escalated: cell('st-escalated-share'),
        open: cell('st-open'),
        overdue: cell('st-overdue'),
      }
    }
    return out
  })
  for (const s of figures) {
    expect(shown[s.code], s.code).toEqual({
      name: s.name,
      model: s.model ? zh.disputes.models[s.model] : '',
      disputes: num(s.disputes),
      // A share over nothing (no dispute decided, none at all) reads "—", not 0%.
      resolved: s.decided ? share(s.resolved_share) : '—',
      repeat: s.disputes ? share(s.repeat_rate) : '—',
      escalated: s.disputes ? share(s.escalated_share) : '—',
      open: num(s.open),
      overdue: num(s.followups_overdue),
    })
  }
  // The shares are the counts' (resolved ÷ decided, repeats ÷ disputes).
  const ours = figures.find((s) => s.code === station.code)!
  expect(ours.repeats).toBeGreaterThanOrEqual(1)
  expect(ours.repeat_rate).toBeCloseTo(ours.repeats / ours.disputes, 2)
  if (ours.decided) expect(ours.resolved_share).toBeCloseTo(ours.resolved / ours.decided, 2)

  // The model stations first, each with its title; 石山 national, the other four provincial where the bureau keeps them.
  const models = figures.filter((s) => s.model)
  await expect(page.locator('[data-test="model-station"]')).toHaveCount(models.length)
  for (const m of models) {
    const card = page.locator(`[data-test="model-station"][data-code="${m.code}"]`)
    await expect(card).toContainText(m.name)
    await expect(card).toContainText(zh.disputes.models[m.model])
  }
  for (const s of figures.filter((x) => /石山/.test(x.name))) expect(s.model).toBe('national')
  for (const s of figures.filter((x) => /海甸|红岛|云龙|中山/.test(x.name))) expect(s.model).toBe('provincial')
  const firstRow = table.locator('[data-test="station-row"]').first()
  if (models.length) await expect(firstRow).toHaveAttribute('data-code', [...models].sort((a, b) => (a.model === 'national' ? 0 : 1) - (b.model === 'national' ? 0 : 1) || b.disputes - a.disputes || a.code.localeCompare(b.code))[0].code)
  await expect(tid(page, 'station-chart').locator('canvas')).toHaveCount(1)
  expect(await bodyText(page)).not.toMatch(RAW)
  await page.screenshot({ path: testInfo.outputPath('disputes-tab.png'), fullPage: true })
  expect(problems).toEqual([])
})

test('a repeat dispute is listed first with its reason in words and opens its page naming the earlier one', async ({ page }, testInfo) => {
  await signIn(page)
  await page.goto(`/grassroots?tab=disputes&station=${station.code}`)
  const api = await login(page.request)
  const flagged = (await api('GET', `${G}/disputes?flag=repeat&station=${station.code}&page_size=100`)).body
  expect(flagged.items.some((d: Json) => d.id === made.repeat.id)).toBeTruthy()
  const repeats = tid(page, 'disputes-repeats')
  await expect(repeats).toHaveAttribute('data-total', String(flagged.total))
  const item = repeats.locator(`[data-test="repeat-item"][data-id="${made.repeat.id}"]`)
  if (!(await item.isVisible())) await tid(page, 'repeats-more').click()
  await expect(item).toBeVisible()
  await expect(item).toHaveAttribute('data-reason', 'same_party')
  await expect(item.locator('[data-test="repeat-reason"]')).toContainText(fmt(zh.disputes.repeatReasons.same_party, { m: 6 }))
  await expect(item.locator('[data-test="repeat-reason"]')).toContainText(fmt(zh.disputes.repeats.of, { id: made.first.id }))
  await expect(item).toContainText(zh.disputes.kinds.neighbour)
  // The section comes before the list of all disputes.
  const repBox = (await repeats.boundingBox())!
  const listBox = (await tid(page, 'disputes-list').boundingBox())!
  expect(repBox.y).toBeLessThan(listBox.y)
  // The list is the station's; its rows say why a dispute is a repeat.
  const row = page.locator(`[data-test="dispute-row"][data-id="${made.repeat.id}"]`)
  await expect(row).toBeVisible()

  await item.click()
  await expect(page).toHaveURL(new RegExp(`/grassroots/disputes/${made.repeat.id}$`))
  await statePurpose(page)
  await expect(tid(page, 'dispute-repeat')).toHaveAttribute('data-reason', 'same_party')
  await expect(tid(page, 'dispute-repeat')).toContainText(fmt(zh.disputes.repeatReasons.same_party, { m: 6 }))
  await expect(page.locator(`[data-test="dispute-repeats-item"][data-id="${made.first.id}"]`)).toBeVisible()
  await expect(tid(page, 'dispute-status')).toHaveText(zh.disputes.statuses.open)
  await expect(tid(page, 'dispute-parties')).toContainText(`林测试${suffix}`)
  await expect(tid(page, 'dispute-parties')).toContainText(zh.disputes.roles.applicant)
  // ID numbers masked until asked.
  await expect(tid(page, 'dispute-parties')).toContainText(`${PARTY_ID.slice(0, 6)}********${PARTY_ID.slice(14)}`)
  await tid(page, 'dispute-show-ids').click()
  await expect(tid(page, 'dispute-parties')).toContainText(PARTY_ID)
  expect(await bodyText(page)).not.toMatch(RAW)
  await page.screenshot({ path: testInfo.outputPath('dispute-repeat.png'), fullPage: true })
})

test('recording a dispute: no party is refused in words; with a party it is recorded and shown; an agreement resolves it', async ({ page }, testInfo) => {
  const problems = watchConsole(page)
  await signIn(page)
  await page.goto('/grassroots?tab=disputes')
  await tid(page, 'dispute-new').click()
  const dialog = page.locator('.el-dialog').filter({ has: tid(page, 'dispute-submit') })
  await expect(dialog).toBeVisible()
  await dialog.locator('[data-test="dispute-source"] [data-value="walk_in"]').click()
  await pick(page, tid(page, 'dispute-station'), station.code)
  await pick(page, tid(page, 'dispute-kind'), 'labour')
  await dialog.locator('[data-test="dispute-risk"] [data-value="high"]').click()
  await tid(page, 'dispute-address').locator('[data-test="address-input"]').locator(INPUT).fill(`测试工地 ${suffix} 号`)
  const summary = `工资拖欠纠纷（浏览器测试 ${suffix}）`
  await tid(page, 'dispute-summary').locator(TEXTAREA).fill(summary)

  // No party: the server refuses, in words.
  await tid(page, 'dispute-submit').click()
  await expect(tid(page, 'dispute-form-error')).toContainText(zh.errors.party_required)

  // A wrong ID number is said under its row before anything is sent.
  const party = dialog.locator('[data-test="party-row"]').first()
  await party.locator('[data-test="party-name"]').locator(INPUT).fill(`吴测试${suffix}`)
  await party.locator('[data-test="party-id"]').locator(INPUT).fill('460106199001011235')
  await expect(party.locator('[data-test="party-id-bad"]')).toHaveText(zh.disputes.errors.invalid_id_number)
  await party.locator('[data-test="party-id"]').locator(INPUT).fill('')
  await tid(page, 'party-add').click()
  const second = dialog.locator('[data-test="party-row"]').nth(1)
  await second.locator('[data-test="party-name"]').locator(INPUT).fill(`某建筑公司${suffix}`)
  await page.screenshot({ path: testInfo.outputPath('dispute-dialog.png') })
  await tid(page, 'dispute-submit').click()

  // The new dispute's page.
  await expect(page).toHaveURL(/\/grassroots\/disputes\/\d+$/)
  const id = Number(/(\d+)$/.exec(page.url())![1])
  await statePurpose(page)
  await expect(tid(page, 'dispute-summary-text')).toHaveText(summary)
  await expect(tid(page, 'dispute-status')).toHaveText(zh.disputes.statuses.open)
  await expect(tid(page, 'dispute-risk-tag')).toHaveText(zh.disputes.risks.high)
  await expect(page.locator('[data-test="dispute-party"]')).toHaveCount(2)
  await expect(page.locator('[data-test="dispute-party"][data-role="applicant"]')).toContainText(`吴测试${suffix}`)
  await expect(page.locator('[data-test="dispute-party"][data-role="respondent"]')).toContainText(`某建筑公司${suffix}`)
  const api = await login(page.request)
  const stored = (await api('GET', `${G}/disputes/${id}`)).body
  expect(stored.parties.map((p: Json) => p.name).sort()).toEqual([`吴测试${suffix}`, `某建筑公司${suffix}`].sort())
  expect(stored.kind).toBe('labour')

  // An agreement without its text is refused in words; with it the dispute is resolved.
  await tid(page, 'dispute-mediate').click()
  const med = page.locator('.el-dialog').filter({ has: tid(page, 'dispute-action-submit') })
  await med.locator('[data-test="mediation-outcome"] [data-value="agreement"]').click()
  await tid(page, 'dispute-action-submit').click()
  await expect(med).toContainText(zh.errors.agreement_required)
  await tid(page, 'mediation-agreement').locator(TEXTAREA).fill('公司于本月底前付清拖欠工资')
  await tid(page, 'dispute-action-submit').click()
  await expect(tid(page, 'dispute-status')).toHaveText(zh.disputes.statuses.resolved)
  await expect(tid(page, 'dispute-agreement')).toContainText('公司于本月底前付清拖欠工资')
  await expect(page.locator('[data-test="dispute-mediation"][data-outcome="agreement"]')).toContainText(zh.disputes.outcomes.agreement)

  // A follow-up visit, scheduled and done.
  await tid(page, 'dispute-schedule').click()
  await tid(page, 'dispute-action-submit').click()
  await expect(page.locator('[data-test="dispute-followup"][data-done="0"]')).toHaveCount(1)
  await page.locator('[data-test="dispute-followup"][data-done="0"] [data-test="followup-mark-done"]').click()
  const done = page.locator('.el-dialog').filter({ has: tid(page, 'followup-result') })
  await done.locator('[data-test="followup-result"] [data-value="stable"]').click()
  await tid(page, 'action-note').locator(TEXTAREA).fill('双方关系平稳')
  await tid(page, 'dispute-action-submit').click()
  await expect(page.locator('[data-test="dispute-followup"][data-done="1"] [data-test="followup-result-tag"]')).toHaveText(zh.disputes.results.stable)
  expect(await bodyText(page)).not.toMatch(RAW)
  await page.screenshot({ path: testInfo.outputPath('dispute-page.png'), fullPage: true })
  expect(problems).toEqual([])
})

test('English on a 390-px phone: the tab and a dispute read in English', async ({ browser }, testInfo) => {
  const page = await (await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' })).newPage()
  await signIn(page)
  await page.evaluate(() => localStorage.setItem('jingwu.locale', 'en'))
  await page.goto('/grassroots?tab=disputes')
  await expect(tid(page, 'disputes-repeats').locator('h3')).toContainText(en.disputes.repeats.title)
  await expect(tid(page, 'disputes-stations').locator('h3')).toHaveText(en.disputes.stations.title)
  const width = await page.evaluate(() => document.documentElement.scrollWidth)
  expect(width).toBeLessThanOrEqual(392)
  await page.screenshot({ path: testInfo.outputPath('disputes-phone-en.png'), fullPage: true })
  await page.goto(`/grassroots/disputes/${made.repeat.id}`)
  // A new browser tab: the purpose is asked again.
  await statePurpose(page)
  await expect(tid(page, 'dispute-repeat')).toContainText(fmt(en.disputes.repeatReasons.same_party, { m: 6 }))
  await expect(tid(page, 'dispute-status')).toHaveText(en.disputes.statuses.open)
  expect(await bodyText(page)).not.toMatch(RAW)
  await page.screenshot({ path: testInfo.outputPath('dispute-phone-en.png'), fullPage: true })
})
