import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test, type APIRequestContext, type Browser, type Locator, type Page } from '@playwright/test'
import { env, genDir, parseCsv, tid, truthFile } from './helpers'

// 外国人停留 end to end, against a server whose data folder holds the generated
// city (jingwu gen + ingest + registry import) with the stay clock at the
// generated year's end (config.json stays.as_of = truth.json stays.as_of; see
// scripts/test.sh). JINGWU_TRUTH names the gen folder's truth.json, whose
// stays.cases are the planted visits. (a) The duty officer (commander) opens
// the page and sees a planted open overstay with its days over, the fine band
// and the evidence (the original entry and hotel rows), and acknowledges it.
// (b) A resident of population.csv registers in the citizen portal, on a phone,
// a guest who entered and was never registered (unregistered_open); the open
// no_registration alert leaves the officer's open list live and is resolved
// in the API. (c) A passport that never entered is refused with the
// translated no_entry_record message next to the passport number.

const here = dirname(fileURLToPath(import.meta.url))
// Element Plus puts data-test on the <input> of a text field but on the wrapper of some others.
const INPUT = 'xpath=self::input | .//input'
const DAY = 86400_000


interface StayCase {
  passport: string
  case: string
  entry: string
  deadline: string
  expect: string[]
  days_over?: number
}


/** A generator time ("2025-12-30T17:48:57", Beijing wall clock) in ms. */
const beijing = (t: string) => new Date(/[+Z]/.test(t.slice(19)) ? t : `${t}+08:00`).getTime()
/** ms → "2025-12-30 19:48:57" in Beijing time, as the pages show times. */
function shown(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ')
}

async function truth(): Promise<{ asOf: string; cases: StayCase[] }> {
  const t = JSON.parse(await readFile(truthFile!, 'utf8'))
  return { asOf: t.stays.as_of, cases: t.stays.cases }
}

async function locale(): Promise<Record<string, any>> {
  return JSON.parse(await readFile(join(here, '../../web/src/locales/zh-CN.json'), 'utf8'))
}

async function staffLogin(page: Page): Promise<void> {
  await page.goto('/login')
  await tid(page, 'login-username').fill(env('JINGWU_COMMANDER_USER'))
  await tid(page, 'login-password').fill(env('JINGWU_COMMANDER_PASSWORD'))
  await tid(page, 'login-submit').click()
  await expect(page).toHaveURL(/\/home$/)
}

/** The API as the commander, with a stated purpose, for checking what the pages show. */
async function staffApi(request: APIRequestContext): Promise<(path: string) => Promise<any>> {
  const r = await request.post('/api/v1/auth/login', {
    data: { username: env('JINGWU_COMMANDER_USER'), password: env('JINGWU_COMMANDER_PASSWORD') },
  })
  expect(r.ok()).toBeTruthy()
  const token = (await r.json()).token as string
  return async (path: string) => {
    const res = await request.get(path, { headers: { Authorization: `Bearer ${token}`, 'X-Purpose': 'stays browser test' } })
    expect(res.ok(), `${path}: ${res.status()}`).toBeTruthy()
    return res.json()
  }
}

/** Opens the stays page from the menu and states the purpose the page asks for. */
async function openStays(page: Page): Promise<string> {
  await tid(page, 'menu-stays').click()
  await expect(page).toHaveURL(/\/stays/)
  await expect(tid(page, 'stays-page')).toBeVisible()
  await expect(tid(page, 'registry-purpose-dialog')).toBeVisible()
  await tid(page, 'registry-purpose-input').fill('免签外国人停留核查')
  await tid(page, 'registry-purpose-submit').click()
  await expect(tid(page, 'stays-purpose')).toContainText('免签外国人停留核查')
  await expect(tid(page, 'stays-live')).toHaveAttribute('data-status', 'open')
  await expect(tid(page, 'stays-clock')).not.toHaveAttribute('data-as-of', '')
  return (await tid(page, 'stays-clock').getAttribute('data-as-of'))!
}

const openAlert = (page: Page, kind: string, passport: string) =>
  tid(page, 'stays-feed-open').locator(`[data-test="stays-alert"][data-kind="${kind}"][data-passport="${passport}"]`)

test.skip(!truthFile, 'JINGWU_TRUTH is not set: no planted stays to look for')

test('the duty officer sees a planted overstay with its days over and its evidence, and acknowledges it', async ({ page, request }) => {
  const { asOf, cases } = await truth()
  const planted = cases.find((c) => c.case === 'overstay_open' && c.days_over)
  expect(planted, 'truth.json plants an open overstay').toBeTruthy()
  const c = planted!
  const number = c.passport.split('/')[1]
  const api = await staffApi(request)

  await staffLogin(page)
  const clock = await openStays(page)
  // truth.json gives the days over as of its as_of; the stay clock runs on from
  // there, and each day begun past the limit counts (docs/stays.md).
  const elapsed = Math.floor((new Date(clock).getTime() - beijing(asOf)) / DAY)
  expect(elapsed).toBeGreaterThanOrEqual(0)
  const daysOver = c.days_over! + elapsed

  await test.step('the board counts the open overstays and the live list shows the planted one, urgent, with its days over', async () => {
    const board = await api('/api/v1/registry/stays/board')
    await expect(tid(page, 'stays-count-alerts').and(page.locator('[data-kind="overstay"]'))).toContainText(String(board.open_alerts.overstay))
    const alert = openAlert(page, 'overstay', c.passport)
    await expect(alert).toBeVisible()
    await expect(alert).toHaveClass(/urgent/)
    await expect(tid(alert, 'stays-alert-kind')).toHaveText('逾期停留')
    await expect(tid(alert, 'stays-alert-days-over')).toHaveAttribute('data-days', String(daysOver))
    await expect(tid(alert, 'stays-alert-days-over')).toHaveText(`逾期 ${daysOver} 天`)
    await expect(alert).toContainText(`参考罚款 ¥${(Math.min(daysOver * 500, 10000)).toLocaleString('en-US')}`)
    await expect(alert).toContainText('第七十八条')
    // The entry it rests on: the planted entry time, at the airport.
    await expect(tid(alert, 'stays-alert-entry')).toContainText(shown(beijing(c.entry)))
    await expect(tid(alert, 'stays-alert-entry')).toContainText('美兰国际机场')
    await expect(tid(alert, 'stays-alert-entry')).not.toContainText('ST00')
  })

  await test.step('the API raised exactly the planted kinds, with the same days over', async () => {
    const r = await api(`/api/v1/registry/stays/alerts?passport=${encodeURIComponent(c.passport)}`)
    expect([...new Set(r.items.map((a: { kind: string }) => a.kind))].sort()).toEqual([...c.expect].sort())
    const over = r.items.find((a: { kind: string }) => a.kind === 'overstay')
    expect(over.resolved_at).toBeNull()
    expect(over.detail.days_over).toBe(daysOver)
  })

  await test.step('the visitor detail shows the stay past its limit, the alert and its evidence (the original rows)', async () => {
    await openAlert(page, 'overstay', c.passport).locator('[data-test="stays-alert-open"]').click()
    await expect(page).toHaveURL(/\/stays\/visitor\?passport=/)
    const visitor = tid(page, 'stays-visitor')
    await expect(visitor).toHaveAttribute('data-passport', c.passport)
    await expect(visitor).toContainText(number)
    const stay = tid(page, 'stays-stay').first()
    await expect(stay).toHaveAttribute('data-status', 'in_hainan')
    const days = tid(stay, 'stays-stay-days')
    expect(Number(await days.getAttribute('data-day'))).toBeGreaterThan(Number(await days.getAttribute('data-allowed')))
    // The timeline starts at the entry and goes through the hotels.
    await expect(tid(stay, 'stays-timeline-item').first()).toHaveAttribute('data-kind', 'entry')
    await expect(stay.locator('[data-test="stays-timeline-item"][data-kind="lodging-hotel"]').first()).toBeVisible()
    const alert = stay.locator('[data-test="stays-stay-alert"][data-kind="overstay"]')
    await expect(tid(alert, 'stays-stay-days-over')).toHaveAttribute('data-days', String(daysOver))
    // The evidence: the entry row of travel.csv, as recorded.
    const record = tid(alert, 'stays-evidence').locator('[data-test="stays-record"]').first()
    await expect(record).toBeVisible()
    await expect(record).toContainText(number)
    await expect(record).toContainText(shown(beijing(c.entry)))
    await expect(record).toContainText('到达 (IN)')
    // The places on the map.
    await expect(stay.locator('[data-test="analysis-map"]')).not.toHaveAttribute('data-markers', '0')
  })

  await test.step('acknowledged from the detail, the alert names the officer on the board', async () => {
    await tid(page, 'stays-stay').first().locator('[data-test="stays-stay-alert"][data-kind="overstay"] [data-test="stays-stay-ack"]').click()
    await tid(page, 'stays-visitor-back').click()
    const alert = openAlert(page, 'overstay', c.passport)
    await expect(tid(alert, 'stays-alert-acked')).toContainText(env('JINGWU_COMMANDER_USER'))
    const r = await api(`/api/v1/registry/stays/alerts?passport=${encodeURIComponent(c.passport)}&kind=overstay`)
    expect(r.items[0].acknowledged_by).toBe(env('JINGWU_COMMANDER_USER'))
  })
})

async function citizenPage(browser: Browser): Promise<Page> {
  return (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage()
}

test('a host registers a guest in the portal: the open no_registration alert leaves the live list; a passport that never entered is refused', async ({ browser, page, request }) => {
  const { cases } = await truth()
  const zh = await locale()
  const planted = cases.find((c) => c.case === 'unregistered_open')
  expect(planted, 'truth.json plants an unregistered guest still on the island').toBeTruthy()
  const c = planted!
  const [nat, number] = c.passport.slice('PASSPORT:'.length).split('/')
  const travel = parseCsv(await readFile(join(genDir, 'travel.csv'), 'utf8'))
  const guestName = travel.find((r) => r.id_type === 'PASSPORT' && r.id_number === number)?.name
  expect(guestName, 'travel.csv has the planted entry').toBeTruthy()
  // A resident who lives in Haikou now (population.csv): their room is offered in the portal.
  const population = parseCsv(await readFile(join(genDir, 'population.csv'), 'utf8'))
  const residents = population.filter((r) => r.person.startsWith('ID:') && !r.moved_out_at && /^\d{25}$/.test(r.address_code))
  const host = residents[Math.floor(Math.random() * residents.length)]
  const api = await staffApi(request)

  await test.step('the officer has the open no_registration alert of the planted guest in the live list', async () => {
    await staffLogin(page)
    await openStays(page)
    await expect(openAlert(page, 'no_registration', c.passport)).toBeVisible()
    const open = await api('/api/v1/registry/stays/alerts?open=1&kind=no_registration')
    expect(open.items.some((a: { passport: string }) => a.passport === c.passport)).toBe(true)
  })

  const citizen = await citizenPage(browser)
  await test.step('the host signs up (a resident of population.csv) and sees their own room offered', async () => {
    await citizen.goto('/citizen?tab=guests')
    await tid(citizen, 'citizen-auth-mode').getByText('注册').click()
    await tid(citizen, 'citizen-phone').locator(INPUT).first().fill(`139${String(Date.now()).slice(-8)}`)
    await tid(citizen, 'citizen-name').locator(INPUT).first().fill(host.name)
    await tid(citizen, 'citizen-id-number').locator(INPUT).first().fill(host.person.slice(3))
    await tid(citizen, 'citizen-password').locator(INPUT).first().fill('Lanting-harbour-47')
    await tid(citizen, 'citizen-submit').click()
    await expect(tid(citizen, 'citizen-hello')).toContainText(host.name)
    await expect(tid(citizen, 'guest-duty')).toContainText('24 小时')
    await expect(tid(citizen, 'guest-room').locator(`[data-code="${host.address_code}"]`)).toBeVisible()
  })

  async function fill(passportNumber: string, arrival: number): Promise<void> {
    await tid(citizen, 'guest-room').locator(`[data-code="${host.address_code}"]`).click()
    await tid(citizen, 'guest-nationality').click()
    // The option by its code: names contain one another (俄罗斯, 白俄罗斯).
    const option = citizen.locator(`.el-select-dropdown__item[data-code="${nat}"]`)
    await expect(option).toContainText(zh.stays.countries[nat])
    await option.click()
    await tid(citizen, 'guest-passport').locator(INPUT).first().fill(passportNumber)
    await tid(citizen, 'guest-name').locator(INPUT).first().fill(guestName!)
    // datetime-local takes Beijing wall-clock time, to the minute.
    await tid(citizen, 'guest-arrived').locator(INPUT).first().fill(shown(arrival).slice(0, 16).replace(' ', 'T'))
    await tid(citizen, 'guest-submit').click()
  }

  // Two hours after the planted entry (the guest came from the airport).
  const arrival = beijing(c.entry) + 2 * 3600_000

  await test.step('(c) a passport that never entered is refused, with the translated message next to the passport number', async () => {
    const never = new Set(travel.filter((r) => r.id_type === 'PASSPORT').map((r) => r.id_number))
    let other = '90000001'
    while (never.has(other)) other = String(Number(other) + 7)
    await fill(other, arrival)
    const item = tid(citizen, 'guest-form').locator('.el-form-item', { has: tid(citizen, 'guest-passport') })
    await expect(item.locator('.el-form-item__error')).toHaveText(zh.stays.portal.errors.no_entry_record)
    await expect(tid(citizen, 'guest-item')).toHaveCount(0)
  })

  await test.step('(b) the planted guest is registered and listed', async () => {
    await fill(number, arrival)
    const item = citizen.locator(`[data-test="guest-item"][data-passport="${c.passport}"]`)
    await expect(item).toBeVisible()
    await expect(item).toContainText(guestName!)
    await expect(item).toContainText(shown(arrival).slice(0, 16))
    await expect(tid(citizen, 'guest-form').locator('.el-form-item__error')).toHaveCount(0)
  })

  await test.step('the alert leaves the officer’s open list live and is resolved as registered', async () => {
    await expect(openAlert(page, 'no_registration', c.passport)).toHaveCount(0)
    const done = tid(page, 'stays-feed-resolved').locator(`[data-test="stays-alert-resolved"][data-passport="${c.passport}"]`)
    await expect(done).toBeVisible()
    await expect(tid(done, 'stays-alert-resolution')).toHaveText('已登记')
    const r = await api(`/api/v1/registry/stays/alerts?passport=${encodeURIComponent(c.passport)}&kind=no_registration`)
    expect(r.items).toHaveLength(1)
    expect(r.items[0].resolved_at).not.toBeNull()
    expect(r.items[0].resolution).toBe('registered')
    const open = await api('/api/v1/registry/stays/alerts?open=1&kind=no_registration')
    expect(open.items.some((a: { passport: string }) => a.passport === c.passport)).toBe(false)
  })
})
