import { expect, test } from '@playwright/test'

// The web app over HTTPS (scripts/test.sh serves it with `jingwu cert
// self-signed`): the security headers arrive, and no page the analyst opens
// trips the Content-Security-Policy (no inline script, no eval, no foreign
// origin).

function env(name: string): string {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}

test('HTTPS with HSTS and a CSP that the whole app keeps', async ({ page, baseURL }) => {
  expect(baseURL, 'the browser test runs against https').toMatch(/^https:/)
  const violations: string[] = []
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (load|execute|apply|connect|frame)/i.test(m.text())) violations.push(m.text())
  })
  page.on('pageerror', (e) => violations.push(String(e)))

  const res = await page.goto('/login')
  expect(res?.status()).toBe(200)
  const h = res!.headers()
  expect(h['strict-transport-security']).toMatch(/max-age=31536000/)
  expect(h['content-security-policy']).toContain("script-src 'self'")
  expect(h['content-security-policy']).toContain("frame-ancestors 'none'")
  expect(h['x-frame-options']).toBe('DENY')
  expect(h['x-content-type-options']).toBe('nosniff')
  expect(h['referrer-policy']).toBe('no-referrer')

  await page.locator('[data-test="login-username"]').fill(env('JINGWU_ANALYST_USER'))
  await page.locator('[data-test="login-password"]').fill(env('JINGWU_ANALYST_PASSWORD'))
  await page.locator('[data-test="login-submit"]').click()
  await expect(page).not.toHaveURL(/\/login/)
  for (const path of ['/home', '/bigdata', '/bigdata/trajectory', '/bigdata/cotravel', '/search', '/watch', '/watch/alerts',
    '/cases', '/stats', '/registry', '/registry?tab=organisations', '/registry?tab=overview',
    '/stays', '/stays?tab=policy', '/public/stats', '/public/services', '/citizen', '/citizen?tab=guests']) {
    const r = await page.goto(path)
    expect(r?.status(), path).toBe(200)
    // Not networkidle: the alert and dispatch pages keep an event stream open.
    await page.waitForLoadState('load')
    await page.waitForTimeout(700)
  }
  expect(violations).toEqual([])
})
