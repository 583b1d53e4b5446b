import { readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test, type APIRequestContext, type Page } from '@playwright/test'
import { env, genDir, tid } from './helpers'

// 网上督察 end to end, against a server whose data folder holds the generated
// force and its year of access history (jingwu force import + force inspect;
// see scripts/test.sh). JINGWU_TRUTH names the gen folder's truth.json; beside
// it force_truth.json says what was planted: (rule, actor) pairs of misconduct
// the rules must find, honest readers they must not flag, and a tracked
// resident whose data officers read in 2020.
// (a) Every planted pair is in the findings queue and no honest reader is.
// (b) Four eyes: inspector 1 proposes to confirm a finding; approving it
//     himself is refused with the translated four_eyes_required message and the
//     finding stays proposed; inspector 2 approves, then records a warning from
//     it, and the finding shows the record.
// (c) The audit page signs a checkpoint, downloads it (its last_id is the
//     API's) and verifying the log against that file says it matches; a
//     changed file is refused in words.
// (d) The tracked resident, signed up in the citizen portal, sees on a phone
//     exactly the reads the API returns, and the read withheld for an open case
//     in a sentence.
// Reruns against the same server: a finding confirmed by an earlier run is not
// picked again (an open one is), a citizen already signed up signs in.

const here = dirname(fileURLToPath(import.meta.url))
// Element Plus puts data-test on the <input>/<textarea> of a text field but on the wrapper of some others.
const FIELD = 'xpath=self::input | self::textarea | .//input | .//textarea'

interface Planted {
  rule: string
  actor: string
  police_no: string
  what: string
}
interface ForceTruth {
  planted: Planted[]
  honest_readers: string[]
  tracker: { id_number: string; name: string }
}
interface Finding {
  id: number
  rule: string
  actor: string
  police_no: string
  state: string
  score: number
  evidence_count: number
  proposed_by: string
  proposed_decision: string
  decided_by: string
  discipline_id: number | null
}

const inspector1 = { user: env('JINGWU_INSPECTOR_USER'), password: env('JINGWU_INSPECTOR_PASSWORD') }
const inspector2 = { user: env('JINGWU_INSPECTOR2_USER'), password: env('JINGWU_INSPECTOR2_PASSWORD') }
// The citizen the API test signs up for the tracked resident too: either run may come first.
const CITIZEN = { phone: '13900139077', password: 'citizen-pass-1' }

async function forceTruth(): Promise<ForceTruth> {
  return JSON.parse(await readFile(join(genDir, 'force_truth.json'), 'utf8'))
}

async function locale(): Promise<Record<string, any>> {
  return JSON.parse(await readFile(join(here, '../../web/src/locales/zh-CN.json'), 'utf8'))
}

/** A locale message with its {name} placeholders filled, as vue-i18n does. */
const fill = (s: string, args: Record<string, string | number> = {}) => s.replace(/\{(\w+)\}/g, (_, k: string) => String(args[k] ?? ''))

type Api = {
  get: (path: string) => Promise<any>
  post: (path: string, body?: unknown) => Promise<{ status: number; json: any }>
}

/** The API as a staff user, for checking what the pages show and did. */
async function staffApi(request: APIRequestContext, user: string, password: string): Promise<Api> {
  const r = await request.post('/api/v1/auth/login', { data: { username: user, password } })
  expect(r.ok(), `login ${user}: ${r.status()}`).toBeTruthy()
  const token = (await r.json()).token as string
  const headers = { Authorization: `Bearer ${token}` }
  return {
    async get(path) {
      const res = await request.get(path, { headers })
      expect(res.ok(), `${path}: ${res.status()} ${await res.text()}`).toBeTruthy()
      return res.json()
    },
    async post(path, body) {
      const res = await request.post(path, { headers, data: body ?? {} })
      return { status: res.status(), json: await res.json().catch(() => null) }
    },
  }
}

async function login(page: Page, user: string, password: string): Promise<void> {
  await page.goto('/login')
  await tid(page, 'login-username').fill(user)
  await tid(page, 'login-password').fill(password)
  await tid(page, 'login-submit').click()
  await expect(page).toHaveURL(/\/home$/)
}

/** Every finding, all states. */
async function allFindings(api: Api): Promise<Finding[]> {
  const out: Finding[] = []
  for (let page = 1; ; page++) {
    const r = await api.get(`/api/v1/inspection/findings?page=${page}&page_size=500`)
    out.push(...r.items)
    if (out.length >= r.total || !r.items.length) return out
  }
}

const finding = async (api: Api, id: number): Promise<Finding> => api.get(`/api/v1/inspection/findings/${id}`)

/** The finding rows the queue shows (table or cards). */
const rows = (page: Page) => tid(page, 'inspection-table').locator('[data-test="inspection-finding"]')

/** Waits for the queue to show the answer to the request that `act` makes. */
async function queueAfter(page: Page, act: () => Promise<unknown>, match: (url: URL) => boolean = () => true): Promise<any> {
  const answer = page.waitForResponse((r) => {
    const u = new URL(r.url())
    return u.pathname === '/api/v1/inspection/findings' && r.ok() && match(u)
  })
  await act()
  const body = await (await answer).json()
  const ids = body.items.map((f: Finding) => String(f.id))
  await expect.poll(() => rows(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual(ids)
  return body
}

test('the rules find every planted misconduct and no honest reader; two inspectors decide a finding and a warning is recorded from it', async ({ page, browser, request }, testInfo) => {
  const truth = await forceTruth()
  const zh = await locale()
  expect(truth.planted.length, 'force_truth.json plants misconduct').toBeGreaterThan(0)
  const api1 = await staffApi(request, inspector1.user, inspector1.password)
  const api2 = await staffApi(request, inspector2.user, inspector2.password)

  await test.step('(a) the API holds a finding for every planted (rule, actor) and none for an honest reader', async () => {
    const all = await allFindings(api1)
    for (const p of truth.planted)
      expect(all.some((f) => f.rule === p.rule && f.actor === p.actor), `planted ${p.rule} by ${p.actor} (${p.what})`).toBe(true)
    for (const h of truth.honest_readers) expect(all.filter((f) => f.actor === h), `honest reader ${h}`).toEqual([])
  })

  await test.step('the inspector opens 网上督察 from the menu and runs the rules, with progress and a result in words', async () => {
    await login(page, inspector1.user, inspector1.password)
    await expect(tid(page, 'menu-inspection')).toHaveText(/^\s*网上督察\s*$/)
    await tid(page, 'menu-inspection').click()
    await expect(page).toHaveURL(/\/inspection/)
    await expect(tid(page, 'inspection-page')).toBeVisible()
    await expect(rows(page).first()).toBeVisible()
    const run = page.waitForResponse((r) => r.url().endsWith('/api/v1/inspection/run') && r.request().method() === 'POST')
    await tid(page, 'inspection-run').click()
    const stats = await (await run).json()
    const result = tid(page, 'inspection-run-result')
    await expect(result).toBeVisible()
    await expect(result).toHaveAttribute('data-raised', String(stats.raised))
    await expect(result).toContainText(`新发现 ${stats.raised} 条线索`)
  })

  await test.step('(a) the queue, filtered by each planted rule (all states), shows the planted officer; an honest reader has no finding', async () => {
    await queueAfter(page, () => tid(page, 'inspection-state-all').click(), (u) => !u.searchParams.has('state'))
    const counts = await api1.get('/api/v1/inspection/findings?page_size=1')
    for (const s of ['open', 'proposed', 'confirmed', 'dismissed'])
      await expect(tid(page, `inspection-count-${s}`)).toHaveAttribute('data-n', String(counts.by_state[s]))
    for (const rule of [...new Set(truth.planted.map((p) => p.rule))]) {
      await tid(page, 'inspection-rule-filter').click()
      const shown = await queueAfter(
        page,
        () => page.locator(`[data-test="inspection-rule-option-${rule}"]:visible`).click(),
        (u) => u.searchParams.get('rule') === rule,
      )
      const actors = await rows(page).evaluateAll((els) => els.map((e) => `${e.getAttribute('data-rule')}|${e.getAttribute('data-actor')}`))
      expect(actors.length).toBe(shown.items.length)
      for (const p of truth.planted.filter((x) => x.rule === rule)) expect(actors, `${p.what}`).toContain(`${rule}|${p.actor}`)
      // The sentence is words, not JSON.
      await expect(rows(page).first().locator('xpath=ancestor::tr').locator('[data-test="inspection-finding-what"]')).not.toContainText('{')
    }
    await page.goto('/inspection?state=all')
    for (const h of truth.honest_readers) {
      await tid(page, 'inspection-officer-filter').locator(FIELD).first().fill(h)
      await queueAfter(page, () => tid(page, 'inspection-officer-search').click(), (u) => u.searchParams.get('actor') === h)
      await expect(rows(page)).toHaveCount(0)
      await expect(tid(page, 'inspection-table')).toContainText(zh.inspection.empty)
    }
  })

  // An open finding of a planted officer (an earlier run may have decided others already).
  const open = (await allFindings(api1))
    .filter((f) => f.state === 'open' && truth.planted.some((p) => p.rule === f.rule && p.actor === f.actor))
    .sort((a, b) => b.score - a.score)
  expect(open.length, 'an open finding of a planted officer is left to decide').toBeGreaterThan(0)
  const chosen = open[0]

  await test.step('(b) inspector 1 opens the finding: a sentence, the officer, the evidence entries', async () => {
    await page.goto('/inspection')
    await tid(page, 'inspection-officer-filter').locator(FIELD).first().fill(chosen.actor)
    await queueAfter(page, () => tid(page, 'inspection-officer-search').click(), (u) => u.searchParams.get('actor') === chosen.actor)
    await rows(page).and(page.locator(`[data-id="${chosen.id}"]`)).click()
    const drawer = tid(page, 'inspection-drawer')
    await expect(tid(drawer, 'inspection-detail-state')).toHaveAttribute('data-state', 'open')
    await expect(tid(drawer, 'inspection-sentence')).not.toBeEmpty()
    await expect(tid(drawer, 'inspection-detail-officer')).toContainText(chosen.police_no)
    const detail = await api1.get(`/api/v1/inspection/findings/${chosen.id}`)
    const evRows = tid(drawer, 'inspection-evidence-table').locator('.el-table__body tr.el-table__row')
    await expect(evRows).toHaveCount(Math.min(20, detail.evidence.length))
    await expect(evRows.first()).toContainText(String(detail.evidence[0].target).replace(/^ID:/, ''))
  })

  await test.step('(b) inspector 1 proposes to confirm it', async () => {
    const drawer = tid(page, 'inspection-drawer')
    await tid(drawer, 'inspection-propose-confirm').click()
    await tid(drawer, 'inspection-propose-reason').locator(FIELD).first().fill('夜间无案查询，经核实无工作需要')
    await tid(drawer, 'inspection-propose-submit').click()
    await expect(tid(drawer, 'inspection-detail-state')).toHaveAttribute('data-state', 'proposed')
    await expect(tid(drawer, 'inspection-proposal')).toHaveAttribute('data-by', inspector1.user)
    await expect(tid(drawer, 'inspection-second-hint')).toHaveText(zh.inspection.review.youProposed)
    const f = await finding(api1, chosen.id)
    expect(f.state).toBe('proposed')
    expect(f.proposed_by).toBe(inspector1.user)
    expect(f.proposed_decision).toBe('confirm')
  })

  await test.step('(b) approving his own proposal is refused in words, and the finding stays proposed', async () => {
    const drawer = tid(page, 'inspection-drawer')
    await tid(drawer, 'inspection-approve').click()
    await expect(tid(drawer, 'inspection-review-error')).toContainText(zh.inspection.errors.four_eyes_required)
    await expect(tid(drawer, 'inspection-detail-state')).toHaveAttribute('data-state', 'proposed')
    expect((await finding(api1, chosen.id)).state).toBe('proposed')
    await page.screenshot({ path: testInfo.outputPath('inspection-four-eyes.png') })
  })

  const second = await (await browser.newContext()).newPage()
  await test.step('(b) inspector 2 finds it among the proposed and approves: confirmed', async () => {
    await login(second, inspector2.user, inspector2.password)
    await second.goto('/inspection')
    await queueAfter(second, () => tid(second, 'inspection-state-proposed').click(), (u) => u.searchParams.get('state') === 'proposed')
    await rows(second).and(second.locator(`[data-id="${chosen.id}"]`)).click()
    const drawer = tid(second, 'inspection-drawer')
    await expect(tid(drawer, 'inspection-proposal')).toHaveAttribute('data-by', inspector1.user)
    await expect(tid(drawer, 'inspection-proposal')).toHaveAttribute('data-decision', 'confirm')
    await tid(drawer, 'inspection-approve').click()
    await expect(tid(drawer, 'inspection-detail-state')).toHaveAttribute('data-state', 'confirmed')
    await expect(tid(drawer, 'inspection-decided')).toContainText(inspector2.user)
    const f = await finding(api2, chosen.id)
    expect(f.state).toBe('confirmed')
    expect(f.decided_by).toBe(inspector2.user)
  })

  await test.step('(b) inspector 2 records a warning from the confirmed finding; the finding shows the record', async () => {
    const drawer = tid(second, 'inspection-drawer')
    await tid(drawer, 'inspection-discipline-kind-warning').click()
    await tid(drawer, 'inspection-discipline-decision').locator(FIELD).first().fill('给予警告处分，责令书面检查')
    await tid(drawer, 'inspection-discipline-submit').click()
    const record = tid(drawer, 'inspection-discipline-record')
    await expect(record).toHaveAttribute('data-kind', 'warning')
    await expect(record).toContainText(zh.inspection.disciplineKinds.warning)
    await expect(record).toContainText('给予警告处分')
    const f = await finding(api2, chosen.id)
    expect(f.discipline_id).not.toBeNull()
    await expect(record).toHaveAttribute('data-id', String(f.discipline_id))
    const records = await api2.get(`/api/v1/force/discipline?police_no=${chosen.police_no}`)
    const made = records.items.find((r: { id: number }) => r.id === f.discipline_id)
    expect(made).toMatchObject({ kind: 'warning', finding_id: chosen.id, police_no: chosen.police_no, created_by: inspector2.user })
    await second.screenshot({ path: testInfo.outputPath('inspection-discipline.png') })
  })
  await second.context().close()
})

test('the audit page signs a checkpoint, downloads it and verifies the log against the file', async ({ page, request }, testInfo) => {
  const zh = await locale()
  const api = await staffApi(request, inspector1.user, inspector1.password)
  await login(page, inspector1.user, inspector1.password)
  await tid(page, 'menu-audit').click()
  await expect(tid(page, 'audit-table')).toBeVisible()
  await page.locator('#tab-checkpoints').click()
  const key = await api.get('/api/v1/audit/public-key')
  await expect(tid(page, 'audit-checkpoint-public-key')).toHaveAttribute('data-key', key.public_key)

  const signed = page.waitForResponse((r) => r.url().endsWith('/api/v1/audit/checkpoints') && r.request().method() === 'POST')
  await tid(page, 'audit-checkpoint-sign').click()
  const res = await signed
  expect(res.status()).toBe(201)
  const cp = await res.json()
  await expect(tid(page, 'audit-checkpoint-id').first()).toHaveText(String(cp.id))

  const download = page.waitForEvent('download')
  await page.locator(`[data-test="audit-checkpoint-download"][data-id="${cp.id}"]`).click()
  const file = testInfo.outputPath('checkpoint.json')
  await (await download).saveAs(file)
  const saved = JSON.parse(await readFile(file, 'utf8'))
  const listed = (await api.get('/api/v1/audit/checkpoints')).items.find((x: { id: number }) => x.id === cp.id)
  expect(saved.last_id).toBe(listed.last_id)
  expect(saved.last_id).toBe(cp.last_id)
  expect(saved.signature).toBe(listed.signature)

  await tid(page, 'audit-checkpoint-file').setInputFiles(file)
  const result = tid(page, 'audit-checkpoint-result')
  await expect(result).toHaveAttribute('data-ok', 'true', { timeout: 60_000 })
  await expect(result).toHaveAttribute('data-last-id', String(cp.last_id))
  await expect(result).toContainText(zh.audit.checkpointOkTitle)
  await expect(result).toContainText(`覆盖至第 ${Number(cp.last_id).toLocaleString('en-US')} 条日志`)
  await page.screenshot({ path: testInfo.outputPath('audit-checkpoint.png') })

  // A file whose content was changed no longer carries a valid signature: said in words.
  const changed = testInfo.outputPath('checkpoint-changed.json')
  await writeFile(changed, JSON.stringify({ ...saved, last_id: saved.last_id - 1 }))
  await tid(page, 'audit-checkpoint-file').setInputFiles(changed)
  await expect(tid(page, 'audit-checkpoint-error')).toHaveText(zh.audit.checkpointErrors.checkpoint_bad_signature)
})

/** Signs the tracked resident up (or in, when an earlier run or the API test did); the citizen token. */
async function trackedCitizen(request: APIRequestContext, t: ForceTruth['tracker']): Promise<string> {
  let r = await request.post('/api/v1/citizen/login', { data: CITIZEN })
  if (r.status() === 401) {
    const reg = await request.post('/api/v1/citizen/register', { data: { ...CITIZEN, id_number: t.id_number, name: t.name } })
    expect(reg.status(), await reg.text()).toBe(201)
    r = await request.post('/api/v1/citizen/login', { data: CITIZEN })
  }
  expect(r.ok(), await r.text()).toBeTruthy()
  return (await r.json()).token
}

test('the tracked resident sees on a phone who read their data, and the read withheld for an open case in words', async ({ browser, request }, testInfo) => {
  const { tracker } = await forceTruth()
  const zh = await locale()
  const token = await trackedCitizen(request, tracker)
  const res = await request.get('/api/v1/citizen/data-reads', { headers: { Authorization: `Bearer ${token}` } })
  expect(res.ok()).toBeTruthy()
  const reads = await res.json()
  expect(reads.items.length, 'the tracked resident was read in the generated year').toBeGreaterThan(0)
  expect(reads.withheld_open_case).toBe(1)

  const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage()
  await phone.goto('/citizen')
  await tid(phone, 'citizen-phone').locator(FIELD).first().fill(CITIZEN.phone)
  await tid(phone, 'citizen-password').locator(FIELD).first().fill(CITIZEN.password)
  await tid(phone, 'citizen-submit').click()
  await expect(tid(phone, 'citizen-hello')).toContainText(tracker.name)
  const answer = phone.waitForResponse((r) => r.url().includes('/api/v1/citizen/data-reads') && r.ok())
  await phone.locator('#tab-reads').click()
  await answer
  await expect(tid(phone, 'tracker-summary')).toHaveAttribute('data-total', String(reads.total))

  const shown = tid(phone, 'tracker-read')
  await expect(shown).toHaveCount(reads.items.length)
  for (let i = 0; i < reads.items.length; i++) {
    const want = reads.items[i]
    const row = shown.nth(i)
    await expect(row).toHaveAttribute('data-at', want.at)
    await expect(tid(row, 'tracker-read-unit')).toHaveText(want.unit_name || want.unit)
    await expect(tid(row, 'tracker-read-purpose')).toHaveText(zh.citizen.trackerPurposes[want.purpose_category])
    // "2020-07-20 15:10", Beijing time.
    const at = new Date(new Date(want.at).getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ')
    await expect(tid(row, 'tracker-read-when')).toHaveText(at)
    if (want.case_no) await expect(tid(row, 'tracker-read-case')).toHaveText(fill(zh.citizen.trackerCase, { no: want.case_no }))
    else await expect(tid(row, 'tracker-read-case')).toHaveCount(0)
  }
  await expect(tid(phone, 'tracker-withheld-open')).toHaveText(fill(zh.citizen.trackerWithheldOpen, { n: 1 }))
  if (reads.withheld_recent > 0)
    await expect(tid(phone, 'tracker-withheld-recent')).toHaveText(fill(zh.citizen.trackerWithheldRecent, { n: reads.withheld_recent, d: reads.delay_days }))
  else await expect(tid(phone, 'tracker-withheld-recent')).toHaveCount(0)
  // Nothing wider than the phone.
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
  await phone.screenshot({ path: testInfo.outputPath('tracker-phone.png'), fullPage: true })
  await phone.context().close()
})

test('a dispatcher has no 网上督察 and /inspection is refused', async ({ page }) => {
  await login(page, env('JINGWU_DISPATCHER_USER'), env('JINGWU_DISPATCHER_PASSWORD'))
  await expect(tid(page, 'menu-inspection')).toHaveCount(0)
  await page.goto('/inspection')
  await expect(page).toHaveURL(/\/403/)
  await expect(tid(page, 'inspection-page')).toHaveCount(0)
})
