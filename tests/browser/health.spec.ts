import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test, type APIRequestContext, type Page } from '@playwright/test'
import { env, genDir, tid } from './helpers'

// 疫情防控 end to end, against the browser data (jingwu gen --seed 1, then
// ingest --source all, which loads health_checkpoint.csv). The gen folder's
// health_truth.json names the planted confirmed case and its true contacts.
// (a) The headline figures are the API's, each record beside its published
// figure with the demo's scale; the map draws every checkpoint; a day's bar
// opens its hours (their sum is the API's throughput) and, after a purpose,
// the flagged people of the day with results in words. (b) A trace asks for
// a purpose and a public-health case number first; the planted case traced
// lists exactly the true ID contacts, a close contact (same room or near
// seat) first, with its retention date; a bad ID number is refused in words;
// the trace can be reopened and deleted. (c) English on a 390-px phone with
// nothing wider than the screen. Raw codes and ISO times never reach the page.

const here = dirname(fileURLToPath(import.meta.url))
const INPUT = 'xpath=self::input | .//input'
const analyst = { user: env('JINGWU_ANALYST_USER'), password: env('JINGWU_ANALYST_PASSWORD') }
const PURPOSE = 'browser test: epidemic contact tracing'
const CASE_NO = '卫健流调〔2025〕17号'
const RAW = /\bhealth\.[a-z]+\.|\b(same_room|near_seat|same_trip|overlap_stay|same_place|observe|isolate|health_checkpoint|health_code|road_checkpoints)\b|\d{4}-\d{2}-\d{2}T\d{2}:/

interface Truth {
  case: { person: string; confirmed_at: string; days: number; within_minutes: number }
  contacts: { person: string; kinds: string[] }[]
}
interface Figures {
  totals: Record<string, number>
  published: Record<string, number>
  checkpoints: { code: string; name: string; kind: string }[]
  daily: { day: string; passes: number; flagged: number }[]
}
let zh: Record<string, any>
let en: Record<string, any>
let truth: Truth
let token = ''

async function api(request: APIRequestContext, path: string, headers: Record<string, string> = {}): Promise<any> {
  if (!token) {
    const r = await request.post('/api/v1/auth/login', { data: { username: analyst.user, password: analyst.password } })
    expect(r.ok(), await r.text()).toBeTruthy()
    token = (await r.json()).token
  }
  const r = await request.get(path, { headers: { Authorization: `Bearer ${token}`, ...headers } })
  expect(r.ok(), await r.text()).toBeTruthy()
  return r.json()
}

test.describe.configure({ mode: 'serial' })

test.beforeAll(async () => {
  zh = JSON.parse(await readFile(join(here, '../../web/src/locales/zh-CN.json'), 'utf8'))
  en = JSON.parse(await readFile(join(here, '../../web/src/locales/en.json'), 'utf8'))
  expect(genDir, 'JINGWU_TRUTH names the generated folder').not.toBe('')
  truth = JSON.parse(await readFile(join(genDir, 'health_truth.json'), 'utf8'))
})

async function signIn(page: Page, locale = 'zh-CN'): Promise<void> {
  await page.addInitScript((l) => localStorage.setItem('jingwu.locale', l), locale)
  await page.goto('/login')
  await tid(page, 'login-username').fill(analyst.user)
  await tid(page, 'login-password').fill(analyst.password)
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

const pageText = (page: Page) => tid(page, 'health-page').innerText()
const fmtInt = (n: number) => n.toLocaleString('en-US')
/** "2025-02-16T09:48:14+08:00" → what the picker takes: "2025-02-16 09:48:14" (Beijing time). */
const pickerTime = (iso: string) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ')

test('the figures are the API’s beside the published ones; a day opens its hours and its flagged people', async ({ page, request }, testInfo) => {
  const problems = watchConsole(page)
  await signIn(page)
  const f = (await api(request, '/api/v1/health/figures')) as Figures
  await tid(page, 'menu-health').click()
  await expect(page).toHaveURL(/\/health$/)
  await expect(tid(page, 'menu-health')).toHaveText('疫情防控')

  await test.step('headline figures: records and published, with the scale', async () => {
    const scalePct = `${Math.round((f.totals.vehicle_checks / f.published.vehicle_checks) * 100)}%`
    for (const k of ['road_checkpoints', 'vehicle_checks', 'temperature_checks', 'domestic_arrivals', 'international_arrivals', 'observation', 'isolated']) {
      const card = tid(page, `health-figure-${k}`)
      await expect(card).toHaveAttribute('data-record', String(f.totals[k]))
      await expect(card).toHaveAttribute('data-published', String(f.published[k]))
      await expect(card.locator('[data-test="health-figure-record"]')).toHaveText(fmtInt(f.totals[k]))
      await expect(card).toContainText(zh.health.figures[k])
      if (f.totals[k] === f.published[k]) await expect(card).toContainText(zh.health.figures.equal)
      else await expect(card).toContainText(zh.health.figures.scaled.replace('{pct}', scalePct))
    }
    await expect(tid(page, 'health-figure-vehicle_checks').locator('[data-test="health-figure-published"]')).toHaveText('31.2万')
    await expect(tid(page, 'health-scale-note')).toContainText(scalePct)
    await expect(tid(page, 'health-figure-passes')).toContainText(fmtInt(f.totals.passes))
    await expect(tid(page, 'health-map')).toHaveAttribute('data-markers', String(f.checkpoints.length))
    await expect(page.locator('.hc-map path.leaflet-interactive.hc-dot')).toHaveCount(f.checkpoints.length)
    await page.screenshot({ path: testInfo.outputPath('health-zh-1440.png'), fullPage: true })
  })

  // The day with the most flagged passes, clicked on its bar.
  const busiest = f.daily.reduce((a, b) => (b.flagged > a.flagged ? b : a), f.daily[0])
  const other = f.daily[f.daily.length >> 1]
  await test.step('a click on a day’s bar shows its hours', async () => {
    const chart = tid(page, 'health-daily')
    await expect(chart).toHaveAttribute('data-bars', /\[\[/)
    const bars = JSON.parse((await chart.getAttribute('data-bars'))!) as [number, number, number, number][]
    const idx = f.daily.indexOf(other)
    const bar = bars.find((b) => b[1] === idx)!
    await chart.scrollIntoViewIfNeeded()
    await chart.click({ position: { x: bar[2], y: Math.max(bar[3], 40) } })
    const tp = await api(request, `/api/v1/health/throughput?day=${other.day}`)
    const sum = tp.hours.reduce((a: number, h: { passes: number }) => a + h.passes, 0)
    await expect(tid(page, 'health-hours-sum')).toHaveAttribute('data-passes', String(sum))
    expect(sum).toBe(other.passes)
  })

  await test.step('one checkpoint chosen by name', async () => {
    const airport = f.checkpoints.find((c) => c.kind === 'station')!
    const tp = await api(request, `/api/v1/health/throughput?day=${other.day}&checkpoint=${airport.code}`)
    const sum = tp.hours.reduce((a: number, h: { passes: number }) => a + h.passes, 0)
    await tid(page, 'health-checkpoint').click()
    await page.locator('.el-select-dropdown__item', { hasText: airport.name }).filter({ visible: true }).first().click()
    await expect(tid(page, 'health-hours-sum')).toHaveAttribute('data-passes', String(sum))
    await expect(tid(page, 'health-hours-sum')).toContainText(airport.name)
    // back to all checkpoints, and to the busiest day through the picker
    await tid(page, 'health-checkpoint').locator('.el-select__clear, .el-input__clear').first().click({ force: true }).catch(() => {})
  })

  await test.step('the flagged people of a day after a purpose, results in words', async () => {
    await tid(page, 'health-day-picker').locator(INPUT).fill(busiest.day)
    await tid(page, 'health-day-picker').locator(INPUT).press('Enter')
    await expect(tid(page, 'health-flagged-need')).toBeVisible()
    await tid(page, 'health-flagged-purpose').click()
    await expect(tid(page, 'registry-purpose-dialog')).toBeVisible()
    await tid(page, 'registry-purpose-input').locator(INPUT).fill(PURPOSE)
    await tid(page, 'registry-purpose-submit').click()
    const fl = await api(request, `/api/v1/health/flagged?day=${busiest.day}&limit=500`, { 'X-Purpose': PURPOSE })
    // (the checkpoint chosen above may still be set: read what the page asked)
    const total = tid(page, 'health-flagged-total')
    await expect(total).toHaveAttribute('data-total', /\d+/)
    const n = Number(await total.getAttribute('data-total'))
    expect(n).toBeGreaterThan(0)
    expect(n).toBeLessThanOrEqual(fl.total)
    const results = tid(page, 'health-flagged-result')
    await expect(results.first()).toHaveText(/^(留观|隔离)$/)
    expect(await tid(page, 'health-flagged-table').innerText()).toMatch(/[绿黄红]码/)
    expect(await pageText(page)).not.toMatch(RAW)
    await tid(page, 'health-flagged').scrollIntoViewIfNeeded()
    await page.screenshot({ path: testInfo.outputPath('health-flagged-zh-1440.png') })
  })
  expect(problems).toEqual([])
})

test('a trace asks for purpose and case number, lists the planted case’s contacts closest first, refuses a bad ID in words', async ({ page }, testInfo) => {
  const problems = watchConsole(page)
  await signIn(page)
  await page.goto('/health')
  const person = truth.case.person.replace(/^ID:/, '')
  const want = truth.contacts.filter((c) => c.person.startsWith('ID:'))

  await test.step('a bad ID number is refused in words', async () => {
    await tid(page, 'health-trace-id').locator(INPUT).fill(person.slice(0, 17) + (person[17] === '0' ? '1' : '0'))
    await tid(page, 'health-trace-time').locator(INPUT).fill(pickerTime(truth.case.confirmed_at))
    await tid(page, 'health-trace-time').locator(INPUT).press('Enter')
    await tid(page, 'health-trace-run').click()
    // purpose and case number first: an empty form is refused with the words of both
    const dialog = tid(page, 'context-dialog')
    await expect(dialog).toBeVisible()
    await tid(page, 'context-submit').click()
    await expect(dialog).toContainText(zh.errors.purpose_required)
    await expect(dialog).toContainText(zh.errors.case_no_required)
    await tid(page, 'context-purpose-input').locator(INPUT).fill(PURPOSE)
    await tid(page, 'context-case-no-input').locator(INPUT).fill(CASE_NO)
    await tid(page, 'context-submit').click()
    await expect(tid(page, 'health-trace-error')).toContainText(zh.health.errors.invalid_id_number)
    await expect(tid(page, 'context-case-no')).toHaveText(CASE_NO)
  })

  await test.step('the planted case: exactly the true contacts, a close contact first', async () => {
    await tid(page, 'health-trace-id').locator(INPUT).fill(person)
    await tid(page, 'health-trace-run').click()
    const result = tid(page, 'health-trace-result')
    await expect(result).toBeVisible({ timeout: 30_000 })
    await expect(tid(page, 'health-trace-error')).toHaveCount(0)
    await expect(result).toHaveAttribute('data-contacts', String(want.length))
    await expect(tid(page, 'health-trace-subject')).toHaveText(person)
    const first = tid(page, 'health-trace-contact').first()
    await expect(first).toHaveAttribute('data-close', '1')
    await expect(first.locator('[data-test="health-trace-kind-tag"]').first()).toHaveText(/^(同住|邻座)$/)
    const shown = await tid(page, 'health-trace-contact').evaluateAll((els) => els.map((e) => e.getAttribute('data-entity')))
    const more = await tid(page, 'health-trace-more').count()
    if (!more) expect(new Set(shown)).toEqual(new Set(want.map((c) => c.person)))
    else expect(shown.every((s) => want.some((c) => c.person === s))).toBe(true)
    await expect(tid(page, 'health-trace-expires')).toContainText(/保留至 \d{4}-\d{2}-\d{2}，到期自动删除/)
    await expect(tid(page, 'health-trace-map')).not.toHaveAttribute('data-markers', '0')
    await first.locator('.el-collapse-item__header').click()
    await expect(first.locator('[data-test="health-trace-evidence"]')).toContainText('房间')
    expect(await pageText(page)).not.toMatch(RAW)
    await tid(page, 'health-trace-summary').evaluate((e) => e.scrollIntoView({ block: 'start' }))
    await page.screenshot({ path: testInfo.outputPath('health-trace-zh-1440.png') })
  })

  await test.step('past traces reopen and delete', async () => {
    const id = await tid(page, 'health-trace-result').getAttribute('data-id')
    await expect(tid(page, 'health-traces-table')).toContainText(CASE_NO)
    await tid(page, 'health-trace-delete').click()
    await page.locator('.el-popconfirm').filter({ visible: true }).locator('.el-button--primary').click()
    await expect(tid(page, 'health-trace-result')).toHaveCount(0)
    const r = await page.request.get(`/api/v1/health/traces/${id}`, { headers: { Authorization: `Bearer ${token}`, 'X-Purpose': PURPOSE } })
    expect(r.status()).toBe(404)
  })
  expect(problems).toEqual([])
})

test('English on a 390-px phone: nothing wider than the screen, a trace in words', async ({ page }, testInfo) => {
  const problems = watchConsole(page)
  await page.setViewportSize({ width: 390, height: 844 })
  await signIn(page, 'en')
  await page.goto('/health')
  await expect(tid(page, 'health-page')).toContainText(en.health.title)
  await expect(tid(page, 'health-figure-vehicle_checks')).toContainText('312K')
  await expect(tid(page, 'health-map')).not.toHaveAttribute('data-markers', '0')
  await page.screenshot({ path: testInfo.outputPath('health-en-390.png'), fullPage: true })
  await tid(page, 'health-trace-id').locator(INPUT).fill(truth.case.person.replace(/^ID:/, ''))
  await tid(page, 'health-trace-time').locator(INPUT).fill(pickerTime(truth.case.confirmed_at))
  await tid(page, 'health-trace-time').locator(INPUT).press('Enter')
  await tid(page, 'health-trace-run').click()
  const dialog = tid(page, 'context-dialog')
  if (await dialog.isVisible().catch(() => false)) {
    await tid(page, 'context-purpose-input').locator(INPUT).fill(PURPOSE)
    await tid(page, 'context-case-no-input').locator(INPUT).fill(CASE_NO)
    await tid(page, 'context-submit').click()
  }
  await expect(tid(page, 'health-trace-result')).toBeVisible({ timeout: 30_000 })
  await expect(tid(page, 'health-trace-contact').first().locator('[data-test="health-trace-kind-tag"]').first()).toHaveText(/^(Same room|Near seat)$/)
  await expect(tid(page, 'health-trace-expires')).toContainText('Kept until')
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
  const card = await tid(page, 'health-page').boundingBox()
  expect(card!.x + card!.width).toBeLessThanOrEqual(390)
  expect(await pageText(page)).not.toMatch(RAW)
  await tid(page, 'health-trace-summary').evaluate((e) => e.scrollIntoView({ block: 'start' }))
  await page.screenshot({ path: testInfo.outputPath('health-trace-en-390.png') })
  await tid(page, 'health-trace-map').evaluate((e) => e.scrollIntoView({ block: 'start' }))
  await page.screenshot({ path: testInfo.outputPath('health-trace-map-en-390.png') })
  // clean up: the trace of this run
  const id = await tid(page, 'health-trace-result').getAttribute('data-id')
  await page.request.delete(`/api/v1/health/traces/${id}`, { headers: { Authorization: `Bearer ${token}` } })
  expect(problems).toEqual([])
})
