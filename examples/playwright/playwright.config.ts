import { defineConfig } from '@playwright/test';

// Where the mock and the tiny app listen. `make e2e` sets other ports and MOCK_BIN.
const mockPort = Number(process.env.MOCK_PORT ?? 5001);
const appPort = Number(process.env.APP_PORT ?? 5173);
export const mockURL = `http://127.0.0.1:${mockPort}`;
const appURL = `http://127.0.0.1:${appPort}`;

// A built binary (a dist/ download, bin/appmaker-mock) or, with Go installed, the source.
const mock = process.env.MOCK_BIN ? JSON.stringify(process.env.MOCK_BIN) : 'go run ../../cmd/appmaker-mock';

export default defineConfig({
  testDir: './tests',
  // Artifacts (traces, screenshots of failures) go under the repository's reports/, not next to the sources.
  outputDir: process.env.PW_OUTPUT_DIR ?? '../../reports/playwright',
  fullyParallel: true, // every test has its own session, so workers do not disturb each other
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  use: {
    baseURL: appURL,
    browserName: 'chromium',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      // Debian's chromium (apt-get install chromium); `npx playwright install` is not needed.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
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
  webServer: [
    {
      command: `${mock} --addr 127.0.0.1:${mockPort} --log off`,
      url: `${mockURL}/healthz`,
      reuseExistingServer: !process.env.CI, // a `make mock` already running is used as it is
      timeout: 180_000, // `go run` compiles the mock first
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
    {
      command: 'node serve.mjs',
      url: appURL,
      env: { PORT: String(appPort), API_BASE: `${mockURL}/api/v1` },
      reuseExistingServer: !process.env.CI,
    },
  ],
});
