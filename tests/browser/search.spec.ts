import { readFile } from 'node:fs/promises'
import { expect, test, type Locator, type Page } from '@playwright/test'

// 一键搜 end to end, against a server whose data folder holds the generated
// city (JINGWU_TRUTH names its truth.json). The analyst types the first
// planted collision suspect's ID number into the top bar, learns their name,
// searches the name, opens the profile and expands the relationship graph.

interface Truth {
  collisions: { suspects: string[] }[]
}

const truthFile = process.env.JINGWU_TRUTH
const tid = (scope: Page | Locator, id: string) => scope.locator(`[data-test="${id}"]`)

function env(name: string): string {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}

test.skip(!truthFile, 'JINGWU_TRUTH is not set: no planted scenarios to look for')

test('search a planted suspect by name, open the profile, expand the graph', async ({ page }, testInfo) => {
  const truth = JSON.parse(await readFile(truthFile!, 'utf8')) as Truth
  const ref = truth.collisions[0].suspects[0]
  const id = ref.slice(ref.indexOf(':') + 1)

  await page.goto('/login')
  await tid(page, 'login-username').fill(env('JINGWU_ANALYST_USER'))
  await tid(page, 'login-password').fill(env('JINGWU_ANALYST_PASSWORD'))
  await tid(page, 'login-submit').click()
  await expect(page).toHaveURL(/\/home$/)

  await test.step('the top bar searches an ID number after a purpose is stated', async () => {
    await tid(page, 'topbar-search').fill(id)
    await tid(page, 'topbar-search').press('Enter')
    await expect(page).toHaveURL(/\/search\?q=/)
    await expect(tid(page, 'context-dialog')).toBeVisible()
    await tid(page, 'context-purpose-input').fill('测试搜索')
    await tid(page, 'context-case-no-input').fill('A4601002025000123')
    await tid(page, 'context-submit').click()
    await expect(page.locator(`[data-test="search-hit"][data-ref="${ref}"]`)).toBeVisible({ timeout: 30_000 })
  })

  const name = (await page.locator(`[data-test="search-hit"][data-ref="${ref}"] [data-test="hit-names"]`).innerText()).split(' / ')[0]
  expect(name.length).toBeGreaterThan(1)

  await test.step(`the name ${name} finds the suspect among the results`, async () => {
    await tid(page, 'search-input').fill(name)
    await tid(page, 'search-run').click()
    await expect(tid(page, 'search-kind')).toContainText(/文本|Text/)
    await expect(page.locator(`[data-test="search-hit"][data-ref="${ref}"]`)).toBeVisible({ timeout: 30_000 })
  })

  await test.step('the profile shows identifiers, the timeline and the map', async () => {
    await page.locator(`[data-test="search-hit"][data-ref="${ref}"] [data-test="hit-open"]`).click()
    await expect(tid(page, 'profile-page')).toBeVisible()
    await expect(tid(page, 'profile-ref')).toHaveText(ref)
    await expect(tid(page, 'profile-timeline').locator('.el-timeline-item').first()).toBeVisible()
  })

  await test.step('the graph loads and a node expands on click', async () => {
    await tid(page, 'profile-graph-load').click()
    await expect(tid(page, 'graph-view')).toBeVisible()
    const nodes = tid(page, 'graph-node')
    await expect(nodes.first()).toBeVisible({ timeout: 30_000 })
    const closed = page.locator('[data-test="graph-node"][data-expanded="false"]')
    if ((await closed.count()) > 0) {
      const before = await nodes.count()
      const target = await closed.first().getAttribute('data-ref')
      await closed.first().click()
      await expect(page.locator(`[data-test="graph-node"][data-ref="${target}"]`)).toHaveAttribute('data-expanded', 'true')
      expect(await nodes.count()).toBeGreaterThanOrEqual(before)
    }
    await page.screenshot({ path: testInfo.outputPath('graph.png'), fullPage: true })
  })
})
