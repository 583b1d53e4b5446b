import { readFile } from 'node:fs/promises'
import { expect, test, type Locator, type Page } from '@playwright/test'

// 大数据实战 end to end, against a server whose data folder holds generated
// records with planted scenarios; JINGWU_TRUTH names the generator's truth
// file (JSON). The analyst states a purpose and a case number, builds the first
// planted collision's windows through the UI (place picker, time range), finds
// every planted suspect with one evidence row per window, then opens a
// suspect's trajectory: at least one event per window, and markers on the map.

interface Truth {
  collisions: { windows: { place: string; from: string; to: string }[]; suspects: string[] }[]
}

const truthFile = process.env.JINGWU_TRUTH

const tid = (scope: Page | Locator, id: string) => scope.locator(`[data-test="${id}"]`)

function env(name: string): string {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}

async function login(page: Page, user: string, password: string): Promise<void> {
  await page.goto('/login')
  await tid(page, 'login-username').fill(user)
  await tid(page, 'login-password').fill(password)
  await tid(page, 'login-submit').click()
  await expect(page).toHaveURL(/\/home$/)
}

/** A truth time as the picker's inputs take it: "YYYY-MM-DD HH:mm:ss", Beijing time. */
function pickerTime(s: string): string {
  if (!/(Z|[+-]\d\d:?\d\d)$/i.test(s)) return s.slice(0, 19).replace('T', ' ')
  const p: Record<string, string> = {}
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  })
  for (const part of f.formatToParts(new Date(s))) p[part.type] = part.value
  return `${p.year}-${p.month}-${p.day} ${p.hour === '24' ? '00' : p.hour}:${p.minute}:${p.second}`
}

test.skip(!truthFile, 'JINGWU_TRUTH is not set: no planted scenarios to look for')

test('collision finds the planted suspects; their trajectory shows the windows on the map', async ({ page }, testInfo) => {
  const truth = JSON.parse(await readFile(truthFile!, 'utf8')) as Truth
  const scenario = truth.collisions?.[0]
  expect(scenario, 'the truth file has a collision scenario').toBeTruthy()
  const n = scenario.windows.length
  expect(n).toBeGreaterThan(0)
  expect(scenario.suspects.length).toBeGreaterThan(0)

  await login(page, env('JINGWU_ANALYST_USER'), env('JINGWU_ANALYST_PASSWORD'))

  await test.step('the menu entry opens the section; the collision page states purpose and case number', async () => {
    await page.goto('/bigdata')
    await expect(tid(page, 'bigdata-page')).toBeVisible()
    await tid(page, 'bigdata-link-collision').click()
    await expect(page).toHaveURL(/\/bigdata\/collision/)
    await expect(tid(page, 'collision-page')).toBeVisible()

    await tid(page, 'context-edit').click()
    await tid(page, 'context-purpose-input').fill('测试碰撞')
    await tid(page, 'context-case-no-input').fill('A4601002025000123')
    await tid(page, 'context-submit').click()
    await expect(tid(page, 'context-purpose')).toHaveText('测试碰撞')
    await expect(tid(page, 'context-case-no')).toHaveText('A4601002025000123')
  })

  await test.step(`the ${n} windows of the first planted scenario are entered through the UI`, async () => {
    const rows = tid(page, 'collision-window')
    while ((await rows.count()) < n) await tid(page, 'window-add').click()
    while ((await rows.count()) > n) await tid(rows.last(), 'window-remove').click()
    await expect(rows).toHaveCount(n)

    for (let i = 0; i < n; i++) {
      const w = scenario.windows[i]
      const row = rows.nth(i)
      // The place: type its code into the picker and choose it from the list.
      await tid(row, 'place-picker').click()
      await tid(row, 'place-picker').locator('input').fill(w.place)
      const option = page.locator(`[data-test="place-option"][data-code="${w.place}"]:visible`)
      await expect(option).toHaveCount(1)
      await option.click()
      await expect(tid(row, 'place-picker')).toContainText(w.place)

      // The time range: type into the picker's two inputs, Enter to accept.
      const start = row.locator('input.el-range-input').nth(0)
      const end = row.locator('input.el-range-input').nth(1)
      await start.fill(pickerTime(w.from))
      await end.fill(pickerTime(w.to))
      await end.press('Enter')
      await page.keyboard.press('Escape')
      await expect(start).toHaveValue(pickerTime(w.from))
      await expect(end).toHaveValue(pickerTime(w.to))
    }
    await expect(tid(page, 'collision-min').locator('input')).toHaveValue(String(n))
  })

  await test.step('running it finds every planted suspect, each with one evidence row per window', async () => {
    const sent = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/analysis/collision' && r.method() === 'POST')
    await tid(page, 'collision-run').click()
    const req = await sent
    const purpose = (await req.headerValue('x-purpose')) ?? ''
    expect(decodeURIComponent(purpose.replace(/^UTF-8''/i, ''))).toBe('测试碰撞')
    expect(await req.headerValue('x-case-no')).toBe('A4601002025000123')
    const body = req.postDataJSON() as { windows: { place: string }[] }
    expect(body.windows.map((w) => w.place)).toEqual(scenario.windows.map((w) => w.place))

    await expect(tid(page, 'analysis-error')).toHaveCount(0)
    await expect(tid(page, 'collision-results')).toBeVisible({ timeout: 60_000 })
    await expect(tid(page, 'analysis-running')).toHaveCount(0, { timeout: 60_000 })
    for (const ref of scenario.suspects) {
      await expect(page.locator(`[data-test="result-ref"][data-ref="${ref}"]`), `suspect ${ref} is found`).toBeVisible()
    }

    const ref = scenario.suspects[0]
    const resultRow = tid(page, 'collision-results').locator('tr.el-table__row', { has: page.locator(`[data-test="result-ref"][data-ref="${ref}"]`) })
    await expect(resultRow.locator('[data-test="result-matched"]')).toHaveText(`${n}/${n}`)
    await resultRow.locator('.el-table__expand-icon').click()
    const evidence = tid(page, 'collision-evidence')
    await expect(evidence).toHaveCount(1)
    await expect(tid(evidence, 'evidence-row')).toHaveCount(n)
    await page.screenshot({ path: testInfo.outputPath('collision.png'), fullPage: true })
  })

  await test.step("a suspect's trajectory shows at least one event per window, and the places on the map", async () => {
    const ref = scenario.suspects[0]
    await page.goto(`/bigdata/trajectory?entity=${encodeURIComponent(ref)}`)
    await expect(tid(page, 'trajectory-page')).toBeVisible()
    // The purpose and case number are remembered for the session: the query runs at once.
    await expect(tid(page, 'context-purpose')).toHaveText('测试碰撞')
    await expect(tid(page, 'trajectory-timeline')).toBeVisible({ timeout: 60_000 })
    await expect(tid(page, 'analysis-error')).toHaveCount(0)
    await expect.poll(() => tid(page, 'timeline-row').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(n)
    const places = new Set(scenario.windows.map((w) => w.place))
    const seen = new Set(await tid(page, 'timeline-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-place') ?? '')))
    for (const p of places) expect(seen.has(p), `the trajectory passes through ${p}`).toBe(true)
    await expect.poll(() => tid(page, 'analysis-map').locator('[data-test="map-marker"]').count()).toBeGreaterThan(0)

    // Clicking a row highlights its place's marker.
    await tid(page, 'timeline-row').first().click()
    await expect(tid(page, 'analysis-map').locator('.bd-marker.on')).toHaveCount(1)
    await page.screenshot({ path: testInfo.outputPath('trajectory.png'), fullPage: true })
  })
})
