// The interceptor of many tutorials, and its bug: every caller that finds the access token
// expired refreshes on its own. Two calls at once both present the same refresh token; the
// second is reuse, and a server without a grace window revokes the session (RFC 9700 §4.14).
// The mock's diagnostics name it: concurrent-refresh. fixed.js is the same client done right.
import { clearTokens, isExpired, loadTokens, postRefresh, saveTokens, SignedOut } from './session.js';

export async function refresh() {
  const auth = await loadTokens();
  if (!auth) throw new SignedOut();
  try {
    return await saveTokens(await postRefresh(auth));
  } catch (err) {
    if (err.endsSession) await clearTokens();
    throw err;
  }
}

export async function accessToken() {
  const auth = await loadTokens();
  if (!auth) throw new SignedOut();
  if (!isExpired(auth.accessToken)) return auth.accessToken;
  return (await refresh()).accessToken;
}
