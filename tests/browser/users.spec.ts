import { expect, test, type APIRequestContext, type Page } from '@playwright/test'

// Separation of duties on the users page: an admin who asks for a sensitive
// role for someone is told that the grant waits for a second admin, sees it
// listed with its Approve button disabled for themselves (with the reason),
// and withdraws it. The user's roles stay as they were throughout.
// Needs JINGWU_ADMIN_USER/PASSWORD; the test data folder has one admin only,
// so the approval by a second admin is left to the API tests.

function env(name: string): string {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}
const admin = { user: env('JINGWU_ADMIN_USER'), password: env('JINGWU_ADMIN_PASSWORD') }
const tid = (page: Page, id: string) => page.locator(`[data-test="${id}"]`)

async function token(request: APIRequestContext): Promise<string> {
  const res = await request.post('/api/v1/auth/login', { data: { username: admin.user, password: admin.password } })
  expect(res.status(), await res.text()).toBe(200)
  return (await res.json()).token
}

test('an admin asking for a sensitive role waits for a second admin', async ({ page, request }) => {
  const auth = { Authorization: `Bearer ${await token(request)}` }
  const username = `grant${Date.now().toString(36)}`
  let userId = 0

  await test.step('a dispatcher account to work on (not sensitive: granted at once)', async () => {
    const res = await request.post('/api/v1/users', {
      headers: auth,
      data: { username, display_name: '授权测试', password: 'Qv7#mT2!xR9@wL4$', roles: ['dispatcher'] },
    })
    expect(res.status(), await res.text()).toBe(201)
    const u = await res.json()
    expect(u.roles).toEqual(['dispatcher'])
    expect(u.pending_grant ?? null).toBeNull()
    userId = u.id
  })

  await test.step('the admin adds the investigator role in the edit dialog', async () => {
    await page.goto('/login')
    await tid(page, 'login-username').fill(admin.user)
    await tid(page, 'login-password').fill(admin.password)
    await tid(page, 'login-submit').click()
    await expect(page).toHaveURL(/\/home$/)
    await page.goto('/users')
    const row = tid(page, 'users-table').locator('.el-table__row', { has: page.locator('[data-test="users-username"]', { hasText: username }) })
    await row.locator('[data-test="users-edit"]').first().click()
    await expect(tid(page, 'users-edit-dialog')).toBeVisible()
    await tid(page, 'users-edit-roles').click()
    await page.getByRole('option', { name: /investigator/ }).click()
    await page.keyboard.press('Escape')
    await tid(page, 'users-edit-submit').click()
  })

  await test.step('the page says the grant waits for a second admin, and the roles are unchanged', async () => {
    const notice = tid(page, 'users-grant-pending')
    await expect(notice).toBeVisible()
    await expect(notice).toContainText('等待另一位管理员审批')
    await expect(tid(page, 'users-grant-pending-current')).toHaveText('接处警员')
    await expect(tid(page, 'users-grant-pending-requested')).toContainText('侦查员')
    await tid(page, 'users-grant-pending-ok').click()
    await expect(notice).toBeHidden()
    const res = await request.get('/api/v1/users', { headers: auth })
    const list = await res.json()
    const u = (Array.isArray(list) ? list : list.items).find((x: { id: number }) => x.id === userId)
    expect(u.roles).toEqual(['dispatcher'])
  })

  const grantRow = tid(page, 'role-grants-table').locator('.el-table__row', {
    has: page.locator('[data-test="grant-username"]', { hasText: username }),
  })

  await test.step('the pending grant is listed; its requester cannot approve it', async () => {
    await expect(tid(page, 'users-table').locator('.el-table__row', { hasText: username }).locator('[data-test="users-grant-pending-tag"]')).toBeVisible()
    await expect(grantRow.first()).toContainText('侦查员')
    await expect(grantRow.first()).toContainText(admin.user)
    const approve = grantRow.locator('[data-test="grant-approve"]').first()
    await expect(approve).toBeDisabled()
    await expect(grantRow.locator('[data-test="grant-why-disabled"]').first()).toContainText('须另一位管理员批准')
    const res = await request.get('/api/v1/role-grants?state=pending', { headers: auth })
    const grant = (await res.json()).items.find((g: { username: string }) => g.username === username)
    expect(grant.requested_by).toBe(admin.user)
    const refused = await request.post(`/api/v1/role-grants/${grant.id}/approve`, { headers: auth, data: {} })
    expect(refused.status()).toBe(403)
    expect((await refused.json()).error.code).toBe('second_admin_required')
  })

  await test.step('the requester withdraws it', async () => {
    await grantRow.locator('[data-test="grant-reject"]').first().click()
    const box = page.locator('.grant-decision-box')
    await expect(box).toBeVisible()
    await box.locator('textarea').fill('测试撤回')
    await box.getByRole('button', { name: '撤回' }).click()
    await expect(grantRow).toHaveCount(0)
    await tid(page, 'role-grants-view').getByText('近期记录').click()
    const decided = page.locator('[data-test="grant-username"]', { hasText: username }).first()
    await expect(decided).toHaveAttribute('data-state', 'rejected')
  })
})
