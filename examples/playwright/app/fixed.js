// The interceptor done right: one refresh at a time for the whole browser.
//  - Single flight in the tab: the callers that find the access token expired together share
//    one in-flight refresh instead of each starting its own.
//  - A lock across tabs (the Web Locks API; secure contexts only, and localhost is one): a tab
//    refreshes only while it holds the lock, and reads the stored pair again once it has it.
//    If another tab rotated the refresh token meanwhile, this tab adopts that pair and sends
//    nothing: presenting its old copy would be reuse.
import { clearTokens, isExpired, loadTokens, postRefresh, saveTokens, SignedOut } from './session.js';

let inFlight = null;

// refresh rotates the stored pair; given the refresh token the caller found too old (used), it
// first checks whether another tab has rotated it already.
export function refresh(used) {
  inFlight ??= navigator.locks
    .request('appmaker-refresh-token', async () => {
      const auth = await loadTokens();
      if (!auth) throw new SignedOut();
      if (used && auth.refreshToken !== used) return auth; // another tab refreshed while this one waited
      try {
        return await saveTokens(await postRefresh(auth));
      } catch (err) {
        if (err.endsSession) await clearTokens();
        throw err;
      }
    })
    .finally(() => {
      inFlight = null;
    });
  return inFlight;
}

export async function accessToken() {
  const auth = await loadTokens();
  if (!auth) throw new SignedOut();
  if (!isExpired(auth.accessToken)) return auth.accessToken;
  return (await refresh(auth.refreshToken)).accessToken;
}
