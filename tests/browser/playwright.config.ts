import { defineConfig } from '@playwright/test'

// Runs against a jingwu server that is already up (the lead's test script starts
// it and creates the users); JINGWU_URL says where. The browser is Debian's
// chromium: Playwright's own browser downloads are not available here.
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  reporter: 'list',
  timeout: 90_000,
  expect: { timeout: 10_000 },
  retries: 0,
  workers: 1,
  outputDir: 'test-results',
  use: {
    baseURL: process.env.JINGWU_URL ?? 'http://127.0.0.1:8080',
    // scripts/test.sh serves over HTTPS with a self-signed certificate.
    ignoreHTTPSErrors: true,
    browserName: 'chromium',
    headless: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.JINGWU_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
})
