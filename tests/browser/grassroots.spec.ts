import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test, type APIRequestContext, type Locator, type Page } from '@playwright/test'
import { env, genDir, tid } from './helpers'

// 基层基础 · 公共安全监管 end to end, as the commander (grassroots.read and
// .write). The data holds the generated supervision sites (jingwu grassroots
// import --shift-to-now) with planted alerts (grassroots_truth.json beside
// JINGWU_TRUTH). (a) The hub opens from the menu on the supervision tab: the
// dashboard names the four districts with the API's site totals and the
// city's total, the headline figures are the API's; (b) the alerts are in
// words, over storage first, every planted over-storage site among them, and
// an alert's link opens its site, whose page shows the same alert; (c) a site
// is added in its dialog (kind, district, a click on the map), a licence of
// 100 boxes added, a delivery of 80 recorded, one of 50 more refused with the
// translated reason naming the figures, more out than in stock refused, an
// inspection recorded with a failed item (deadline and level) and the hazard
// shown open, then re-inspected fixed; (d) English on a 390-px phone. Codes
// and ISO times never reach the page. Screenshots at 1440×900 and 390 px.

const here = dirname(fileURLToPath(import.meta.url))
const INPUT = 'xpath=self::input | .//input'
const commander = { user: env('JINGWU_COMMANDER_USER'), password: env('JINGWU_COMMANDER_PASSWORD') }
const DISTRICTS = ['460105', '460106', '460107', '460108']
const S = '/api/v1/grassroots/supervision'

type Json = Record<string, any>
type Api = (method: string, path: string, data?: unknown) => Promise<{ status: number; body: any }>

let zh: Json
let en: Json
let truth: Json | null = null
const suffix = Date.now().toString(36).toUpperCase().slice(-6)
const CODE = `TST${suffix}`
const NAME = `测试烟花批发仓库${suffix}`
const LICENCE = `测试烟字${suffix}`

/** Deep merge of a module's locale file over the base, as web/src/locales/index.ts does. */
function merge(into: Json, from: Json): Json {
  for (const [k, v] of Object.entries(from)) {
    if (v && typeof v === 'object' && into[k] && typeof into[k] === 'object') merge(into[k], v)
    else into[k] = v
  }
  return into
}
async function locale(name: string): Promise<Json> {
  const base = JSON.parse(await readFile(join(here, `../../web/src/locales/${name}.json`), 'utf8'))
  return merge(base, JSON.parse(await readFile(join(here, `../../web/src/locales/grassroots/${name}.json`), 'utf8')))
}
/** A locale text with its {placeholders} filled. */
const fmt = (template: string, params: Record<string, string | number>) => template.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ''))
const num = (n: number) => new Intl.NumberFormat('en-US').format(n)
/** Raw codes or ISO times must not reach a page. */
const RAW = /over_storage|licence_expired|licence_expiring|rectification_overdue|inspection_overdue|fireworks_wholesale|fireworks_retail|explosives_store|firearms_unit|ledger_matches|video_working|\d{4}-\d{2}-\d{2}T\d{2}:/

async function login(request: APIRequestContext): Promise<Api> {
  const r = await request.post('/api/v1/auth/login', { data: { username: commander.user, password: commander.password } })
  expect(r.ok(), await r.text()).toBeTruthy()
  const token = (await r.json()).token as string
  return async (method, path, data) => {
    const res = await request.fetch(path, { method, data, headers: { Authorization: `Bearer ${token}` } })
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

/** Picks the option of an Element Plus select whose data-value is value. */
async function pick(page: Page, select: Locator, value: string): Promise<void> {
  await select.click()
  await page.locator(`.el-select-dropdown__item[data-value="${value}"]`).filter({ visible: true }).first().click()
}

async function bodyText(page: Page): Promise<string> {
  return page.locator('main, .el-main').first().innerText()
}

test.describe.configure({ mode: 'serial' })

test.beforeAll(async () => {
  zh = await locale('zh-CN')
  en = await locale('en')
  const file = genDir ? join(genDir, 'grassroots_truth.json') : ''
  if (file && existsSync(file)) truth = JSON.parse(await readFile(file, 'utf8'))
})

test('the hub opens on supervision from the menu: the four districts with the API’s totals', async ({ page }, testInfo) => {
  const problems = watchConsole(page)
  await signIn(page)
  await tid(page, 'menu-grassroots').click()
  await expect(page).toHaveURL(/\/grassroots/)
  await expect(page.locator('#tab-supervision')).toHaveClass(/is-active/)
  await expect(page.locator('#tab-disputes')).toHaveText(zh.supervision.hub.tabs.disputes)
  await expect(page.locator('#tab-partners')).toHaveText(zh.supervision.hub.tabs.partners)

  const api = await login(page.request)
  const dash = (await api('GET', `${S}/dashboard`)).body
  expect(dash.districts.map((r: Json) => r.district_code).sort()).toEqual(DISTRICTS)
  expect(dash.totals.sites_total).toBeGreaterThan(0)
  const table = tid(page, 'sup-dash-table')
  for (const r of dash.districts) {
    await expect(table).toContainText(zh.codes.district[r.district_code])
    await expect(tid(page, `sup-dash-${r.district_code}-sites_total`)).toHaveText(num(r.sites_total))
    for (const [kind, n] of Object.entries(r.sites as Record<string, number>)) await expect(tid(page, `sup-dash-${r.district_code}-${kind}`)).toHaveText(num(n))
  }
  await expect(tid(page, 'sup-dash-total-sites_total')).toHaveText(num(dash.totals.sites_total))
  expect(dash.districts.reduce((a: number, r: Json) => a + r.sites_total, 0)).toBe(dash.totals.sites_total)
  // The headline figures are the city's.
  await expect(page.locator('[data-test="sup-headline"][data-key="sites"] .h-value')).toHaveText(num(dash.totals.sites_total))
  await expect(page.locator('[data-test="sup-headline"][data-key="due"] .h-value')).toHaveText(num(dash.totals.due))
  await expect(page.locator('[data-test="sup-headline"][data-key="hazards"] .h-value')).toHaveText(num(dash.totals.hazards.open))

  // The hazards by age, in the table beside the chart.
  await page.locator('[data-test="sup-dash-measure"] [data-measure="hazards"]').click()
  for (const r of dash.districts) {
    for (const k of ['lt7', 'd7_30', 'gt30', 'open', 'overdue']) await expect(tid(page, `sup-dash-${r.district_code}-${k}`)).toHaveText(num(r.hazards[k]))
  }
  await expect(tid(page, 'sup-dash-total-open')).toHaveText(num(dash.totals.hazards.open))

  // The sites on the map, one dot each.
  const sites = (await api('GET', `${S}/sites`)).body
  await expect(tid(page, 'sup-map')).toHaveAttribute('data-markers', String(sites.items.length))
  await expect(tid(page, 'sup-sites-count')).toHaveText(fmt(zh.supervision.sites.count, { n: sites.total }))

  // One district: its row's figures, its sites only.
  const d = dash.districts[1]
  await page.locator(`[data-test="sup-dash-district"][data-district="${d.district_code}"]`).click()
  await expect(page).toHaveURL(new RegExp(`district=${d.district_code}`))
  await expect(page.locator('[data-test="sup-headline"][data-key="sites"] .h-value')).toHaveText(num(d.sites_total))
  await expect(tid(page, 'sup-map')).toHaveAttribute('data-markers', String(d.sites_total))
  await page.locator('[data-test="sup-district"] [data-district=""]').click()
  await page.locator('[data-test="sup-dash-measure"] [data-measure="sites"]').click()
  expect(await bodyText(page)).not.toMatch(RAW)
  await page.screenshot({ path: testInfo.outputPath('grassroots-supervision.png'), fullPage: true })
  expect(problems).toEqual([])
})

test('the alerts in words, over storage first, every planted one; an alert opens its site', async ({ page }, testInfo) => {
  await signIn(page)
  await page.goto('/grassroots?tab=supervision')
  const api = await login(page.request)
  const alerts = (await api('GET', `${S}/alerts`)).body
  expect(alerts.items.length).toBeGreaterThan(0)
  const items = page.locator('[data-test="sup-alerts"] [data-test="sup-alert"]')
  await expect(items.first()).toBeVisible()
  await expect(items.first()).toHaveAttribute('data-severity', 'critical')
  await expect(items.first()).toHaveAttribute('data-kind', 'over_storage')

  // The truth names a planted over-storage alert by its licence number (or its site's code).
  const planted: string[] = truth?.alerts?.over_storage ?? alerts.items.filter((a: Json) => a.kind === 'over_storage').map((a: Json) => a.licence_no)
  expect(planted.length).toBeGreaterThan(0)
  for (const key of planted) {
    const sel = (attr: string) => `[data-test="sup-alerts"] [data-test="sup-alert"][data-kind="over_storage"][${attr}="${key}"]`
    await expect(page.locator(`${sel('data-licence')}, ${sel('data-site')}`).first()).toBeVisible()
  }
  // Over storage comes first: no other kind before the last of them.
  const kinds = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))
  expect(kinds.lastIndexOf('over_storage')).toBe(alerts.items.filter((a: Json) => a.kind === 'over_storage').length - 1)
  // Every planted alert of the other kinds is listed too (the list shows them all after a kind is chosen).
  if (truth) {
    for (const no of truth.alerts.licence_expired ?? []) {
      await page.locator('[data-test="sup-alert-kind"][data-kind="licence_expired"]').click()
      await expect(page.locator(`[data-test="sup-alert"][data-kind="licence_expired"][data-licence="${no}"]`)).toHaveCount(1)
    }
    for (const code of truth.alerts.inspection_overdue ?? []) {
      await page.locator('[data-test="sup-alert-kind"][data-kind="inspection_overdue"]').click()
      await expect(page.locator(`[data-test="sup-alert"][data-kind="inspection_overdue"][data-site="${code}"]`)).toHaveCount(1)
    }
    await page.locator('[data-test="sup-alert-kind"][data-kind=""]').click()
  }
  // The first over-storage alert in words: the kind, the site, the counted or stocked figure against the limit.
  const first = alerts.items.find((a: Json) => a.kind === 'over_storage')
  const item = page.locator(`[data-test="sup-alert"][data-kind="over_storage"][data-site="${first.site_code}"]`).first()
  await expect(item).toContainText(zh.supervision.alerts.over_storage)
  await expect(item).toContainText(zh.supervision.severity.critical)
  await expect(item.locator('[data-test="sup-alert-text"]')).toContainText(num(first.detail.limit))
  await expect(item.locator('[data-test="sup-alert-text"]')).toContainText(zh.supervision.units[first.detail.unit])
  expect(await tid(page, 'sup-alerts').innerText()).not.toMatch(RAW)

  await item.locator('[data-test="sup-alert-site"]').click()
  await expect(page).toHaveURL(new RegExp(`/grassroots/sites/${first.site_code}$`))
  await expect(tid(page, 'site-title')).toHaveText(first.site_name)
  await expect(page.locator(`[data-test="site-alerts"] [data-test="sup-alert"][data-kind="over_storage"]`).first()).toBeVisible()
  const site = (await api('GET', `${S}/sites/${encodeURIComponent(first.site_code)}`)).body
  for (const l of site.licences) {
    const row = page.locator(`[data-test="site-licence"][data-licence="${l.licence_no}"]`)
    await expect(row).toHaveAttribute('data-stock', String(l.stock))
    await expect(row).toHaveAttribute('data-limit', String(l.limit))
  }
  await expect(page.locator('[data-test="site-inspection"]')).toHaveCount(site.inspections.length)
  expect(await bodyText(page)).not.toMatch(RAW)
  await page.screenshot({ path: testInfo.outputPath('grassroots-site-alert.png'), fullPage: true })
})

test('a site added on the map, a licence, movements refused in words, an inspection with a hazard, re-inspected', async ({ page }, testInfo) => {
  const problems = watchConsole(page)
  await signIn(page)
  await page.goto('/grassroots?tab=supervision')
  await tid(page, 'sup-add-site').click()
  const dialog = tid(page, 'site-dialog')
  await expect(dialog).toBeVisible()
  await pick(page, tid(page, 'site-kind'), 'fireworks_wholesale')
  await tid(page, 'site-name').fill(NAME)
  await tid(page, 'site-code').fill(CODE)
  await tid(page, 'site-address').fill('测试路 1 号')
  // Nobody types coordinates: a click on the map places the site and fills its district.
  const map = tid(page, 'site-location-map')
  await expect(map).toBeVisible()
  await page.waitForTimeout(600)
  const box = (await map.boundingBox())!
  await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.5)
  await expect(tid(page, 'site-location-text')).toContainText(/\d+\.\d{5}/)
  await pick(page, tid(page, 'site-district'), '460106')
  await tid(page, 'site-submit').click()
  await expect(page).toHaveURL(new RegExp(`/grassroots/sites/${CODE}$`))
  await expect(tid(page, 'site-title')).toHaveText(NAME)
  await expect(tid(page, 'site-kind')).toHaveText(zh.supervision.kinds.fireworks_wholesale)

  // The same code again is refused in words.
  const api = await login(page.request)
  const again = await api('POST', `${S}/sites`, { code: CODE, name: 'x', kind: 'fireworks_retail', district_code: '460106', address: 'x', lat: 20.0, lon: 110.3, opened_on: '2020-01-01' })
  expect(again.status).toBe(409)
  expect(again.body.error.code).toBe('site_exists')
  expect(zh.errors.site_exists && en.errors.site_exists).toBeTruthy()

  // A licence of 100 boxes, valid from today for a year (the dialog's default).
  await tid(page, 'site-add-licence').click()
  await tid(page, 'licence-no').fill(LICENCE)
  await tid(page, 'licence-limit').locator(INPUT).fill('100')
  await tid(page, 'licence-submit').click()
  const lic = page.locator(`[data-test="site-licence"][data-licence="${LICENCE}"]`)
  await expect(lic).toHaveAttribute('data-limit', '100')
  await expect(lic).toHaveAttribute('data-stock', '0')

  // A delivery of 80, then 50 more: over the limit, refused in words with the figures; nothing stored.
  const deliver = async (n: number, direction: 'in' | 'out') => {
    await lic.locator('[data-test="licence-move"]').click()
    await expect(tid(page, 'movement-dialog')).toBeVisible()
    await page.locator(`[data-test="movement-direction"] [data-direction="${direction}"]`).click()
    await tid(page, 'movement-amount').locator(INPUT).fill(String(n))
    await tid(page, 'movement-submit').click()
  }
  await deliver(80, 'in')
  await expect(lic).toHaveAttribute('data-stock', '80')
  await expect(lic.locator('[data-test="licence-stock"]')).toHaveText(fmt(zh.supervision.page.stockOf, { stock: '80 箱', limit: '100 箱' }))
  await deliver(50, 'in')
  const refused = tid(page, 'movement-error')
  await expect(refused).toContainText(
    fmt(zh.supervision.errors.over_licence_limit_figures, { item: '烟花爆竹', licence: LICENCE, stock: '80 箱', amount: '50 箱', after: '130 箱', limit: '100 箱' }),
  )
  await page.screenshot({ path: testInfo.outputPath('grassroots-movement-refused.png') })
  await tid(page, 'movement-dialog').getByRole('button', { name: zh.common.cancel }).click()
  await expect(lic).toHaveAttribute('data-stock', '80')
  const site = (await api('GET', `${S}/sites/${CODE}`)).body
  expect(site.movements.length).toBe(1)
  // More out than in stock: refused too.
  await deliver(90, 'out')
  await expect(tid(page, 'movement-error')).toContainText(fmt(zh.supervision.errors.insufficient_stock_figures, { item: '烟花爆竹', licence: LICENCE, stock: '80 箱', amount: '90 箱' }))
  await tid(page, 'movement-dialog').getByRole('button', { name: zh.common.cancel }).click()

  // An inspection by the kind's checklist: video surveillance failed, a major hazard to fix within 7 days.
  const lists = (await api('GET', `${S}/checklists`)).body
  const items: string[] = lists.kinds.fireworks_wholesale.items
  await tid(page, 'site-inspect').click()
  await expect(tid(page, 'inspection-dialog')).toBeVisible()
  await expect(page.locator('[data-test="inspection-item"]')).toHaveCount(items.length)
  for (const i of items) await expect(page.locator(`[data-test="inspection-item"][data-item="${i}"]`)).toContainText(zh.supervision.checks[i])
  const failed = items.includes('lightning_protection') ? 'lightning_protection' : items[1]
  const row = page.locator(`[data-test="inspection-item"][data-item="${failed}"]`)
  await row.locator('[data-test="inspection-item-switch"]').click()
  // Without a deadline it is not sent: the form asks for one.
  await tid(page, 'inspection-submit').click()
  await expect(row).toContainText(zh.supervision.inspection.needDeadline)
  await row.getByRole('button', { name: fmt(zh.supervision.inspection.inDays, { n: 7 }) }).click()
  await row.locator('[data-test="inspection-item-level"] [data-level="major"]').click()
  await row.locator('[data-test="inspection-item-note"]').fill('避雷针接地电阻超标')
  await expect(tid(page, 'inspection-summary')).toHaveText(fmt(zh.supervision.inspection.summaryHazards, { ok: items.length - 1, n: 1 }))
  await tid(page, 'inspection-submit').click()
  await expect(tid(page, 'inspection-dialog')).toBeHidden()
  const hazard = page.locator(`[data-test="site-hazard"][data-item="${failed}"]`)
  await expect(hazard).toHaveAttribute('data-status', 'open')
  await expect(hazard).toContainText(zh.supervision.checks[failed])
  await expect(hazard).toContainText(zh.supervision.levels.major)
  await expect(hazard).toContainText('避雷针接地电阻超标')
  await expect(hazard.locator('[data-test="hazard-deadline-text"]')).toHaveText(fmt(zh.supervision.page.daysLeft, { n: 7 }))
  await expect(page.locator('[data-test="site-inspection"]')).toHaveCount(1)
  await expect(page.locator('[data-test="site-inspection"]')).toContainText(fmt(zh.supervision.page.failedN, { n: 1, of: items.length }))
  const after = (await api('GET', `${S}/sites/${CODE}`)).body
  expect(after.open_hazards).toBe(1)
  expect(after.hazards[0].level).toBe('major')
  expect(await bodyText(page)).not.toMatch(RAW)
  await page.screenshot({ path: testInfo.outputPath('grassroots-site-hazard.png'), fullPage: true })

  // Re-inspected and fixed: rectified; again: refused (409 hazard_closed) in words.
  await hazard.locator('[data-test="hazard-reinspect"]').click()
  await page.locator('[data-test="reinspect-result"] [data-result="fixed"]').click()
  await tid(page, 'reinspect-submit').click()
  await expect(tid(page, 'reinspect-dialog')).toBeHidden()
  await expect(page.locator('[data-test="site-hazard"]')).toHaveCount(0)
  await tid(page, 'hazards-show-fixed').click()
  await expect(page.locator(`[data-test="site-hazard"][data-item="${failed}"]`)).toHaveAttribute('data-status', 'rectified')
  const closed = await api('POST', `${S}/hazards/${after.hazards[0].id}/reinspect`, { ok: true })
  expect(closed.status).toBe(409)
  expect(closed.body.error.code).toBe('hazard_closed')
  expect(zh.errors.hazard_closed && en.errors.hazard_closed).toBeTruthy()
  expect(problems).toEqual([])
})

test('in English on a phone: the tab, the alerts and a site', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 390, height: 844 })
  await page.goto('/login')
  await tid(page, 'lang-toggle').click()
  await tid(page, 'login-username').fill(commander.user)
  await tid(page, 'login-password').fill(commander.password)
  await tid(page, 'login-submit').click()
  await expect(page).toHaveURL(/\/home$/)
  await page.goto('/grassroots')
  await expect(page.locator('#tab-supervision')).toHaveText(en.supervision.hub.tabs.supervision)
  await expect(tid(page, 'sup-dash-table')).toContainText('Total')
  const first = page.locator('[data-test="sup-alerts"] [data-test="sup-alert"]').first()
  await expect(first).toContainText(en.supervision.alerts.over_storage)
  // On a phone the sites are a list, not a table.
  await expect(page.locator('[data-test="sup-sites"] .s-list [data-test="sup-site-row"]').first()).toBeVisible()
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
  expect(await bodyText(page)).not.toMatch(RAW)
  await page.screenshot({ path: testInfo.outputPath('grassroots-supervision-en-phone.png'), fullPage: true })

  await page.goto(`/grassroots/sites/${CODE}`)
  await expect(tid(page, 'site-kind')).toHaveText(en.supervision.kinds.fireworks_wholesale)
  await expect(page.locator(`[data-test="site-licence"][data-licence="${LICENCE}"] [data-test="licence-stock"]`)).toHaveText('80 boxes of 100 boxes')
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
  expect(await bodyText(page)).not.toMatch(RAW)
  await page.screenshot({ path: testInfo.outputPath('grassroots-site-en-phone.png'), fullPage: true })
})
