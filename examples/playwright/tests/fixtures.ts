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

type Fixtures = {
  /** The mock's control plane and API, at its own address. */
  mock: APIRequestContext;
  /** A session of this test's own, already in the app's storage: the app starts signed in. */
  session: Session;
};

export const test = base.extend<Fixtures>({
  mock: async ({ playwright }, use) => {
    const mock = await playwright.request.newContext({ baseURL: mockURL });
    await use(mock);
    await mock.dispose();
  },

  session: async ({ mock, page }, use, testInfo) => {
    const res = await mock.post('/__mock/sessions', { data: { sub: `user-${testInfo.testId}` } });
    expect(res.status(), await res.text()).toBe(201);
    const session: Session = await res.json();
    // Signed in as the app would be after its login page; only once, so a reload keeps what the app stored since.
    await page.addInitScript((s) => {
      if (!sessionStorage.getItem('seeded')) {
        sessionStorage.setItem('seeded', '1');
        localStorage.setItem('auth', JSON.stringify(s));
      }
    }, { sub: session.sub, accessToken: session.accessToken, refreshToken: session.refreshToken });
    await use(session);
    // Revoked afterwards so that no session outlives its test (ignored if the test revoked it already).
    await mock.delete(`/__mock/sessions/${session.sessionId}`);
  },
});

export { expect };
