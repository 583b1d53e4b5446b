import { createHmac } from 'node:crypto'
import { expect, test, type Page } from '@playwright/test'

// The signed-in web app end to end: login, permissions in the menu and the
// router, the language switch, the audit log (table, verify, live stream),
// logout, and the invalid-credentials message.

function env(name: string): string {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}

// A role that requires a second factor answers 401 totp_required; then the test
// needs the account's TOTP secret (base32) in JINGWU_<ROLE>_TOTP_SECRET.
const inspector = {
  user: env('JINGWU_INSPECTOR_USER'),
  password: env('JINGWU_INSPECTOR_PASSWORD'),
  totpSecret: process.env.JINGWU_INSPECTOR_TOTP_SECRET,
}
const dispatcher = {
  user: env('JINGWU_DISPATCHER_USER'),
  password: env('JINGWU_DISPATCHER_PASSWORD'),
  totpSecret: process.env.JINGWU_DISPATCHER_TOTP_SECRET,
}

/** RFC 6238 code (SHA-1, 30 s, 6 digits) for a base32 secret. */
function totp(secret: string, now = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const c of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0')
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)))
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 30000)))
  const h = createHmac('sha1', key).update(counter).digest()
  const o = h[h.length - 1] & 0xf
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0')
}

const tid = (page: Page, id: string) => page.locator(`[data-test="${id}"]`)
const exact = (s: string) => new RegExp(`^\\s*${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`)

async function login(page: Page, user: string, password: string, totpSecret?: string): Promise<void> {
  await page.goto('/login')
  await expect(tid(page, 'product-title')).toContainText('警务')
  await tid(page, 'login-username').fill(user)
  await tid(page, 'login-password').fill(password)
  await tid(page, 'login-submit').click()
  if (!totpSecret) return
  // The code field appears only after the server answers totp_required.
  await expect(tid(page, 'login-error')).toHaveAttribute('data-code', 'totp_required')
  await tid(page, 'login-totp').fill(totp(totpSecret))
  await tid(page, 'login-submit').click()
}

/** The user the server says is behind the browser's session token. */
async function me(page: Page): Promise<{ username: string; display_name: string; roles: string[] }> {
  const token = await page.evaluate(() => sessionStorage.getItem('jingwu.token'))
  expect(token, 'a session token after login').toBeTruthy()
  const res = await page.request.get('/api/v1/auth/me', { headers: { Authorization: `Bearer ${token}` } })
  expect(res.status()).toBe(200)
  return res.json()
}

test('inspector sees and verifies the audit log; dispatcher is kept out', async ({ page }, testInfo) => {
  await test.step('an anonymous visit lands on the login page', async () => {
    await page.goto('/audit')
    await expect(page).toHaveURL(/\/login/)
  })

  await test.step('inspector logs in and the shell shows who they are', async () => {
    await login(page, inspector.user, inspector.password, inspector.totpSecret)
    await expect(page).toHaveURL(/\/home$/)
    const u = await me(page)
    expect(u.username).toBe(inspector.user)
    expect(u.roles).toContain('inspector')
    await expect(tid(page, 'user-name')).toHaveText(exact(u.display_name || u.username))
    await expect(tid(page, 'user-roles')).toContainText('督察员')
    await expect(tid(page, 'menu-inspection')).toHaveText(exact('网上督察'))
    await expect(tid(page, 'menu-audit')).toHaveText(exact('审计日志'))
    await expect(tid(page, 'menu-users')).toHaveCount(0)
    await expect(tid(page, 'system-version')).not.toBeEmpty()
    await page.screenshot({ path: testInfo.outputPath('shell-inspector.png') })
  })

  await test.step('the language switch turns the UI to English and back', async () => {
    await tid(page, 'lang-toggle').click()
    await expect(tid(page, 'menu-audit')).toHaveText(exact('Audit log'))
    await expect(tid(page, 'menu-inspection')).toHaveText(exact('Online inspection'))
    await expect(tid(page, 'menu-home')).toHaveText(exact('Home'))
    await expect(tid(page, 'logout')).toContainText('Log out')
    expect(await page.evaluate(() => localStorage.getItem('jingwu.locale'))).toBe('en')
    await tid(page, 'lang-toggle').click()
    await expect(tid(page, 'menu-audit')).toHaveText(exact('审计日志'))
    expect(await page.evaluate(() => localStorage.getItem('jingwu.locale'))).toBe('zh-CN')
  })

  await test.step("the audit log lists the inspector's own login", async () => {
    await tid(page, 'menu-audit').click()
    await expect(page).toHaveURL(/\/audit$/)
    const rows = tid(page, 'audit-table').locator('.el-table__body tr.el-table__row')
    const ownLogin = rows
      .filter({ has: tid(page, 'audit-action').filter({ hasText: exact('auth.login') }) })
      .filter({ has: tid(page, 'audit-actor').filter({ hasText: exact(inspector.user) }) })
    await expect(ownLogin.first()).toBeVisible()
    await expect(tid(page, 'audit-live-status')).toHaveAttribute('data-status', 'open')
  })

  await test.step('the actor filter keeps only that actor', async () => {
    await tid(page, 'audit-filter-actor').fill(inspector.user)
    const filtered = page.waitForResponse((r) => /\/api\/v1\/audit\?.*actor=/.test(r.url()) && r.ok())
    await tid(page, 'audit-search').click()
    await filtered
    const actors = tid(page, 'audit-table').locator('[data-test="audit-actor"]')
    // Until the table re-renders it may still show the unfiltered rows: poll.
    await expect.poll(async () => [...new Set((await actors.allTextContents()).map((s) => s.trim()))]).toEqual([inspector.user])
    const unfiltered = page.waitForResponse((r) => /\/api\/v1\/audit\?/.test(r.url()) && !r.url().includes('actor=') && r.ok())
    await tid(page, 'audit-reset').click()
    await unfiltered
  })

  await test.step('verify reports an intact chain, and the verify itself arrives live', async () => {
    const ids = async () => (await tid(page, 'audit-id').allTextContents()).map((s) => Number(s.trim()))
    const newestBefore = Math.max(0, ...(await ids()))
    await tid(page, 'audit-verify').click()
    const result = tid(page, 'audit-verify-result')
    await expect(result).toHaveAttribute('data-ok', 'true')
    await expect(result).toContainText('日志链完整')
    // No reload: a new audit.verify entry can only come from the event stream.
    const newVerifyRows = async () => {
      const rows = tid(page, 'audit-table').locator('.el-table__body tr.el-table__row')
      const out: number[] = []
      for (const r of await rows.all()) {
        const action = (await r.locator('[data-test="audit-action"]').textContent())?.trim()
        const id = Number((await r.locator('[data-test="audit-id"]').textContent())?.trim())
        if (action === 'audit.verify' && id > newestBefore) out.push(id)
      }
      return out.length
    }
    await expect.poll(newVerifyRows).toBeGreaterThan(0)
  })

  await test.step('logout returns to the login page and drops the token', async () => {
    await tid(page, 'logout').click()
    await expect(page).toHaveURL(/\/login/)
    expect(await page.evaluate(() => sessionStorage.getItem('jingwu.token'))).toBeNull()
  })

  await test.step('dispatcher has no audit menu and /audit shows 403', async () => {
    await login(page, dispatcher.user, dispatcher.password, dispatcher.totpSecret)
    await expect(page).toHaveURL(/\/home$/)
    await expect(tid(page, 'menu-dispatch')).toBeVisible()
    await expect(tid(page, 'menu-audit')).toHaveCount(0)
    await page.goto('/audit')
    await expect(tid(page, 'page-403')).toBeVisible()
    await expect(tid(page, 'page-403-title')).toHaveText(exact('无权访问'))
    await expect(tid(page, 'audit-table')).toHaveCount(0)
    // Dispatch is built: its menu entry opens the board (dispatch.spec.ts tests it).
    await tid(page, 'menu-dispatch').click()
    await expect(tid(page, 'dispatch-board')).toBeVisible()
    await expect(tid(page, 'pending')).toHaveCount(0)
    await tid(page, 'logout').click()
    await expect(page).toHaveURL(/\/login/)
  })

  await test.step('a wrong password shows the invalid-credentials message', async () => {
    await login(page, dispatcher.user, dispatcher.password + '-wrong')
    const err = tid(page, 'login-error')
    await expect(err).toHaveAttribute('data-code', 'invalid_credentials')
    await expect(err).toContainText('用户名或密码错误')
    await expect(page).toHaveURL(/\/login/)
  })
})
