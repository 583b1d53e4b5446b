import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { env, genDir, parseCsv, tid, truthFile } from './helpers'

// 采集核查 and 完整率 end to end, on a phone-sized screen, against a server whose
// data folder holds the generated city's registries (jingwu gen + jingwu
// registry import) with the data clock at the generated year's end
// (config.json stays.as_of = truth.json stays.as_of: the registry's task clock
// follows it). registry_truth.json, beside truth.json, names what gen
// planted: a tenant whose rental ended while the residents register still
// lists them in the room (ended_rentals_still_listed) and the group rentals.
//
// The community officer (service_clerk: registry.read + registry.write) sees
// the city's group rentals on the completeness dashboard, picks the tenant's
// community by name, states a purpose, generates the tasks, finds the
// "lease ended, move-out unconfirmed" task for that tenant, verifies it as
// moved out, and finds it among the checked tasks; the residents API (read as
// an investigator) then no longer lists the tenant as living there.




interface RegistryTruth {
  as_of: string
  group_rentals: string[]
  ended_rentals_still_listed: string[]
  recent_rentals: string[]
}

test.skip(!truthFile, 'JINGWU_TRUTH is not set: no generated registries to look at')

test('a community officer verifies a move-out on a phone, and the dashboard counts the group rentals', async ({ page, request }, testInfo) => {
  const violations: string[] = []
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (load|execute|apply|connect)/i.test(m.text())) violations.push(m.text())
  })
  page.on('pageerror', (e) => violations.push(String(e)))

  const truth = JSON.parse(await readFile(join(genDir, 'registry_truth.json'), 'utf8')) as RegistryTruth
  expect(truth.ended_rentals_still_listed.length, 'gen planted a tenant still listed after the rental ended').toBeGreaterThan(0)
  const tenant = truth.ended_rentals_still_listed[0]
  // The tenant's ended rental (rentals.csv) names the room; the residents register still lists them there.
  const rentals = parseCsv(await readFile(join(genDir, 'rentals.csv'), 'utf8'))
  const rental = rentals.find((r) => r.tenant === tenant && r.end_date)!
  expect(rental, `rentals.csv has the ended rental of ${tenant}`).toBeTruthy()
  const room = rental.address_code
  const community = room.slice(0, 12)

  // An investigator's session for the residents API (the clerk may not read personal data).
  const login = await request.post('/api/v1/auth/login', {
    data: { username: env('JINGWU_ANALYST_USER'), password: env('JINGWU_ANALYST_PASSWORD') },
  })
  expect(login.status(), await login.text()).toBe(200)
  const investigator = { Authorization: `Bearer ${(await login.json()).token}`, 'X-Purpose': 'browser test: move-out check' }
  type Resident = { person: string; moved_out_at: string | null }
  const residents = async (): Promise<Resident[]> => {
    const res = await request.get(`/api/v1/registry/residents?address=${room}&all=1`, { headers: investigator })
    expect(res.status(), await res.text()).toBe(200)
    return (await res.json()).items as Resident[]
  }
  expect((await residents()).some((r) => r.person === tenant && !r.moved_out_at), 'before: the tenant is listed as living in the room').toBe(true)

  await page.setViewportSize({ width: 390, height: 844 })
  await page.goto('/login')
  await tid(page, 'login-username').fill(env('JINGWU_CLERK_USER'))
  await tid(page, 'login-password').fill(env('JINGWU_CLERK_PASSWORD'))
  await tid(page, 'login-submit').click()
  await expect(page).toHaveURL(/\/home$/)
  const token = await page.evaluate(() => sessionStorage.getItem('jingwu.token'))
  const clerk = { Authorization: `Bearer ${token}` }

  await test.step(`the completeness dashboard counts ${truth.group_rentals.length} group rentals in the city`, async () => {
    await page.goto('/registry?tab=completeness')
    const dash = tid(page, 'registry-completeness')
    await expect(dash).toBeVisible()
    await expect(dash.locator('[data-test="completeness-row"]')).toHaveCount(4)
    const total = dash.locator('[data-test="completeness-total"][data-key="group_rentals"] [data-test="completeness-total-value"]')
    await expect(total).toHaveText(String(truth.group_rentals.length))
    await expect(tid(page, 'completeness-cell-group_rentals')).toHaveText(String(truth.group_rentals.length))
    // The districts' group rentals add up to the planted rooms, each in its own district.
    for (const d of ['460105', '460106', '460107', '460108']) {
      const n = truth.group_rentals.filter((c) => c.startsWith(d)).length
      await expect(dash.locator(`[data-test="completeness-row"][data-code="${d}"] [data-test="completeness-row-group-rentals"]`)).toContainText(String(n))
    }
    await expect(tid(page, 'completeness-basis')).toContainText('5 人')
    // Clicking a district drills down to its streets.
    const district = room.slice(0, 6)
    await dash.locator(`[data-test="completeness-row"][data-code="${district}"]`).click()
    await expect(dash).toHaveAttribute('data-under', district)
    await expect(dash.locator(`[data-test="completeness-row"][data-code="${room.slice(0, 9)}"]`)).toBeVisible()
    await page.screenshot({ path: testInfo.outputPath('completeness-phone.png'), fullPage: true })
  })

  await test.step('the officer opens 采集核查 from the menu and picks the community by name', async () => {
    const res = await request.get(`/api/v1/registry/addresses/${community}`, { headers: clerk })
    expect(res.status()).toBe(200)
    const name = (await res.json()).name as string
    await tid(page, 'menu-verify').click()
    await expect(page).toHaveURL(/\/verify/)
    await expect(tid(page, 'verify-picker')).toBeVisible()
    await tid(page, 'verify-community-search').fill(name)
    await page.locator(`[data-test="verify-community-hits"] [data-test="verify-community-option"][data-code="${community}"]`).click()
    await expect(tid(page, 'verify-page')).toHaveAttribute('data-community', community)
    await expect(tid(page, 'verify-community-name')).toHaveText(name)
    // The list names people: a purpose first (one tap on the suggestion).
    await expect(tid(page, 'registry-purpose-dialog')).toBeVisible()
    await tid(page, 'registry-purpose-suggestion').first().click()
    await tid(page, 'registry-purpose-submit').click()
    await expect(tid(page, 'verify-purpose-text')).not.toBeEmpty()
  })

  const task = page.locator(`[data-test="verify-task"][data-kind="moved_out_unconfirmed"][data-person="${tenant}"]`)

  await test.step('generating the tasks makes the move-out check for the planted tenant', async () => {
    await tid(page, 'verify-generate').click()
    await expect(tid(page, 'verify-generated')).toBeVisible()
    await expect(task).toHaveCount(1)
    await expect(task.locator('.t-name')).toHaveText(rental.tenant_name)
    await expect(task).toContainText(rental.end_date)
    // Nothing sideways on a phone.
    const card = await tid(page, 'verify-page').boundingBox()
    expect(card!.x + card!.width).toBeLessThanOrEqual(390)
    await page.screenshot({ path: testInfo.outputPath('verify-tasks-phone.png') })
  })

  const openBefore = Number(await tid(page, 'verify-count-open').textContent())
  let taskId = ''

  await test.step('the officer opens the task and records 已搬离', async () => {
    taskId = (await task.getAttribute('data-task'))!
    // Other open tasks of the same person in the room (the records may also say "no rental registration").
    const others = (await page.locator(`[data-test="verify-room"][data-code="${room}"] [data-test="verify-task"][data-person="${tenant}"]`).count()) - 1
    await task.click()
    const sheet = tid(page, 'verify-sheet')
    await expect(sheet).toBeVisible()
    await expect(tid(page, 'verify-sheet-name')).toHaveText(rental.tenant_name)
    await expect(tid(page, 'verify-sheet-person')).toContainText('*')
    // The two results this kind takes, in words, as big buttons.
    const results = page.locator('[data-test="verify-result"]')
    await expect(results).toHaveCount(2)
    await expect(page.locator('[data-test="verify-result"][data-result="moved_out"]')).toContainText('已搬离')
    await expect(page.locator('[data-test="verify-result"][data-result="still_living"]')).toContainText('仍在居住')
    const box = await page.locator('[data-test="verify-result"][data-result="moved_out"]').boundingBox()
    expect(box!.height, 'a result is a big touch target').toBeGreaterThanOrEqual(44)
    await expect(tid(page, 'verify-submit')).toBeDisabled()
    await page.locator('[data-test="verify-result"][data-result="moved_out"]').click()
    await tid(page, 'verify-note').fill('房东称租约到期后已搬走')
    await page.screenshot({ path: testInfo.outputPath('verify-sheet-phone.png') })
    await tid(page, 'verify-submit').click()
    // A move-out also answers the person's other open checks in this room (the
    // planted tenant has no current rental either): they leave the list with it.
    await expect(sheet).toBeHidden()
    await expect(task).toHaveCount(0)
    await expect(page.locator(`[data-test="verify-room"][data-code="${room}"] [data-test="verify-task"][data-person="${tenant}"]`))
      .toHaveCount(0)
    await expect(tid(page, 'verify-count-open')).toHaveText(String(openBefore - 1 - others))
  })

  await test.step('the task is among the checked ones, with who and when', async () => {
    await tid(page, 'verify-view-done').click()
    await expect(page).toHaveURL(/view=done/)
    const done = page.locator(`[data-test="verify-done-task"][data-task="${taskId}"]`)
    await expect(done).toBeVisible()
    await expect(done).toHaveAttribute('data-result', 'moved_out')
    await expect(done).toHaveAttribute('data-person', tenant)
    await expect(done).toContainText('已搬离')
    await expect(done.locator('[data-test="verify-done-by"]')).toContainText(env('JINGWU_CLERK_USER'))
    await expect(done).toContainText('房东称租约到期后已搬走')
    // The server agrees: the task is done, by this officer, with the result.
    const res = await request.get(`/api/v1/registry/tasks?community=${community}&status=done&page_size=500`, {
      headers: { ...clerk, 'X-Purpose': 'browser test' },
    })
    expect(res.status()).toBe(200)
    const t = ((await res.json()).items as { id: number; status: string; result: string; verified_by: string }[]).find((x) => String(x.id) === taskId)
    expect(t).toMatchObject({ status: 'done', result: 'moved_out', verified_by: env('JINGWU_CLERK_USER') })
    await page.screenshot({ path: testInfo.outputPath('verify-done-phone.png') })
  })

  await test.step('the residents register no longer lists the tenant as living there', async () => {
    const list = await residents()
    const mine = list.filter((r) => r.person === tenant)
    expect(mine.length).toBeGreaterThan(0)
    expect(mine.every((r) => r.moved_out_at), 'every residence of the tenant in the room has a move-out').toBe(true)
    const current = await request.get(`/api/v1/registry/residents?address=${room}`, { headers: investigator })
    expect(((await current.json()).items as Resident[]).some((r) => r.person === tenant)).toBe(false)
  })

  expect(violations).toEqual([])
})
