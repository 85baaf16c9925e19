import { test as base, expect, type APIRequestContext } from '@playwright/test';
import { mockURL } from '../playwright.config';

// What POST /__mock/sessions answers (README: "The mock in two minutes").
export type Session = {
  sessionId: string;
  sub: string;
  org: string;
  accessToken: string;
  refreshToken: string;
};

// A finding of the mock's client diagnostics (docs/DIAGNOSTICS.md). It names tokens by
// fingerprint only, so its message is safe to print.
export type Finding = {
  kind: string;
  severity: 'error' | 'warning';
  sessionId: string | null;
  generation?: number;
  eventIds: number[];
  at: string;
  message: string;
};

type Options = {
  /**
   * After each test, fail it when the mock found client bugs in its session (the default).
   * A test that provokes findings on purpose sets it to false with test.use and asserts them itself.
   */
  failOnFindings: boolean;
};

type Fixtures = {
  /** The mock's control plane and API, at its own address. */
  mock: APIRequestContext;
  /** A session of this test's own, already in the app's storage: the app starts signed in. */
  session: Session;
};

/** The findings the mock made about one session, oldest first. */
export async function findingsOf(mock: APIRequestContext, session: Session): Promise<Finding[]> {
  const res = await mock.get(`/__mock/sessions/${session.sessionId}/diagnostics`);
  if (res.status() === 409) {
    throw new Error('the mock runs with --diagnostics=false: start it without that flag, or test.use({ failOnFindings: false })');
  }
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()).findings;
}

/**
 * Throws when the mock found client bugs in the session, with each finding's kind and message:
 * the check every test gets after it ends (failOnFindings).
 */
export async function expectNoFindings(mock: APIRequestContext, session: Session): Promise<void> {
  const findings = await findingsOf(mock, session);
  if (findings.length === 0) return;
  const lines = findings.map((f) => `  ${f.kind} (${f.severity}, events ${f.eventIds.join(', ')}): ${f.message}`);
  throw new Error(
    `The mock found ${findings.length === 1 ? 'a bug' : `${findings.length} bugs`} in how the app used its refresh tokens ` +
      `(GET /__mock/sessions/${session.sessionId}/diagnostics; docs/DIAGNOSTICS.md):\n${lines.join('\n')}`,
  );
}

export const test = base.extend<Options & Fixtures>({
  failOnFindings: [true, { option: true }],

  mock: async ({ playwright }, use) => {
    const mock = await playwright.request.newContext({ baseURL: mockURL });
    await use(mock);
    await mock.dispose();
  },

  session: async ({ mock, page, failOnFindings }, use, testInfo) => {
    const res = await mock.post('/__mock/sessions', { data: { sub: `user-${testInfo.testId}` } });
    expect(res.status(), await res.text()).toBe(201);
    const session: Session = await res.json();
    // Signed in as the app would be after its login page: the pair in the app's IndexedDB store
    // (app/session.js). Only once, so a reload keeps what the app stored since. The app's own
    // open request comes after this one, so its first read waits for this write.
    await page.addInitScript((s) => {
      if (sessionStorage.getItem('seeded')) return;
      sessionStorage.setItem('seeded', '1');
      const open = indexedDB.open('tiny-app', 1);
      open.onupgradeneeded = () => open.result.createObjectStore('auth');
      open.onsuccess = () => {
        open.result.transaction('auth', 'readwrite').objectStore('auth').put(s, 'pair');
        open.result.close();
      };
    }, { sub: session.sub, accessToken: session.accessToken, refreshToken: session.refreshToken });
    await use(session);
    try {
      if (failOnFindings) {
        await test.step("the mock's diagnostics found no client bug", () => expectNoFindings(mock, session));
      }
    } finally {
      // Revoked afterwards so that no session outlives its test (ignored if the test revoked it already).
      await mock.delete(`/__mock/sessions/${session.sessionId}`);
    }
  },
});

export { expect };
