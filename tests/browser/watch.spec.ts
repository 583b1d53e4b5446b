import { expect, test, type APIRequestContext, type Locator, type Page } from '@playwright/test'

// 布控预警 in the browser: an investigator requests a watchlist entry through
// the form, a commander approves it (API), an admin uploads a matching
// checkpoint pass (API), and the investigator's top-bar badge and alerts page
// receive the alert live, without reloading.
// Needs JINGWU_ANALYST_USER/PASSWORD (investigator), JINGWU_COMMANDER_USER/PASSWORD
// and JINGWU_ADMIN_USER/PASSWORD (sources.write); skipped otherwise.

const tid = (scope: Page | Locator, id: string) => scope.locator(`[data-test="${id}"]`)
const need = ['JINGWU_ANALYST_USER', 'JINGWU_COMMANDER_USER', 'JINGWU_ADMIN_USER']
test.skip(need.some((n) => !process.env[n]), `${need.join(', ')} are needed`)

async function token(request: APIRequestContext, user: string, password: string): Promise<string> {
  const r = await request.post('/api/v1/auth/login', { data: { username: user, password } })
  expect(r.status(), await r.text()).toBe(200)
  return (await r.json()).token as string
}

test('a live alert reaches the requesting officer after a matching row is ingested', async ({ page, request }) => {
  const plate = `琼A${Math.floor(10000 + Math.random() * 89999)}`
  await page.goto('/login')
  await tid(page, 'login-username').fill(process.env.JINGWU_ANALYST_USER!)
  await tid(page, 'login-password').fill(process.env.JINGWU_ANALYST_PASSWORD!)
  await tid(page, 'login-submit').click()
  await expect(page).toHaveURL(/\/home$/)

  await tid(page, 'menu-watch').click()
  await expect(tid(page, 'watch-page')).toBeVisible()
  await tid(page, 'watch-entity').fill(`PLATE:${plate}`)
  await tid(page, 'watch-reason').fill('涉嫌盗抢车辆')
  await tid(page, 'watch-legal-basis').fill('《公安机关办理刑事案件程序规定》')
  const tomorrow = new Date(Date.now() + 2 * 86400000).toISOString().slice(0, 10)
  const expires = tid(page, 'watch-expires').locator('input')
  await expires.fill(tomorrow)
  await expires.press('Enter')
  await tid(page, 'watch-submit').click()
  const row = tid(page, 'watch-row-entity').filter({ hasText: plate })
  await expect(row).toBeVisible()
  const id = Number(await row.getAttribute('data-id'))
  await expect(tid(page, 'watch-row-status').first()).toHaveAttribute('data-status', 'pending')

  const cmd = await token(request, process.env.JINGWU_COMMANDER_USER!, process.env.JINGWU_COMMANDER_PASSWORD!)
  const ok = await request.post(`/api/v1/watchlist/${id}/approve`, { headers: { Authorization: `Bearer ${cmd}` }, data: {} })
  expect(ok.status(), await ok.text()).toBe(200)

  await expect(tid(page, 'alert-badge')).toHaveAttribute('data-status', 'open')
  const before = Number(await tid(page, 'alert-badge').getAttribute('data-count'))
  const admin = await token(request, process.env.JINGWU_ADMIN_USER!, process.env.JINGWU_ADMIN_PASSWORD!)
  const places = await request.get('/api/v1/places?kind=checkpoint&limit=1', { headers: { Authorization: `Bearer ${admin}` } })
  const cp = (await places.json()).places[0].code as string
  const csv = `plate,plate_color,checkpoint_code,passed_at,direction,speed_kmh\n${plate},蓝,${cp},2026-02-01T08:00:00,IN,40\n`
  const up = await request.post('/api/v1/sources/vehicle_pass/records', {
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'text/csv' },
    data: csv,
  })
  expect(up.status(), await up.text()).toBe(200)
  await expect(tid(page, 'alert-badge')).toHaveAttribute('data-count', String(before + 1), { timeout: 3000 })

  await tid(page, 'alert-badge').click()
  await expect(tid(page, 'alerts-page')).toBeVisible()
  await expect(tid(page, 'alert-entity').filter({ hasText: plate })).toBeVisible()
})
