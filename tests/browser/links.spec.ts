import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { env, genDir, parseCsv, tid, truthFile } from './helpers'

// The registry's links into dispatch, search and the watch alerts, against a
// server whose data folder holds the generated city (jingwu gen + ingest +
// registry import; JINGWU_TRUTH names the gen folder's truth.json, beside
// address_samples.csv, community_officers.csv and organisations.csv).
// A call-taker types a caller's address into the new-incident dialog and sees
// the standard address and the community officer; the incident carries them.




async function signIn(page: Page, user: string, password: string): Promise<void> {
  await page.goto('/login')
  await tid(page, 'login-username').fill(user)
  await tid(page, 'login-password').fill(password)
  await tid(page, 'login-submit').click()
  await expect(page).toHaveURL(/\/home$/)
}

test.skip(!truthFile, 'JINGWU_TRUTH is not set: no generated registries to resolve against')

test('a call-taker types the caller\'s address and sees the standard address and the community officer', async ({ page }, testInfo) => {
  await signIn(page, env('JINGWU_DISPATCHER_USER'), env('JINGWU_DISPATCHER_PASSWORD'))
  const token = await page.evaluate(() => sessionStorage.getItem('jingwu.token'))
  const officers = new Map(parseCsv(await readFile(join(genDir, 'community_officers.csv'), 'utf8')).map((o) => [o.community_code, o]))
  const samples = parseCsv(await readFile(join(genDir, 'address_samples.csv'), 'utf8'))

  // A planted caller's text that the lookup resolves to its true code, in a community with an officer.
  let sample: { text: string; code: string; full_name: string; police_number: string } | null = null
  for (const s of samples.filter((x) => x.code && officers.has(x.code.slice(0, 12))).slice(0, 60)) {
    const res = await page.request.get('/api/v1/dispatch/address', { params: { q: s.text }, headers: { Authorization: `Bearer ${token}` } })
    expect(res.status(), await res.text()).toBe(200)
    const m = await res.json()
    if (m.matched && m.code === s.code) {
      sample = { text: s.text, code: s.code, full_name: m.full_name, police_number: officers.get(s.code.slice(0, 12))!.police_number }
      break
    }
  }
  expect(sample, 'one of the first planted samples resolves to its true address').not.toBeNull()
  const { text, code, full_name, police_number } = sample!

  await tid(page, 'menu-dispatch').click()
  await expect(tid(page, 'dispatch-board')).toBeVisible()

  await test.step('Esc closes the new-incident dialog', async () => {
    await tid(page, 'dispatch-new').click()
    await expect(tid(page, 'new-incident-form')).toBeVisible()
    await page.keyboard.press('Escape')
    await expect(tid(page, 'new-incident-form')).toBeHidden()
  })

  await test.step(`typing "${text}" resolves it to ${code} and names the community officer`, async () => {
    await tid(page, 'dispatch-new').click()
    await expect(tid(page, 'new-incident-form')).toBeVisible()
    await expect(tid(page, 'new-address')).toBeFocused()
    await page.keyboard.type(text)
    const resolved = tid(page, 'address-resolved')
    await expect(resolved).toHaveAttribute('data-code', code)
    await expect(tid(page, 'resolved-full-name')).toHaveText(full_name)
    await expect(tid(page, 'resolved-police-number')).toHaveText(police_number)
    // The position and the district come from the standard address, not from typing.
    await expect(tid(page, 'new-lat')).not.toHaveValue('20.03')
    await expect(tid(page, 'new-district')).toContainText(code.slice(0, 6))
    await page.screenshot({ path: testInfo.outputPath('dialog-resolved.png') })
  })

  await test.step('the incident carries the standard address, its community and officer', async () => {
    const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/dispatch/incidents') && r.request().method() === 'POST')
    await tid(page, 'new-address').press('Enter')
    const res = await created
    expect(res.status()).toBe(201)
    const inc = await res.json()
    expect(inc.standard_address?.code).toBe(code)
    expect(inc.district_code).toBe(code.slice(0, 6))
    await expect(tid(page, 'new-incident-form')).toBeHidden()
    await expect(tid(page, 'detail-standard-address')).toHaveAttribute('data-code', code)
    await expect(tid(page, 'detail-standard-address')).toContainText(full_name)
    await expect(tid(page, 'detail-police-number')).toHaveText(police_number)
    await expect(page.locator(`[data-test="incident-row"][data-id="${inc.id}"]`)).toBeVisible()
  })
})

test('one-box search lists standard addresses and organisations, linked to the registry; the alerts page points to stay alerts', async ({ page }) => {
  const orgs = parseCsv(await readFile(join(genDir, 'organisations.csv'), 'utf8'))
  const org = orgs.find((o) => o.name && o.address_code)!
  await signIn(page, env('JINGWU_ANALYST_USER'), env('JINGWU_ANALYST_PASSWORD'))

  await test.step(`searching "${org.name}" shows the organisation, linked to its address in the registry`, async () => {
    await page.goto(`/search?q=${encodeURIComponent(org.name)}`)
    await expect(tid(page, 'context-dialog')).toBeVisible()
    await tid(page, 'context-purpose-input').fill('核查单位')
    await tid(page, 'context-case-no-input').fill('A4601002025000123')
    await tid(page, 'context-submit').click()
    const hit = page.locator(`[data-test="search-organisation"][data-credit-code="${org.credit_code}"]`)
    await expect(hit).toBeVisible({ timeout: 30_000 })
    await hit.click()
    await expect(page).toHaveURL(new RegExp(`/registry\\?code=${org.address_code}`))
  })

  await test.step('a compound name lists the compound among the standard addresses', async () => {
    const res = await page.request.get('/api/v1/registry/addresses/' + org.address_code.slice(0, 16), {
      headers: { Authorization: `Bearer ${await page.evaluate(() => sessionStorage.getItem('jingwu.token'))}` },
    })
    expect(res.status(), await res.text()).toBe(200)
    const compound = (await res.json()).name as string
    await page.goto(`/search?q=${encodeURIComponent(compound)}`)
    const row = page.locator(`[data-test="search-address"][data-code="${org.address_code.slice(0, 16)}"]`)
    await expect(row).toBeVisible({ timeout: 30_000 })
    await expect(tid(page, 'search-organisations').or(tid(page, 'search-addresses')).first()).toBeVisible()
  })

  await test.step('the watch alerts page shows the open foreigner stay alerts and links to the stays page', async () => {
    const truth = JSON.parse(await readFile(truthFile!, 'utf8'))
    expect(truth.stays).toBeTruthy()
    await page.goto('/watch/alerts')
    const panel = tid(page, 'alerts-stays')
    await expect(panel).toBeVisible()
    const open = Number(await panel.getAttribute('data-open'))
    expect(open).toBeGreaterThan(0)
    await expect(tid(page, 'alerts-stays-total')).toContainText(String(open))
    await panel.click()
    await expect(page).toHaveURL(/\/stays$/)
  })
})

test('the relationship graph draws people registered in the same room as 同室居住, with the room as evidence', async ({ page }) => {
  await signIn(page, env('JINGWU_ANALYST_USER'), env('JINGWU_ANALYST_PASSWORD'))
  const population = parseCsv(await readFile(join(genDir, 'population.csv'), 'utf8'))
  const current = population.filter((p) => !p.moved_out_at)
  const perRoom = new Map<string, number>()
  for (const p of current) perRoom.set(p.address_code, (perRoom.get(p.address_code) ?? 0) + 1)
  const token = await page.evaluate(() => sessionStorage.getItem('jingwu.token'))
  // A person living now with someone else, whose graph (depth 1) has a same_room edge.
  let found: { person: string; detail: string } | null = null
  for (const p of current.filter((x) => (perRoom.get(x.address_code) ?? 0) > 1).slice(0, 30)) {
    const res = await page.request.get(`/api/v1/entities/${encodeURIComponent(p.person)}/graph`, {
      params: { depth: 1 },
      headers: { Authorization: `Bearer ${token}`, 'X-Purpose': 'residence check', 'X-Case-No': 'A4601002025000123' },
    })
    if (res.status() !== 200) continue
    const edge = ((await res.json()).edges ?? []).find((e: { kind: string }) => e.kind === 'same_room')
    if (edge) {
      found = { person: p.person, detail: edge.evidence[0].detail }
      break
    }
  }
  expect(found, 'a person of population.csv living with others has a same_room edge').not.toBeNull()

  await page.goto(`/entities/${encodeURIComponent(found!.person)}`)
  await expect(tid(page, 'context-dialog')).toBeVisible()
  await tid(page, 'context-purpose-input').fill('住址核查')
  await tid(page, 'context-case-no-input').fill('A4601002025000123')
  await tid(page, 'context-submit').click()
  await tid(page, 'profile-graph-load').click()
  await expect(tid(page, 'graph-edge-legend').locator('[data-kind="same_room"]')).toHaveText('同室居住', { timeout: 30_000 })
  await expect(tid(page, 'graph-evidence-room').filter({ hasText: found!.detail }).first()).toBeVisible()
})
