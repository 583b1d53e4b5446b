import { readFile } from 'node:fs/promises'
import { expect, test, type Page, type Request } from '@playwright/test'

// 数读 and the case pages end to end, against a server whose data folder holds
// the demo records (jingwu gen + cases import): the public page without signing
// in shows the published figures; the analyst's dashboard drills down from a
// year-over-year bar to exactly the records behind it; a case shows its
// suspects (masked, then in full with a stated purpose) and its history, and an
// edit lands in the history as old → new.

function env(name: string): string {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}

const analyst = { user: env('JINGWU_ANALYST_USER'), password: env('JINGWU_ANALYST_PASSWORD') }

const tid = (page: Page, id: string) => page.locator(`[data-test="${id}"]`)
const num = (s: string | null) => Number((s ?? '').replace(/[^\d.]/g, ''))

async function login(page: Page, user: string, password: string): Promise<void> {
  await page.goto('/login')
  await tid(page, 'login-username').fill(user)
  await tid(page, 'login-password').fill(password)
  await tid(page, 'login-submit').click()
  await expect(page).toHaveURL(/\/home$/)
}

test('public statistics without login; dashboard drill-down to the records; case history', async ({ page }, testInfo) => {
  await test.step('the login page links to the public statistics page', async () => {
    await page.goto('/login')
    await expect(tid(page, 'login-public-stats')).toBeVisible()
  })

  await test.step('the public page shows the published figures without signing in', async () => {
    const api: string[] = []
    const onRequest = (r: Request) => {
      const u = new URL(r.url())
      if (u.pathname.startsWith('/api/')) api.push(u.pathname)
    }
    page.on('request', onRequest)
    await tid(page, 'login-public-stats').click()
    await expect(page).toHaveURL(/\/public\/stats$/)
    expect(await page.evaluate(() => sessionStorage.getItem('jingwu.token'))).toBeNull()

    const criminal = tid(page, 'public-headline-criminal')
    await expect(criminal.locator('[data-test="headline-base"]')).toHaveText('15,862')
    await expect(criminal.locator('[data-test="headline-target"]')).toHaveText('10,325')
    await expect(criminal.locator('[data-test="headline-pct"]')).toHaveText('\u221234.9%')
    const order = tid(page, 'public-headline-public_order')
    await expect(order.locator('[data-test="headline-base"]')).toHaveText('22,557')
    await expect(order.locator('[data-test="headline-target"]')).toHaveText('16,805')
    await expect(order.locator('[data-test="headline-pct"]')).toHaveText('\u221225.5%')
    await expect(page.getByText('15,862').first()).toBeVisible()
    await expect(page.getByText('10,325').first()).toBeVisible()
    await expect(page.getByText('\u221234.9%').first()).toBeVisible()

    await expect(tid(page, 'public-table-cases')).toContainText('15,862')
    await expect(tid(page, 'public-death-rate-2015')).not.toHaveText('—')
    await expect(tid(page, 'public-basis-cases')).not.toBeEmpty()
    await expect(tid(page, 'suppression-note')).toContainText('<5')
    // Few mafia-type gangs per year: those cells rest on 1-4 records and are withheld.
    await expect(tid(page, 'public-table-gangs')).toContainText('<5')
    await page.screenshot({ path: testInfo.outputPath('public-stats.png'), fullPage: true })

    page.off('request', onRequest)
    expect(api.length).toBeGreaterThan(0)
    expect(api.filter((p) => !p.startsWith('/api/v1/public/')), 'only public endpoints').toEqual([])
  })

  await test.step('the analyst opens the dashboard; every figure states its basis', async () => {
    await login(page, analyst.user, analyst.password)
    await tid(page, 'menu-stats').click()
    await expect(page).toHaveURL(/\/stats$/)
    const criminal = tid(page, 'headline-criminal')
    await expect(criminal.locator('[data-test="headline-base"]')).toHaveText('15,862')
    await expect(criminal.locator('[data-test="headline-target"]')).toHaveText('10,325')
    await expect(criminal.locator('[data-test="headline-pct"]')).toHaveText('\u221234.9%')
    await expect(tid(page, 'headline-public_order').locator('[data-test="headline-pct"]')).toHaveText('\u221225.5%')
    for (const k of ['headline', 'trend', 'yoy', 'district', 'category', 'clearance', 'death-rate', 'gangs']) {
      await expect(tid(page, `basis-note-${k}`).first()).toContainText(/\S{4,}/)
    }
    await expect(tid(page, 'vehicles-basis')).not.toBeEmpty()
    await expect(tid(page, 'table-yoy')).toBeVisible()
  })

  await test.step('the CSV export downloads the figures of a chart', async () => {
    const download = page.waitForEvent('download')
    await tid(page, 'stats-export').click()
    const d = await download
    expect(d.suggestedFilename()).toMatch(/\.csv$/)
    const text = await readFile(await d.path(), 'utf8')
    expect(text.split('\n')[0]).toContain('period')
    expect(text).toContain('2015,criminal,15862')
  })

  let expected = 0
  await test.step('clicking a year-over-year bar lands on the records behind it', async () => {
    // March 2019, criminal cases: the bar of the chosen year (series 1, index 2).
    const cell = tid(page, 'yoy-link-2019-03')
    await expect(cell).not.toHaveText('—')
    expected = num(await cell.textContent())
    expect(expected).toBeGreaterThan(0)

    const host = tid(page, 'chart-yoy').locator('.echart')
    // Published once the figures are drawn (bars without a value are left out).
    await expect(host).toHaveAttribute('data-bars', /\[1,2,\d+,\d+\]/)
    const bars = JSON.parse((await host.getAttribute('data-bars')) ?? '[]') as [number, number, number, number][]
    const bar = bars.find(([s, i]) => s === 1 && i === 2)
    expect(bar, 'the March 2019 bar is drawn').toBeTruthy()
    await host.scrollIntoViewIfNeeded()
    const box = (await host.boundingBox())!
    await page.screenshot({ path: testInfo.outputPath('dashboard.png') })
    // Hover first (ECharts highlights the bar), then click it.
    await page.mouse.move(box.x + bar![2], box.y + bar![3])
    await page.waitForTimeout(300)
    await page.mouse.click(box.x + bar![2], box.y + bar![3])

    await expect(page).toHaveURL(/\/cases\?/)
    const url = new URL(page.url())
    expect(url.searchParams.get('kind')).toBe('criminal')
    expect(url.searchParams.get('from')).toBe('2019-03-01')
    expect(url.searchParams.get('to')).toBe('2019-04-01')
    expect(url.searchParams.get('basis')).toBe('filed')
    await expect(tid(page, 'cases-total')).toHaveAttribute('data-total', String(expected))
    await expect(tid(page, 'cases-active-range')).toContainText('2019-03-01')
    await expect(tid(page, 'case-link').first()).toBeVisible()
    await page.screenshot({ path: testInfo.outputPath('cases.png') })
  })

  await test.step('the table link under the chart leads to the same records', async () => {
    await page.goBack()
    await expect(page).toHaveURL(/\/stats$/)
    await tid(page, 'yoy-link-2019-03').click()
    await expect(page).toHaveURL(/\/cases\?/)
    await expect(tid(page, 'cases-total')).toHaveAttribute('data-total', String(expected))
  })

  await test.step('a case shows its record, masked suspects and its history', async () => {
    await tid(page, 'case-link').first().click()
    await expect(page).toHaveURL(/\/cases\/\d+$/)
    await expect(tid(page, 'case-no')).toHaveText(/^A\d+/)
    await expect(tid(page, 'case-history').locator('[data-test="history-entry"]').first()).toBeVisible()
    const ids = tid(page, 'suspect-id')
    if ((await ids.count()) > 0) {
      await expect(ids.first()).toContainText('*')
      await tid(page, 'suspects-reveal').click()
      await tid(page, 'purpose-input').fill('案件核查')
      await tid(page, 'purpose-submit').click()
      await expect(tid(page, 'suspects-unmasked')).toBeVisible()
      await expect(ids.first()).toHaveText(/^\d{17}[\dX]$/)
    }
  })

  await test.step('an edit lands in the history as old → new', async () => {
    const before = await tid(page, 'case-history').locator('[data-test="history-entry"]').count()
    await tid(page, 'case-edit').click()
    await expect(page).toHaveURL(/\/cases\/\d+\/edit$/)
    const place = tid(page, 'form-place')
    await expect(place).not.toHaveValue('')
    const newPlace = `浏览器测试地点 ${Date.now()}`
    await place.fill(newPlace)
    await tid(page, 'case-form-submit').click()
    await expect(page).toHaveURL(/\/cases\/\d+$/)
    const entries = tid(page, 'case-history').locator('[data-test="history-entry"]')
    await expect(entries).toHaveCount(before + 1)
    await expect(entries.first()).toContainText('地点')
    await expect(entries.first()).toContainText(newPlace)
    await expect(entries.first()).toContainText('→')
    await page.screenshot({ path: testInfo.outputPath('case-detail.png'), fullPage: true })
  })
})
