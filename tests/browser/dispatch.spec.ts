import { expect, test, type Browser, type Page } from '@playwright/test'

// Two dispatchers on the live board: one records an incident with the
// keyboard, sees the recommendations, dispatches the nearest unit; the other
// sees the incident and the dispatch within a second without reloading.

function env(name: string): string {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}
const dispatcher = { user: env('JINGWU_DISPATCHER_USER'), password: env('JINGWU_DISPATCHER_PASSWORD') }
const tid = (page: Page, id: string) => page.locator(`[data-test="${id}"]`)

async function signedIn(browser: Browser): Promise<Page> {
  const ctx = await browser.newContext()
  const page = await ctx.newPage()
  await page.goto('/login')
  await tid(page, 'login-username').fill(dispatcher.user)
  await tid(page, 'login-password').fill(dispatcher.password)
  await tid(page, 'login-submit').click()
  await expect(page).toHaveURL(/\/home$/)
  return page
}

async function api(page: Page, method: 'GET' | 'POST', path: string, data?: unknown) {
  const token = await page.evaluate(() => sessionStorage.getItem('jingwu.token'))
  const res = await page.request.fetch(path, { method, data, headers: { Authorization: `Bearer ${token}` } })
  expect(res.ok(), `${method} ${path}: ${res.status()} ${await res.text()}`).toBeTruthy()
  return res.json()
}

test('a dispatcher records an incident and dispatches the nearest unit; a second dispatcher sees it live', async ({ browser }, testInfo) => {
  const a = await signedIn(browser)
  const b = await signedIn(browser)
  const tag = Date.now().toString(36).slice(-4).toUpperCase()
  // A fresh spot per run, so that units left by an earlier run on the same server are far away.
  const scene = { lat: +(19.9 + Math.random() * 0.15).toFixed(4), lon: +(110.2 + Math.random() * 0.3).toFixed(4) }
  // Three units: the nearest free one must come first.
  const far = await api(a, 'POST', '/api/v1/dispatch/units', { call_sign: `琼A-${tag}3`, type: 'patrol_car', lat: scene.lat + 0.02, lon: scene.lon })
  const near = await api(a, 'POST', '/api/v1/dispatch/units', { call_sign: `琼A-${tag}1`, type: 'patrol_car', lat: scene.lat + 0.001, lon: scene.lon })
  const mid = await api(a, 'POST', '/api/v1/dispatch/units', { call_sign: `琼A-${tag}2`, type: 'motorcycle', lat: scene.lat - 0.006, lon: scene.lon })

  await test.step('both open the board; it is live', async () => {
    for (const p of [a, b]) {
      await tid(p, 'menu-dispatch').click()
      await expect(p).toHaveURL(/\/dispatch$/)
      await expect(tid(p, 'dispatch-board')).toBeVisible()
      await expect(tid(p, 'dispatch-live-status')).toHaveAttribute('data-status', 'open')
    }
  })

  let incidentId = 0
  await test.step('A records an incident without the mouse', async () => {
    await a.locator('body').press('n')
    await expect(tid(a, 'new-incident-form')).toBeVisible()
    await tid(a, 'new-lat').fill(String(scene.lat))
    await tid(a, 'new-lon').fill(String(scene.lon))
    await tid(a, 'new-phone').fill('13800138000')
    await tid(a, 'new-address').fill(`美兰区海府路 ${tag} 号`)
    const created = a.waitForResponse((r) => r.url().endsWith('/api/v1/dispatch/incidents') && r.request().method() === 'POST')
    await tid(a, 'new-address').press('Enter')
    const res = await created
    expect(res.status()).toBe(201)
    incidentId = (await res.json()).id
    await expect(tid(a, 'new-incident-form')).toBeHidden()
  })

  await test.step('B sees the new incident within a second', async () => {
    await expect(b.locator(`[data-test="incident-row"][data-id="${incidentId}"]`)).toHaveAttribute('data-status', 'received', { timeout: 1000 })
  })

  await test.step('A sees the recommendations, nearest first, with reasons', async () => {
    await expect(tid(a, 'detail-status')).toHaveAttribute('data-status', 'received')
    const units = tid(a, 'rec-unit')
    await expect(units.first()).toHaveAttribute('data-unit', String(near.id))
    const ids = await units.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-unit'))))
    expect(ids.indexOf(near.id)).toBeLessThan(ids.indexOf(mid.id))
    expect(ids.indexOf(mid.id)).toBeLessThan(ids.indexOf(far.id))
    await expect(tid(a, 'rec-reason').first()).toContainText('0.1 公里')
    await expect(tid(a, 'caller-phone')).toHaveText('138****8000')
    await a.screenshot({ path: testInfo.outputPath('dispatch-board.png') })
  })

  await test.step('A dispatches the nearest unit with one click; both boards update', async () => {
    const dispatched = a.waitForResponse((r) => /\/assignments$/.test(r.url()) && r.request().method() === 'POST')
    await tid(a, 'rec-dispatch').first().click()
    expect((await dispatched).status()).toBe(200)
    await expect(b.locator(`[data-test="incident-row"][data-id="${incidentId}"]`)).toHaveAttribute('data-status', 'dispatched', { timeout: 1000 })
    await expect(b.locator(`[data-test="unit-status"][data-unit="${near.id}"]`)).toHaveAttribute('data-status', 'assigned', { timeout: 1000 })
    await expect(a.locator(`[data-test="assignment"][data-unit="${near.id}"]`)).toHaveAttribute('data-state', 'assigned')
    await expect(tid(a, 'rec-unit').first()).not.toHaveAttribute('data-unit', String(near.id))
  })

  await test.step('B acknowledges for the unit, closes with a disposition; A sees the unit released', async () => {
    await b.locator(`[data-test="incident-row"][data-id="${incidentId}"]`).click()
    await expect(b.locator(`[data-test="assignment"][data-unit="${near.id}"]`)).toBeVisible()
    await tid(b, 'assignment-next').first().click()
    await expect(a.locator(`[data-test="assignment"][data-unit="${near.id}"]`)).toHaveAttribute('data-state', 'acknowledged', { timeout: 1000 })
    await tid(b, 'close-disposition').click()
    await b.locator('.el-select-dropdown__item').filter({ hasText: '现场处置完毕' }).click()
    await tid(b, 'close-submit').click()
    await expect(a.locator(`[data-test="unit-status"][data-unit="${near.id}"]`)).toHaveAttribute('data-status', 'available', { timeout: 1000 })
    await expect(a.locator(`[data-test="incident-row"][data-id="${incidentId}"]`)).toHaveAttribute('data-status', 'closed', { timeout: 1000 })
    await expect(tid(a, 'timeline-event').last()).toHaveAttribute('data-kind', 'incident.closed')
  })

  await test.step('the map and KPI pages render', async () => {
    await a.getByRole('tab', { name: '地图' }).click()
    await expect(tid(a, 'dispatch-map').locator('.leaflet-overlay-pane canvas').first()).toBeVisible()
    await a.screenshot({ path: testInfo.outputPath('dispatch-map.png') })
    await a.getByRole('tab', { name: '绩效考核' }).click()
    await expect(tid(a, 'kpi-table')).toBeVisible()
    await expect(tid(a, 'dispatch-kpi').locator('canvas').first()).toBeVisible()
    await a.screenshot({ path: testInfo.outputPath('dispatch-kpi.png') })
  })
})
