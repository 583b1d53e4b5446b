import { expect, request as apiRequest, test, type APIRequestContext, type BrowserContext, type Page } from '@playwright/test'
import { writeFileSync } from 'node:fs'
import { env, tid } from './helpers'

// 移动警务 (/m) on a phone-sized screen: a patrol officer (JINGWU_PATROL_USER,
// linked to a force officer with a shift and a car) signs in and sees the shift
// and the car; verifies a registry task and writes a field note without a
// connection, comes back online and finds both stored exactly once (the
// server's own lists say so, and sending the same ops again stores nothing);
// meets a conflict (a task closed by another user, JINGWU_CLERK_USER, while the
// phone was offline) shown with the server's state; signs out and leaves no
// queue, no API answer in Cache Storage and no storage behind. With
// JINGWU_DISPATCHER_USER set, also works an assignment through its states.
// Another test inspects a site due in the district without a connection: the
// whole checklist on the phone, one item not ok (a major hazard with its
// deadline), stored once when the phone is back online.
// A second test measures the first and repeat load of /m on an emulated slow
// network (printed, and written to $JINGWU_MEASURE_OUT when set).

const patrol = { user: env('JINGWU_PATROL_USER'), password: env('JINGWU_PATROL_PASSWORD') }
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }

test.use(PHONE)
// The test server's certificate is self-signed: Chromium refuses a service worker over it
// unless told to accept the certificate at the browser's level (ignoreHTTPSErrors is not enough).
test.use({
  launchOptions: {
    executablePath: process.env.JINGWU_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--ignore-certificate-errors'],
  },
})

interface Task {
  id: number
  kind: string
  community_code: string
  status?: string
}

/** An API session of its own (never the page's: going offline there does not touch it). */
async function apiAs(baseURL: string, user: string, password: string, device?: 'mobile') {
  const ctx = await apiRequest.newContext({ baseURL, ignoreHTTPSErrors: true })
  const res = await ctx.post('/api/v1/auth/login', { data: { username: user, password, ...(device ? { device } : {}) } })
  expect(res.ok(), `login ${user}: ${res.status()} ${await res.text()}`).toBeTruthy()
  const { token } = await res.json()
  const call = async (method: 'GET' | 'POST', path: string, data?: unknown, headers: Record<string, string> = {}) => {
    const r = await ctx.fetch(path, { method, data, headers: { Authorization: `Bearer ${token}`, ...headers } })
    const text = await r.text()
    return { status: r.status(), body: text ? JSON.parse(text) : undefined }
  }
  const ok = async (method: 'GET' | 'POST', path: string, data?: unknown, headers: Record<string, string> = {}) => {
    const r = await call(method, path, data, headers)
    expect(r.status, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`).toBeLessThan(300)
    return r.body
  }
  return { ctx, token, call, ok }
}
type Api = Awaited<ReturnType<typeof apiAs>>
/** /mobile/tasks names people: it asks for a purpose, as the phone states it. */
const TASKS_PURPOSE = { 'X-Purpose': `UTF-8''${encodeURIComponent('本人辖区采集核查及基层任务')}` }

/** "2025-03-04T21:00:00+08:00" for a moment, in Beijing time. */
function beijing(ms: number): string {
  const d = new Date(ms + 8 * 3600_000)
  return d.toISOString().slice(0, 19) + '+08:00'
}

/**
 * The officer's car and today's shift: a dispatch unit with the officer's call sign and a
 * shift on now with the officer on it (made by JINGWU_COMMANDER_USER, who may change
 * rosters and dispatch, when the data folder has none).
 */
async function ensureShiftAndCar(base: string, api: Api): Promise<void> {
  let me = await api.ok('GET', '/api/v1/mobile/me')
  if (me.shift && me.car) return
  const cmd = await apiAs(base, env('JINGWU_COMMANDER_USER'), env('JINGWU_COMMANDER_PASSWORD'))
  const callSign: string = me.officer.call_sign || `琼A-M${String(me.officer.police_no).slice(-4)}`
  if (!me.car) {
    const units = await cmd.ok('GET', '/api/v1/dispatch/units')
    if (!units.items.some((u: { call_sign: string }) => u.call_sign === callSign))
      await cmd.ok('POST', '/api/v1/dispatch/units', { call_sign: callSign, type: 'patrol_car', station: me.officer.unit_name, lat: 20.045, lon: 110.34 })
  }
  if (!me.shift) {
    const start = Date.now() - 3600_000
    await cmd.ok('POST', '/api/v1/force/shifts', {
      unit_code: me.officer.unit_code,
      date: beijing(start).slice(0, 10),
      code: 'day',
      starts_at: beijing(start),
      ends_at: beijing(start + 8 * 3600_000),
      members: [{ police_no: me.officer.police_no, call_sign: callSign }],
    })
  }
  me = await api.ok('GET', '/api/v1/mobile/me')
  expect(me.shift, 'the patrol officer has a shift now').toBeTruthy()
  expect(me.car, 'the patrol officer is on a car').toBeTruthy()
  await cmd.ctx.dispose()
}

async function signIn(page: Page): Promise<void> {
  await page.goto('/m')
  await expect(page).toHaveURL(/\/m\/login/)
  await tid(page, 'm-login-username').fill(patrol.user)
  await tid(page, 'm-login-password').fill(patrol.password)
  const login = page.waitForRequest((r) => r.url().endsWith('/api/v1/auth/login'))
  await tid(page, 'm-login-submit').click()
  expect((await login).postDataJSON().device, 'the phone asks for a mobile session').toBe('mobile')
  await expect(page).toHaveURL(/\/m$/)
}

/** Open registry tasks of the officer (made by the registry's rules when there are too few). */
async function openTasks(api: Api, n: number): Promise<Task[]> {
  let t = await api.ok('GET', '/api/v1/mobile/tasks', undefined, TASKS_PURPOSE)
  if (t.registry_tasks.length < n) {
    const places: string[] = t.communities?.length ? t.communities : []
    for (const community of places) await api.call('POST', '/api/v1/registry/tasks/generate', { community })
    if (!places.length) await api.call('POST', '/api/v1/registry/tasks/generate', {})
    t = await api.ok('GET', '/api/v1/mobile/tasks', undefined, TASKS_PURPOSE)
  }
  const tasks: (Task & { subject?: string })[] = t.registry_tasks.filter((x: Task) => x.kind in SAFE_RESULT)
  // Two tasks about different people, the kinds whose answer touches nothing else first.
  tasks.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind))
  const picked: (Task & { subject?: string })[] = []
  for (const x of tasks) if (picked.length < n && !picked.some((p) => p.subject === x.subject)) picked.push(x)
  expect(picked.length, 'the officer has registry tasks to verify').toBeGreaterThanOrEqual(n)
  return picked
}

/** A task's state as the registry has it (its own list, stated purpose). */
async function taskState(api: Api, task: Task): Promise<{ status: string; result: string; verified_by: string }> {
  for (const status of ['done', 'open']) {
    for (let page = 1; page <= 20; page++) {
      const r = await api.ok('GET', `/api/v1/registry/tasks?community=${task.community_code}&status=${status}&page=${page}&page_size=200`, undefined, {
        'X-Purpose': 'mobile-test',
      })
      const hit = r.items.find((x: { id: number }) => x.id === task.id)
      if (hit) return hit
      if (r.items.length < 200) break
    }
  }
  throw new Error(`task ${task.id} not found`)
}

async function setOffline(context: BrowserContext, page: Page, offline: boolean): Promise<void> {
  await context.setOffline(offline)
  await expect(tid(page, 'm-banner').and(page.locator('[data-state="offline"]'))).toHaveCount(offline ? 1 : 0)
}

/** A result for each kind that changes nothing but the task (a move-out would close the person's other checks too). */
const SAFE_RESULT: Record<string, string> = {
  stale_record: 'confirmed',
  new_rental: 'confirmed',
  care_visit: 'visited_well',
  regular_visitor: 'visitor',
  tip_check: 'confirmed',
  moved_out_unconfirmed: 'still_living',
  unregistered_occupants: 'moved_out',
}
const KIND_ORDER = Object.keys(SAFE_RESULT)

async function verifyInUi(page: Page, task: Task, note: string): Promise<void> {
  await tid(page, 'm-tab-tasks').click()
  await tid(page, 'm-section-registry').click()
  const card = page.locator(`[data-test="m-task"][data-id="${task.id}"]`)
  await card.locator('[data-test="m-task-verify"]').click()
  const sheet = tid(page, 'm-sheet')
  await sheet.locator(`[data-test="m-result-${SAFE_RESULT[task.kind]}"]`).click()
  await tid(page, 'm-task-note').fill(note)
  await tid(page, 'm-task-submit').click()
  await expect(sheet).toBeHidden()
}

test('a patrol officer works offline on the phone: exactly once, conflicts shown, nothing left after signing out', async ({ browser, baseURL }) => {
  const base = baseURL ?? 'http://127.0.0.1:8080'
  const api = await apiAs(base, patrol.user, patrol.password, 'mobile')
  const context = await browser.newContext({ ...PHONE, baseURL: base, ignoreHTTPSErrors: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const page = await context.newPage()
  const tag = `T${Date.now().toString(36)}`
  // The phone pages keep the Content-Security-Policy too (the service worker, the manifest, the QR code).
  const violations: string[] = []
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (load|execute|apply|connect|frame)/i.test(m.text())) violations.push(m.text())
  })
  page.on('pageerror', (e) => violations.push(String(e)))

  await test.step('sign in with a phone session; shift and car show', async () => {
    await ensureShiftAndCar(base, api)
    await signIn(page)
    const me = await api.ok('GET', '/api/v1/mobile/me')
    await expect(tid(page, 'm-officer')).toHaveText(me.officer.name)
    expect(me.shift, 'the patrol user has a shift today').toBeTruthy()
    expect(me.car, 'the patrol user is on a car').toBeTruthy()
    await expect(tid(page, 'm-shift')).toBeVisible()
    await expect(tid(page, 'm-no-shift')).toHaveCount(0)
    await expect(tid(page, 'm-call-sign')).toHaveText(me.car.call_sign)
    // A light layout: no desktop side menu, the bottom tab bar, nothing wider than the phone.
    await expect(page.locator('.el-menu')).toHaveCount(0)
    await expect(tid(page, 'm-tab-tasks')).toBeVisible()
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
  })

  if (process.env.JINGWU_DISPATCHER_USER) {
    await test.step('an assignment: acknowledge, en route, on scene, feedback, cleared; the timers count', async () => {
      const me = await api.ok('GET', '/api/v1/mobile/me')
      const disp = await apiAs(base, env('JINGWU_DISPATCHER_USER'), env('JINGWU_DISPATCHER_PASSWORD'))
      const inc = await disp.ok('POST', '/api/v1/dispatch/incidents', {
        category: 'dispute', priority: 2, district_code: '460108', lat: 20.0412, lon: 110.3437, address: `美兰区海府路 ${tag} 号`, narrative: `移动警务测试 ${tag}`,
      })
      const assigned = await disp.call('POST', `/api/v1/dispatch/incidents/${inc.id}/assignments`, { unit_id: me.car.unit_id })
      if (assigned.status >= 300) {
        test.info().annotations.push({ type: 'skipped', description: `car not assignable: ${JSON.stringify(assigned.body)}` })
        await disp.call('POST', `/api/v1/dispatch/incidents/${inc.id}/close`, { disposition: 'no_action' })
        return
      }
      await tid(page, 'm-tab-home').click()
      await tid(page, 'm-refresh').click()
      const card = page.locator(`[data-test="m-assignment"][data-incident="${inc.id}"]`)
      await expect(card).toHaveAttribute('data-state', 'assigned')
      await expect(card.locator('[data-test="m-nav-geo"]')).toHaveAttribute('href', /^geo:20\.0412,110\.3437/)
      await expect(card.locator('[data-test="m-nav-map"]')).toHaveAttribute('href', /^https:\/\/uri\.amap\.com\/marker\?position=110\.3437%2C20\.0412/)
      const arrival = card.locator('[data-test="m-timer"][data-step="arrival"] .value')
      const before = await arrival.textContent()
      await expect(arrival).not.toHaveText(before ?? '', { timeout: 3000 })
      for (const s of ['acknowledged', 'en_route', 'on_scene']) {
        await card.locator(`[data-test="m-state-${s}"]`).first().click()
        await expect(card).toHaveAttribute('data-state', s)
      }
      await card.locator('[data-test="m-feedback-text"]').fill(`到场处置中 ${tag}`)
      await card.locator('[data-test="m-feedback-send"]').click()
      await expect(card.locator('[data-test="m-feedback-sent"]')).toBeVisible()
      const clear = card.locator('[data-test="m-state-cleared"]').first()
      await clear.click()
      await clear.click() // asked twice
      await expect(card).toHaveCount(0)
      const after = await disp.ok('GET', `/api/v1/dispatch/incidents/${inc.id}`)
      expect(after.feedback).toContain(tag)
      await disp.call('POST', `/api/v1/dispatch/incidents/${inc.id}/close`, { disposition: 'resolved' })
    })
  }

  const [taskA, taskB] = await openTasks(api, 2)
  const noteText = `现场记录 ${tag}`
  let sentOps: { op_id: string; kind: string }[] = []

  await test.step('offline: verify a registry task and write a note; both wait on the phone', async () => {
    await tid(page, 'm-tab-tasks').click()
    await expect(page.locator(`[data-test="m-task"][data-id="${taskA.id}"]`)).toBeVisible()
    await setOffline(context, page, true)
    await verifyInUi(page, taskA, `offline ${tag}`)
    await expect(page.locator(`[data-test="m-task"][data-id="${taskA.id}"]`)).toHaveAttribute('data-pending', 'queued')
    await tid(page, 'm-tab-notes').click()
    await tid(page, 'm-note-text').fill(noteText)
    await tid(page, 'm-note-save').click()
    await expect(tid(page, 'm-note-waiting')).toHaveCount(1)
    await expect(tid(page, 'm-queue-count')).toHaveAttribute('data-n', '2')
    // Nothing has reached the server.
    expect((await api.ok('GET', '/api/v1/mobile/notes')).items.filter((n: { text: string }) => n.text === noteText)).toHaveLength(0)
    expect((await taskState(api, taskA)).status).toBe('open')
  })

  await test.step('online again: both stored, exactly once', async () => {
    const sync = page.waitForRequest((r) => r.url().endsWith('/api/v1/mobile/sync'))
    await setOffline(context, page, false)
    sentOps = (await sync).postDataJSON().ops
    expect(sentOps.map((o) => o.kind).sort()).toEqual(['note', 'verify_task'])
    for (const o of sentOps) expect(o.op_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    await expect(page.locator('[data-test="m-op-done"][data-result="stored"]')).toHaveCount(2)
    await expect(tid(page, 'm-banner')).toHaveCount(0)
    await expect(tid(page, 'm-op-problem')).toHaveCount(0)
    const notes = (await api.ok('GET', '/api/v1/mobile/notes')).items.filter((n: { text: string }) => n.text === noteText)
    expect(notes).toHaveLength(1)
    const a = await taskState(api, taskA)
    expect(a.status).toBe('done')
    expect(a.verified_by).toBe(patrol.user)
  })

  await test.step('sending the same ops again stores nothing twice', async () => {
    const again = await api.ok('POST', '/api/v1/mobile/sync', { ops: sentOps })
    expect(again.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'duplicate'])
    // The phone itself, when the answer is lost on the way: it sends again and learns "duplicate".
    const lost = `丢失回执 ${tag}`
    let aborted = 0
    await page.route('**/api/v1/mobile/sync', async (route) => {
      if (aborted++ === 0) {
        await route.fetch() // the server stores it…
        await route.abort('failed') // …but the phone never hears back
      } else await route.continue()
    })
    await tid(page, 'm-note-text').fill(lost)
    await tid(page, 'm-note-save').click()
    await expect(tid(page, 'm-banner')).toHaveAttribute('data-state', 'failed')
    await tid(page, 'm-sync-now').click()
    await expect(page.locator('[data-test="m-op-done"][data-result="duplicate"]')).toHaveCount(1)
    await page.unroute('**/api/v1/mobile/sync')
    const notes = (await api.ok('GET', '/api/v1/mobile/notes')).items
    expect(notes.filter((n: { text: string }) => n.text === noteText)).toHaveLength(1)
    expect(notes.filter((n: { text: string }) => n.text === lost)).toHaveLength(1)
    await tid(page, 'm-op-done-clear').click()
  })

  await test.step('a conflict: the task closed by someone else while offline is shown, nothing overwritten', async () => {
    await tid(page, 'm-tab-tasks').click()
    await tid(page, 'm-tasks-refresh').click()
    await expect(page.locator(`[data-test="m-task"][data-id="${taskB.id}"]`)).toBeVisible()
    await setOffline(context, page, true)
    await verifyInUi(page, taskB, `conflict ${tag}`)
    const clerk = await apiAs(base, env('JINGWU_CLERK_USER'), env('JINGWU_CLERK_PASSWORD'))
    await clerk.ok('POST', `/api/v1/registry/tasks/${taskB.id}/verify`, { result: SAFE_RESULT[taskB.kind], note: `clerk ${tag}` })
    await setOffline(context, page, false)
    const problem = page.locator('[data-test="m-op-problem"][data-status="conflict"]')
    await expect(problem).toHaveCount(1)
    await expect(problem.locator('[data-test="m-op-reason"]')).toHaveAttribute('data-code', 'task_closed')
    await expect(problem.locator('[data-test="m-op-current"]')).toContainText(env('JINGWU_CLERK_USER'))
    const now = await taskState(api, taskB)
    expect(now.verified_by, 'the other user’s verification stands').toBe(env('JINGWU_CLERK_USER'))
    // Shown until dismissed, on every page.
    await tid(page, 'm-tab-home').click()
    await expect(problem).toHaveCount(1)
    await problem.locator('[data-test="m-op-dismiss"]').click()
    await expect(problem).toHaveCount(0)
  })

  await test.step('sign out: warned of the unsynced op, then nothing of the app is left', async () => {
    // The service worker holds the shell (never an API answer).
    await page.evaluate(async () => {
      const reg = await navigator.serviceWorker?.getRegistration('/m')
      if (reg) await navigator.serviceWorker.ready
    })
    const swScope = await page.evaluate(async () => (await navigator.serviceWorker?.getRegistration('/m'))?.scope ?? '')
    expect(swScope, 'the service worker is registered for /m').toMatch(/\/m$/)
    // An op that cannot reach the server.
    await page.route('**/api/v1/mobile/sync', (route) => route.abort('failed'))
    await tid(page, 'm-tab-notes').click()
    await tid(page, 'm-note-text').fill(`未同步 ${tag}`)
    await tid(page, 'm-note-save').click()
    await expect(tid(page, 'm-queue-count')).toHaveAttribute('data-n', '1')
    const token = await page.evaluate(() => sessionStorage.getItem('jingwu.token'))
    const user = await page.evaluate(() => JSON.parse(sessionStorage.getItem('jingwu.m.snap.user') ?? '{}').data?.username)
    expect(await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).toContain(`jingwu-mobile:${user}`)
    await tid(page, 'm-tab-me').click()
    await tid(page, 'm-signout').click()
    await expect(tid(page, 'm-signout-warning')).toHaveAttribute('data-n', '1')
    await tid(page, 'm-signout-confirm').click()
    await expect(page).toHaveURL(/\/m\/login/)
    await page.unroute('**/api/v1/mobile/sync')
    const left = await page.evaluate(async () => {
      const dbs = ((await indexedDB.databases?.()) ?? []).map((d) => d.name ?? '')
      const cached: string[] = []
      for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) cached.push(r.url)
      const local: string[] = []
      for (let i = 0; i < localStorage.length; i++) local.push(localStorage.key(i) ?? '')
      return { dbs, cached, session: sessionStorage.length, local }
    })
    expect(left.dbs.filter((n) => n.startsWith('jingwu-mobile')), 'no queue database').toEqual([])
    expect(left.cached.filter((u) => new URL(u).pathname.startsWith('/api/')), 'no API answer cached').toEqual([])
    expect(left.session, 'sessionStorage empty').toBe(0)
    expect(left.local.filter((k) => k !== 'jingwu.locale'), 'localStorage: only the language choice').toEqual([])
    // The session is gone on the server too.
    const me = await api.ctx.get('/api/v1/auth/me', { headers: { Authorization: `Bearer ${token}` } })
    expect(me.status()).toBe(401)
    // The unsynced note never reached the server.
    expect((await api.ok('GET', '/api/v1/mobile/notes')).items.filter((n: { text: string }) => n.text === `未同步 ${tag}`)).toHaveLength(0)
  })
  expect(violations).toEqual([])
  await context.close()
})

interface DueSite {
  site_code: string
  site_name: string
  kind: string
  next_due: string
  checklist: string[]
}
interface Inspection {
  id: number
  inspector: string
  note: string
  checklist: { item: string; ok: boolean }[]
  hazards: { id: number; item: string; level: string; deadline: string; note: string; status: string }[]
}

test('a patrol officer inspects a due site offline: every item answered, one hazard, stored once', async ({ browser, baseURL }) => {
  const base = baseURL ?? 'http://127.0.0.1:8080'
  const api = await apiAs(base, patrol.user, patrol.password, 'mobile')
  const tag = `I${Date.now().toString(36)}`
  const today = beijing(Date.now()).slice(0, 10)
  const plusDays = (n: number) => new Date(Date.parse(`${today}T00:00:00Z`) + n * 86400_000).toISOString().slice(0, 10)

  // The generated district 460108 has retail fireworks points inspected every 15 days: some are due within the week.
  const due: DueSite[] = (await api.ok('GET', '/api/v1/mobile/tasks', undefined, TASKS_PURPOSE)).inspections_due
  const site = due.find((s) => (s.checklist?.length ?? 0) >= 2)
  expect(site, `a site of the patrol officer's district due for inspection within 7 days, with its checklist (due: ${JSON.stringify(due.map((s) => s.site_code))})`).toBeTruthy()
  if (!site) return
  const failed = site.checklist[site.checklist.length - 1]
  const inspections = async (): Promise<Inspection[]> => (await api.ok('GET', `/api/v1/grassroots/supervision/sites/${site.site_code}`)).inspections
  const before = new Set((await inspections()).map((i) => i.id))

  const context = await browser.newContext({ ...PHONE, baseURL: base, ignoreHTTPSErrors: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const page = await context.newPage()
  await signIn(page)
  await tid(page, 'm-tab-tasks').click()
  await tid(page, 'm-section-inspections').click()
  const card = page.locator(`[data-test="m-inspection-due"][data-site="${site.site_code}"]`)
  await expect(card).toBeVisible()
  await expect(tid(page, 'm-section-inspections')).toContainText(String(due.length))
  let sent: { op_id: string; kind: string; site_code: string }[] = []

  await test.step('offline: the whole checklist on the phone, one item not ok with a major hazard; kept on the phone', async () => {
    await setOffline(context, page, true)
    await card.locator('[data-test="m-inspection-start"]').click()
    const sheet = tid(page, 'm-sheet')
    const rows = sheet.locator('[data-test="m-inspection-item"]')
    await expect(rows).toHaveCount(site.checklist.length)
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-item')))).toEqual(site.checklist)
    await page.screenshot({ path: test.info().outputPath('inspection-sheet.png') })
    // All but the last item ok; saving is refused, in words, while one is unanswered.
    for (const item of site.checklist.slice(0, -1)) await sheet.locator(`[data-test="m-inspection-item"][data-item="${item}"] [data-test="m-inspection-ok"]`).click()
    const last = sheet.locator(`[data-test="m-inspection-item"][data-item="${failed}"]`)
    await tid(page, 'm-task-submit').click()
    await expect(tid(page, 'm-form-error')).toContainText(await last.locator('.check-name .m-wrap').innerText())
    await expect(sheet).toBeVisible()
    // Not ok: a hazard — its level, its deadline (a week ahead unless changed, and after today), a note.
    await last.locator('[data-test="m-inspection-fail"]').click()
    await expect(last.locator('[data-test="m-inspection-deadline"]')).toHaveValue(plusDays(7))
    await last.locator('[data-test="m-inspection-level-major"]').click()
    await last.locator('[data-test="m-inspection-deadline"]').fill(today)
    await tid(page, 'm-task-submit').click()
    await expect(tid(page, 'm-form-error')).toBeVisible()
    await expect(sheet).toBeVisible()
    await last.locator('[data-test="m-inspection-deadline"]').fill(plusDays(10))
    await last.locator('[data-test="m-inspection-item-note"]').fill(`灭火器过期 ${tag}`)
    await tid(page, 'm-task-note').fill(`手机检查 ${tag}`)
    await last.scrollIntoViewIfNeeded()
    await page.screenshot({ path: test.info().outputPath('inspection-sheet-hazard.png') })
    await tid(page, 'm-task-submit').click()
    await expect(sheet).toBeHidden()
    await expect(card).toHaveAttribute('data-pending', 'queued')
    await expect(card.locator('[data-test="m-pending"]')).toBeVisible()
    await expect(card.locator('[data-test="m-inspection-start"]')).toHaveCount(0)
    await card.screenshot({ path: test.info().outputPath('inspection-card-queued.png') })
    await expect(tid(page, 'm-queue-count')).toHaveAttribute('data-n', '1')
    expect((await inspections()).filter((i) => !before.has(i.id)), 'nothing reached the server').toHaveLength(0)
  })

  await test.step('online again: one inspection with the hazard, exactly once', async () => {
    const sync = page.waitForRequest((r) => r.url().endsWith('/api/v1/mobile/sync'))
    await setOffline(context, page, false)
    sent = (await sync).postDataJSON().ops
    expect(sent.map((o) => [o.kind, o.site_code])).toEqual([['inspect', site.site_code]])
    await expect(page.locator('[data-test="m-op-done"][data-result="stored"][data-kind="inspect"]')).toHaveCount(1)
    await expect(tid(page, 'm-op-problem')).toHaveCount(0)
    // Inspected today: the site is no longer due within the week.
    await expect(card).toHaveCount(0)
    const added = (await inspections()).filter((i) => !before.has(i.id))
    expect(added).toHaveLength(1)
    const [insp] = added
    expect(insp.inspector).toBe(patrol.user)
    expect(insp.note).toBe(`手机检查 ${tag}`)
    expect(insp.checklist.map((c) => [c.item, c.ok])).toEqual(site.checklist.map((item) => [item, item !== failed]))
    expect(insp.hazards).toHaveLength(1)
    expect(insp.hazards[0]).toMatchObject({ item: failed, level: 'major', deadline: plusDays(10), status: 'open', note: `灭火器过期 ${tag}` })
  })

  await test.step('flushing the same op again adds nothing', async () => {
    const again = await api.ok('POST', '/api/v1/mobile/sync', { ops: sent })
    expect(again.results.map((r: { status: string }) => r.status)).toEqual(['duplicate'])
    await tid(page, 'm-tasks-refresh').click()
    expect((await inspections()).filter((i) => !before.has(i.id))).toHaveLength(1)
  })
  await context.close()
  await api.ctx.dispose()
})

test('load of /m on a slow phone network (measured, not judged)', async ({ browser, baseURL }) => {
  const base = baseURL ?? 'http://127.0.0.1:8080'
  const api = await apiAs(base, patrol.user, patrol.password, 'mobile')
  await ensureShiftAndCar(base, api)
  const context = await browser.newContext({ ...PHONE, baseURL: base, ignoreHTTPSErrors: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  // Signed in already (the phone's tab keeps its token): the measure is the app, not the typing.
  await context.addInitScript((token) => sessionStorage.setItem('jingwu.token', token), api.token)
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 150,
    downloadThroughput: (1.6e6 / 8) | 0,
    uploadThroughput: (750e3 / 8) | 0,
  })
  let bytes = 0
  let requests = 0
  let fromCache = 0
  cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => {
    bytes += e.encodedDataLength
    requests++
  })
  cdp.on('Network.requestServedFromCache', () => fromCache++)
  cdp.on('Network.responseReceived', (e: { response: { fromServiceWorker?: boolean } }) => {
    if (e.response.fromServiceWorker) fromCache++
  })

  async function load(): Promise<{ ms: number; bytes: number; requests: number; from_cache: number }> {
    bytes = 0
    requests = 0
    fromCache = 0
    const t0 = Date.now()
    await page.goto('/m', { waitUntil: 'commit' })
    await expect(tid(page, 'm-me')).toBeVisible({ timeout: 60_000 })
    await expect(tid(page, 'm-assignment').or(tid(page, 'm-no-assignments')).first()).toBeVisible({ timeout: 60_000 })
    const ms = Date.now() - t0
    await page.waitForLoadState('networkidle')
    return { ms, bytes, requests, from_cache: fromCache }
  }

  const first = await load()
  // Let the service worker install and precache the shell (its downloads are its own, not the page's).
  const precache = await page.evaluate(async () => {
    const reg = await navigator.serviceWorker?.getRegistration('/m')
    if (!reg) return { entries: 0, bytes: 0 }
    await navigator.serviceWorker.ready
    let entries = 0
    let size = 0
    for (const name of await caches.keys())
      for (const r of await (await caches.open(name)).keys()) {
        entries++
        size += (await (await (await caches.open(name)).match(r))?.blob())?.size ?? 0
      }
    return { entries, bytes: size }
  })
  const repeat = await load()
  const out = {
    network: { down_kbps: 1600, up_kbps: 750, latency_ms: 150 },
    first_load: first,
    repeat_load: repeat,
    service_worker_precache: precache,
    at: new Date().toISOString(),
  }
  console.log(`mobile load: ${JSON.stringify(out)}`)
  if (process.env.JINGWU_MEASURE_OUT) writeFileSync(process.env.JINGWU_MEASURE_OUT, JSON.stringify(out, null, 2))
  test.info().annotations.push({ type: 'measure', description: JSON.stringify(out) })
  expect(first.bytes).toBeGreaterThan(0)
  await context.close()
})
