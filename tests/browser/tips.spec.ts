import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'
import { expect, test, type APIRequestContext, type Browser, type Page } from '@playwright/test'
import { env, tid } from './helpers'

// 群防群治 · 线索举报 end to end. A citizen registers in the portal on a
// 390-px phone and sends a tip with a PNG photo and an address (a wrong-type
// photo is refused first, in words, before anything is sent; the server
// refuses one too); the commander finds it in the tip queue with its photo
// (fetched with the session), sees that the reporter is hidden from anyone
// but the handling officer (403 not_handler in words, for another tip),
// triages it with feedback, and then sees who reported it; the citizen sees
// the tip handled with the feedback. Screenshots at 390 px and 1440×900.

const here = dirname(fileURLToPath(import.meta.url))
const INPUT = 'xpath=self::input | .//input'
const TEXTAREA = 'xpath=self::textarea | .//textarea'
const commander = { user: env('JINGWU_COMMANDER_USER'), password: env('JINGWU_COMMANDER_PASSWORD') }
const G = '/api/v1/grassroots'

type Json = Record<string, any>
type Api = (method: string, path: string, data?: unknown) => Promise<{ status: number; body: any }>

let zh: Json
let en: Json
const suffix = Date.now().toString(36).toUpperCase().slice(-6)
const phone = `137${String(Date.now()).slice(-8)}`
const password = 'citizen-pass-1'
const NAME = '符晓测'
const TEXT = `小区后门有人深夜搬运可疑箱子（浏览器测试 ${suffix}）`
const FEEDBACK = `感谢举报，民警已核实为正常搬家（测试 ${suffix}）`
/** An address the registry knows (found in beforeAll), or '' to tap the map instead. */
let address = ''

function merge(into: Json, from: Json): Json {
  for (const [k, v] of Object.entries(from)) {
    if (v && typeof v === 'object' && into[k] && typeof into[k] === 'object') merge(into[k], v)
    else into[k] = v
  }
  return into
}
async function locale(name: string): Promise<Json> {
  const read = async (p: string) => JSON.parse(await readFile(join(here, '../../web/src/locales', p), 'utf8'))
  return merge(merge(await read(`${name}.json`), await read(`disputes/${name}.json`)), await read(`partners/${name}.json`))
}
const fmt = (template: string, params: Record<string, string | number>) => template.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ''))
const RAW = /suspicious_person|no_action|registry_task|not_handler|upload_type_not_allowed|\d{4}-\d{2}-\d{2}T\d{2}:/

function idNumber(seed: number): string {
  const body = `4601071985${String(1 + (seed % 12)).padStart(2, '0')}${String(1 + (seed % 28)).padStart(2, '0')}${String(seed % 1000).padStart(3, '0')}`
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  return body + '10X98765432'[[...body].reduce((a, c, i) => a + Number(c) * w[i], 0) % 11]
}

// A real 48×48 PNG (a blue-to-red gradient), so that the thumbnail shows something.
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf: Buffer): number {
  let c = 0xffffffff
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}
function png(w = 48, h = 48): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8
  ihdr[9] = 2
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3
      raw[o] = Math.round((255 * x) / w)
      raw[o + 1] = 80
      raw[o + 2] = Math.round((255 * (w - x)) / w)
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}
const PNG = png()

async function login(request: APIRequestContext): Promise<Api> {
  const r = await request.post('/api/v1/auth/login', { data: { username: commander.user, password: commander.password } })
  expect(r.ok(), await r.text()).toBeTruthy()
  const token = (await r.json()).token as string
  return async (method, path, data) => {
    const res = await request.fetch(path, { method, data, headers: { Authorization: `Bearer ${token}`, 'X-Purpose': 'browser test: tips' } })
    const text = await res.text()
    return { status: res.status(), body: text ? JSON.parse(text) : null }
  }
}
async function citizenApi(request: APIRequestContext): Promise<Api> {
  const r = await request.post('/api/v1/citizen/login', { data: { phone, password } })
  expect(r.ok(), await r.text()).toBeTruthy()
  const token = (await r.json()).token as string
  return async (method, path, data) => {
    const res = await request.fetch(path, { method, data, headers: { Authorization: `Bearer ${token}` } })
    const text = await res.text()
    return { status: res.status(), body: text ? JSON.parse(text) : null }
  }
}

async function staffPage(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage()
  await page.goto('/login')
  await tid(page, 'login-username').fill(commander.user)
  await tid(page, 'login-password').fill(commander.password)
  await tid(page, 'login-submit').click()
  await expect(page).toHaveURL(/\/home$/)
  return page
}

function watchConsole(page: Page): string[] {
  const problems: string[] = []
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (load|execute|apply|connect)|\[intlify\]|Not found '/i.test(m.text())) problems.push(m.text())
  })
  page.on('pageerror', (e) => problems.push(String(e)))
  return problems
}

test.describe.configure({ mode: 'serial' })

test.beforeAll(async ({ playwright }) => {
  zh = await locale('zh-CN')
  en = await locale('en')
  // An address the registry resolves: one an earlier tip or dispute was matched by (a standard address
  // to the building or below), or an incident's standard address, checked with dispatch's lookup.
  const request = await playwright.request.newContext({ baseURL: process.env.JINGWU_URL, ignoreHTTPSErrors: true })
  const api = await login(request)
  const texts: string[] = []
  for (const t of ((await api('GET', `${G}/tips?status=all`)).body?.items ?? []) as Json[]) if (t.address && String(t.address_code).length >= 19) texts.push(t.address)
  for (const d of ((await api('GET', `${G}/disputes?page_size=50`)).body?.items ?? []) as Json[]) if (d.address && String(d.address_code).length >= 19) texts.push(d.address)
  for (const i of ((await api('GET', '/api/v1/dispatch/incidents?status=all')).body?.items ?? []) as Json[]) if (i.standard_address?.full_name) texts.push(i.standard_address.full_name)
  for (const text of texts.slice(0, 10)) {
    const check = await api('GET', `/api/v1/dispatch/address?q=${encodeURIComponent(text)}`)
    if (check.body?.matched) {
      address = text
      break
    }
  }
  await request.dispose()
})

let tipId = 0
let otherTipId = 0

test('a citizen sends a tip with a photo from a phone; a wrong-type photo is refused in words', async ({ browser }, testInfo) => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, geolocation: { latitude: 20.02, longitude: 110.33 }, permissions: ['geolocation'] })
  const page = await ctx.newPage()
  const problems = watchConsole(page)
  await page.goto('/citizen')
  await tid(page, 'citizen-auth-mode').getByText('注册').click()
  await tid(page, 'citizen-phone').locator(INPUT).first().fill(phone)
  await tid(page, 'citizen-name').locator(INPUT).first().fill(NAME)
  await tid(page, 'citizen-id-number').locator(INPUT).first().fill(idNumber(Date.now() % 100000))
  await tid(page, 'citizen-password').locator(INPUT).first().fill(password)
  await tid(page, 'citizen-submit').click()
  await expect(tid(page, 'citizen-hello')).toContainText(NAME)
  await page.getByRole('tab', { name: zh.tips.portalTab }).click()
  await expect(tid(page, 'tip-report')).toBeVisible()
  await expect(tid(page, 'tip-emergency')).toHaveText(zh.tips.form.emergency)

  // Nothing chosen: said beside each field, nothing sent.
  await tid(page, 'tip-submit').click()
  await expect(tid(page, 'tip-error-category')).toHaveText(zh.tips.form.needCategory)
  await expect(tid(page, 'tip-error-where')).toHaveText(zh.tips.errors.location_required)

  await tid(page, 'tip-category').locator('[data-value="suspicious_person"]').click()
  await tid(page, 'tip-text-input').locator(TEXTAREA).fill(TEXT)

  // A wrong-type photo, then a "PNG" that is not one: refused here, in words.
  await tid(page, 'tip-photo-input').setInputFiles({ name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo') })
  await expect(tid(page, 'tip-error-photos')).toHaveText(fmt(zh.tips.errors.upload_type_not_allowed_named, { name: 'note.txt' }))
  await tid(page, 'tip-photo-input').setInputFiles({ name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('GIF89a not a png at all') })
  await expect(tid(page, 'tip-error-photos')).toHaveText(fmt(zh.tips.errors.upload_content_mismatch_named, { name: 'fake.png' }))
  await expect(tid(page, 'tip-photo-picked')).toHaveCount(0)
  // The real one.
  await tid(page, 'tip-photo-input').setInputFiles({ name: 'scene.png', mimeType: 'image/png', buffer: PNG })
  await expect(tid(page, 'tip-photo-picked')).toHaveCount(1)
  await expect(tid(page, 'tip-error-photos')).toHaveCount(0)

  // Where: the registry's address, else the phone's location (never typed coordinates).
  if (address) await tid(page, 'tip-address').locator(INPUT).fill(address)
  else {
    await tid(page, 'tip-where').locator('[data-value="here"]').click()
    await expect(tid(page, 'tip-point')).toBeVisible()
  }
  await expect(page.locator('input[placeholder*="纬度"], input[placeholder*="latitude" i]')).toHaveCount(0)
  await page.screenshot({ path: testInfo.outputPath('tip-form-phone.png'), fullPage: true })
  const wide = await page.evaluate(() => document.documentElement.scrollWidth)
  expect(wide).toBeLessThanOrEqual(392)

  await tid(page, 'tip-submit').click()
  const mine = page.locator('[data-test="my-tip"]').filter({ hasText: TEXT })
  await expect(mine).toHaveCount(1)
  tipId = Number(await mine.getAttribute('data-id'))
  expect(tipId).toBeGreaterThan(0)
  await expect(mine.locator('[data-test="my-tip-status"]')).toHaveText(zh.tips.citizenStatuses.new)
  await expect(mine).toContainText(zh.tips.categories.suspicious_person)
  await expect(mine).toContainText(fmt(zh.tips.mine.photos, { n: 1 }))
  // The form is empty again.
  await expect(tid(page, 'tip-photo-picked')).toHaveCount(0)

  // The server refuses a wrong-type photo too (the page's check is not the only one), and a tip with no place.
  const citizen = await citizenApi(page.request)
  const bad = await citizen('POST', '/api/v1/citizen/tips', { category: 'other', text: 'x', address: address || undefined, lat: address ? undefined : 20.02, lon: address ? undefined : 110.33, photos: [{ content_type: 'text/plain', data: Buffer.from('hello').toString('base64') }] })
  expect(bad.status).toBe(422)
  expect(bad.body.error.code).toBe('upload_type_not_allowed')
  const nowhere = await citizen('POST', '/api/v1/citizen/tips', { category: 'other', text: 'x' })
  expect(nowhere.status).toBe(422)
  expect(nowhere.body.error.code).toBe('location_required')
  // A second tip, by the API, for the reporter check below.
  const other = await citizen('POST', '/api/v1/citizen/tips', { category: 'hazard', text: `消防通道被堵（浏览器测试 ${suffix}）`, lat: 20.02, lon: 110.33 })
  expect(other.status, JSON.stringify(other.body)).toBe(201)
  otherTipId = other.body.id
  expect(await page.locator('main').innerText()).not.toMatch(RAW)
  expect(problems).toEqual([])
  await ctx.close()
})

test('the commander sees the tip with its photo, the reporter hidden, triages it with feedback, then sees who reported', async ({ browser }, testInfo) => {
  const page = await staffPage(browser)
  const problems = watchConsole(page)
  await page.goto('/grassroots?tab=partners')
  const item = page.locator(`[data-test="tip-item"][data-id="${tipId}"]`)
  await expect(item).toBeVisible()
  await expect(item).toHaveAttribute('data-status', 'new')
  await expect(item.locator('[data-test="tip-text"]')).toHaveText(TEXT)
  await expect(item.locator('[data-test="tip-category"]')).toHaveText(zh.tips.categories.suspicious_person)
  await expect(item.locator('[data-test="tip-reporter-kind"]')).toHaveText(zh.tips.reporterCitizen)
  const api0 = await login(page.request)
  const stored = ((await api0('GET', `${G}/tips?status=new`)).body.items as Json[]).find((t) => t.id === tipId)!
  expect(stored.photos.length).toBe(1)
  if (address) {
    // The address the citizen typed was matched to the standard address: district and community found.
    expect(stored.address).toBe(address)
    expect(String(stored.address_code).length).toBeGreaterThanOrEqual(19)
    expect(stored.community_code).not.toBe('')
    await expect(item).toContainText(address)
  }
  // The photo, fetched with the session and shown from an object URL.
  const photo = item.locator('[data-test="tip-photo"]')
  await expect(photo).toHaveAttribute('data-loaded', '1')
  await expect(photo.locator('img')).toHaveAttribute('src', /^blob:/)
  const natural = await photo.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)
  expect(natural).toBe(48)
  // New tips first.
  const statuses = await page.locator('[data-test="tip-item"]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.status))
  expect(statuses.indexOf('triaged') === -1 || statuses.lastIndexOf('new') < statuses.indexOf('triaged')).toBeTruthy()

  // Another tip's reporter: only its handling officer and inspectors may see them.
  const other = page.locator(`[data-test="tip-item"][data-id="${otherTipId}"]`)
  await other.locator('[data-test="tip-show-reporter"]').click()
  await expect(tid(page, 'registry-purpose-dialog')).toBeVisible()
  await tid(page, 'registry-purpose-suggestion').first().click()
  await tid(page, 'registry-purpose-submit').click()
  await expect(other.locator('[data-test="tip-reporter-error"]')).toContainText(zh.tips.errors.not_handler)
  await expect(other.locator('[data-test="tip-reporter"]')).toHaveCount(0)
  await page.screenshot({ path: testInfo.outputPath('tips-queue.png'), fullPage: true })

  // Triage: no police action needed, with the feedback the citizen will read.
  await item.locator('[data-test="tip-triage-open"]').click()
  const dialog = page.locator('.el-dialog').filter({ has: tid(page, 'triage-submit') })
  await expect(dialog).toBeVisible()
  await dialog.locator('[data-test="triage-action"] [data-value="no_action"]').click()
  await tid(page, 'triage-submit').click()
  await expect(dialog).toContainText(zh.tips.triage.needFeedback)
  await tid(page, 'triage-feedback').locator(TEXTAREA).fill(FEEDBACK)
  await tid(page, 'triage-submit').click()
  await expect(item).toHaveAttribute('data-status', 'triaged')
  await expect(item.locator('[data-test="tip-action"]')).toHaveText(zh.tips.actions.no_action)
  await expect(item.locator('[data-test="tip-feedback"]')).toHaveText(FEEDBACK)

  // The commander handles it now: the reporter is shown (the purpose stated above is kept).
  await item.locator('[data-test="tip-show-reporter"]').click()
  await expect(item.locator('[data-test="tip-reporter"]')).toContainText(NAME)
  await expect(item.locator('[data-test="tip-reporter"]')).toContainText(phone)
  // A second triage of the same tip is refused by the server (the page offers none).
  const api = await login(page.request)
  const again = await api('POST', `${G}/tips/${tipId}/triage`, { action: 'no_action', feedback: 'again' })
  expect(again.status).toBe(409)
  expect(again.body.error.code).toBe('tip_triaged')
  expect(await page.locator('main').innerText()).not.toMatch(RAW)
  await page.screenshot({ path: testInfo.outputPath('tips-triaged.png'), fullPage: true })
  expect(problems).toEqual([])
  await page.context().close()
})

test('the citizen sees the tip handled, with the feedback, in English too', async ({ browser }, testInfo) => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } })
  const page = await ctx.newPage()
  await page.goto('/citizen')
  await tid(page, 'citizen-phone').locator(INPUT).first().fill(phone)
  await tid(page, 'citizen-password').locator(INPUT).first().fill(password)
  await tid(page, 'citizen-submit').click()
  await expect(tid(page, 'citizen-hello')).toContainText(NAME)
  await page.getByRole('tab', { name: zh.tips.portalTab }).click()
  const mine = page.locator(`[data-test="my-tip"][data-id="${tipId}"]`)
  await expect(mine.locator('[data-test="my-tip-status"]')).toHaveText(zh.tips.citizenStatuses.triaged)
  await expect(mine.locator('[data-test="my-tip-feedback"]')).toContainText(FEEDBACK)
  await page.screenshot({ path: testInfo.outputPath('tip-feedback-phone.png'), fullPage: true })
  await tid(page, 'lang-toggle').click()
  await expect(mine.locator('[data-test="my-tip-status"]')).toHaveText(en.tips.citizenStatuses.triaged)
  await expect(tid(page, 'tip-emergency')).toHaveText(en.tips.form.emergency)
  await page.screenshot({ path: testInfo.outputPath('tip-feedback-phone-en.png'), fullPage: true })
  await ctx.close()
})
