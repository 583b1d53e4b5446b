import { expect, test, type Browser, type Page } from '@playwright/test'

// 警民通 end to end, as the issue states it: a citizen applies for talent
// settlement with one document to follow, a clerk accepts it with documents to
// follow, the citizen uploads it, the clerk approves, and the citizen sees
// the result and rates it. The citizen uses a phone-sized window.

function env(name: string): string {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}
const clerk = { user: env('JINGWU_CLERK_USER'), password: env('JINGWU_CLERK_PASSWORD') }
const tid = (page: Page, id: string) => page.locator(`[data-test="${id}"]`)
// Element Plus puts data-test on the <input> of a text field but on the wrapper of some others.
const INPUT = 'xpath=self::input | .//input'

const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n')
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR....')])

// A valid GB 11643 number (ISO 7064 MOD 11-2 check character).
function idNumber(seq: number): string {
  const body = `46010619990101${String(seq).padStart(3, '0')}`
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...body].reduce((a, c, i) => a + Number(c) * w[i], 0)
  return body + '10X98765432'[sum % 11]
}

async function staffPage(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  await page.goto('/login')
  await tid(page, 'login-username').fill(clerk.user)
  await tid(page, 'login-password').fill(clerk.password)
  await tid(page, 'login-submit').click()
  await expect(page).toHaveURL(/\/home$/)
  return page
}

test('talent settlement with one document to follow, from application to rating', async ({ browser }) => {
  const citizen = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage()
  const phone = `139${String(Date.now()).slice(-8)}`
  const id = idNumber(Number(String(Date.now()).slice(-3)))
  let appId = ''

  await test.step('the citizen registers and applies, leaving the photo to follow', async () => {
    await citizen.goto('/citizen')
    await tid(citizen, 'citizen-auth-mode').getByText('注册').click()
    await tid(citizen, 'citizen-phone').locator(INPUT).first().fill(phone)
    await tid(citizen, 'citizen-name').locator(INPUT).first().fill('林晓')
    await tid(citizen, 'citizen-id-number').locator(INPUT).first().fill(id)
    await tid(citizen, 'citizen-password').locator(INPUT).first().fill('citizen-pass-1')
    await tid(citizen, 'citizen-submit').click()
    await expect(tid(citizen, 'citizen-hello')).toContainText('林晓')
    await tid(citizen, 'item-HZ001').click()
    await expect(tid(citizen, 'apply-form')).toContainText('人才落户')
    await tid(citizen, 'field-id_number').locator(INPUT).first().fill(id)
    await tid(citizen, 'field-education').click()
    await citizen.getByRole('option', { name: '硕士' }).click()
    await tid(citizen, 'field-graduated_on').locator(INPUT).first().fill('2026-06-30')
    for (const m of ['id_card', 'hukou_booklet', 'diploma'])
      await tid(citizen, `file-${m}`).setInputFiles({ name: `${m}.pdf`, mimeType: 'application/pdf', buffer: PDF })
    await tid(citizen, 'apply-submit').click()
    await expect(tid(citizen, 'my-app-detail')).toBeVisible()
    await expect(tid(citizen, 'detail-state')).toHaveText('已收件')
    const header = await tid(citizen, 'my-app-detail').locator('.el-card__header').innerText()
    appId = /#(\d+)/.exec(header)![1]
  })

  const staff = await staffPage(browser)
  await test.step('the clerk accepts it with the photo to follow', async () => {
    await staff.goto('/services')
    await tid(staff, `queue-row-${appId}`).click()
    await expect(tid(staff, 'case-state')).toHaveText('已收件')
    await tid(staff, 'owed-photo').click()
    await expect(tid(staff, 'action-accept')).toHaveText(/容缺受理/)
    await tid(staff, 'action-accept').click()
    await expect(tid(staff, 'case-state')).toHaveText('容缺受理（待补材料）')
  })

  await test.step('the citizen sees what is owed and uploads it', async () => {
    await citizen.reload()
    await citizen.getByRole('tab', { name: '我的办件' }).click()
    await tid(citizen, `my-app-${appId}`).click()
    await expect(tid(citizen, 'detail-owed')).toContainText('近期免冠照片')
    await tid(citizen, 'supply-photo').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: PNG })
    await expect(tid(citizen, 'detail-state')).toHaveText('已受理')
    await expect(tid(citizen, 'detail-owed')).toHaveCount(0)
  })

  await test.step('the clerk reviews and approves', async () => {
    await staff.reload()
    await tid(staff, `queue-row-${appId}`).click()
    await expect(tid(staff, 'case-state')).toHaveText('已受理')
    await expect(tid(staff, 'case-material-photo')).toContainText('✓')
    await tid(staff, 'action-review').click()
    await expect(tid(staff, 'case-state')).toHaveText('审核中')
    await tid(staff, 'action-approve').click()
    await expect(tid(staff, 'case-state')).toHaveText('已办结（准予）')
  })

  await test.step('the citizen sees the result and rates it', async () => {
    await citizen.reload()
    await citizen.getByRole('tab', { name: '我的办件' }).click()
    await tid(citizen, `my-app-${appId}`).click()
    await expect(tid(citizen, 'detail-state')).toHaveText('已办结（准予）')
    await tid(citizen, 'rating-level').locator('.el-rate__item').nth(4).click()
    await tid(citizen, 'rating-comment').locator(INPUT).first().fill('很方便')
    await tid(citizen, 'rating-submit').click()
    await expect(tid(citizen, 'rating-done')).toContainText('5')
  })

  await test.step('the figures count it on the staff metrics page', async () => {
    await staff.reload()
    await staff.getByRole('tab', { name: '办件统计' }).click()
    await expect(tid(staff, 'metrics-row-HZ001')).toBeVisible()
    await expect(tid(staff, 'metrics-total')).not.toHaveText('0')
  })
})
