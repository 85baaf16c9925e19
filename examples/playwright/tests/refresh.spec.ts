import { test, expect, findingsOf, type Session } from './fixtures';
import type { APIRequestContext, Page } from '@playwright/test';

// What the app has stored, read through its own module (app/session.js).
const storedAuth = (page: Page) => page.evaluate(async () => (await import('/session.js')).loadTokens());

async function sessionState(mock: APIRequestContext, session: Session) {
  const res = await mock.get(`/__mock/sessions/${session.sessionId}`);
  expect(res.status()).toBe(200);
  return res.json();
}

// RFC 6749 §6: a refresh answers a new pair; the app keeps it and stays signed in.
test('a refresh succeeds and the app keeps the new pair', async ({ page, mock, session }) => {
  await page.goto('/');
  await expect(page.getByRole('status')).toHaveText(`Signed in as ${session.sub}.`);

  await page.getByRole('button', { name: 'Refresh session' }).click();

  await expect(page.getByRole('status')).toHaveText(`Signed in as ${session.sub}. Session refreshed.`);
  const auth = await storedAuth(page);
  expect(auth.refreshToken).not.toBe(session.refreshToken);
  expect(auth.accessToken).not.toBe(session.accessToken);
  expect(await sessionState(mock, session)).toMatchObject({ state: 'active', generation: 2 });
});

// RFC 6749 §10.4, RFC 9700 §4.14: a refresh token presented after it was rotated is reuse;
// the server revokes the session and the app must sign out instead of retrying.
test.describe('a stale copy of the refresh token', () => {
  // The test plays the other tab that rotated the token, a client bug the mock reports: the test asserts it.
  test.use({ failOnFindings: false });

  test('a reused refresh token logs the app out', async ({ page, mock, session }) => {
    await page.goto('/');
    await expect(page.getByRole('status')).toHaveText(`Signed in as ${session.sub}.`);

    // Another tab (or a stolen copy) rotates the token first; the app still holds the old one.
    const other = await mock.post('/api/v1/auth/refresh-token', {
      headers: { Authorization: `Bearer ${session.accessToken}` },
      data: { refreshToken: session.refreshToken },
    });
    expect(other.status()).toBe(201);
    // A minute passes for this session before the app refreshes, so the mock judges a stale
    // copy rather than a race, however long the browser takes.
    const clock = await mock.post(`/__mock/sessions/${session.sessionId}/clock`, { data: { advance: '1m' } });
    expect(clock.status(), await clock.text()).toBe(200);

    await page.getByRole('button', { name: 'Refresh session' }).click();

    await expect(page.getByRole('status')).toHaveText('Signed out. The server ended the session (refresh_token_reused).');
    await expect(page.getByRole('button', { name: 'Refresh session' })).toBeDisabled();
    expect(await storedAuth(page)).toBeNull();
    expect(await sessionState(mock, session)).toMatchObject({ state: 'revoked', reason: 'refresh_token_reused' });
    expect((await findingsOf(mock, session)).map((f) => f.kind)).toEqual(['stale-token-replay']);
  });
});
