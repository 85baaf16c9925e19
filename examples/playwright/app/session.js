// What both interceptors share: where the pair lives, when an access token counts as expired,
// and the refresh call itself. Neither the pair nor a token is ever shown on the page.
//
// The pair lives in IndexedDB, not localStorage: a tab that takes the refresh lock after another
// must read what that one stored. An IndexedDB write is committed before its transaction
// completes, so before the writer releases the lock; a localStorage write reaches the other tabs'
// processes a moment later, and a tab given the lock can still read the old refresh token.
const apiBase = window.APP_CONFIG.apiBase;

// Refresh this long before the access token's exp, so that a request does not leave with a
// token that expires on its way.
const expiryMarginSeconds = 30;

// The database, its one object store and key (tests/fixtures.ts seeds the pair there).
const database = new Promise((resolve, reject) => {
  const open = indexedDB.open('tiny-app', 1);
  open.onupgradeneeded = () => open.result.createObjectStore('auth');
  open.onsuccess = () => resolve(open.result);
  open.onerror = () => reject(open.error);
});

// stored runs one request on the store and resolves once its transaction has completed.
async function stored(mode, request) {
  const db = await database;
  return new Promise((resolve, reject) => {
    const tx = db.transaction('auth', mode);
    const req = request(tx.objectStore('auth'));
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

export async function loadTokens() {
  return (await stored('readonly', (s) => s.get('pair'))) ?? null;
}

export async function saveTokens(auth) {
  await stored('readwrite', (s) => s.put(auth, 'pair'));
  return auth;
}

export async function clearTokens() {
  await stored('readwrite', (s) => s.delete('pair'));
}

// isExpired reads the access token's exp claim (a JWT's payload is base64url JSON) and
// compares it with the page's clock.
export function isExpired(accessToken) {
  const payload = accessToken.split('.')[1].replaceAll('-', '+').replaceAll('_', '/');
  const { exp } = JSON.parse(atob(payload));
  return exp - expiryMarginSeconds <= Date.now() / 1000;
}

// RefreshFailed is a refresh answered with anything but 201. code is the mock's
// X-Mock-Error (refresh_token_reused, …), or null from a server that does not send it.
export class RefreshFailed extends Error {
  constructor(status, code) {
    super(`refresh answered HTTP ${status}${code ? ` (${code})` : ''}`);
    this.status = status;
    this.code = code;
  }

  // A 401 from the refresh ends the session: the app must sign out, not try again.
  get endsSession() {
    return this.status === 401;
  }
}

// postRefresh exchanges auth's refresh token for a new pair and returns auth with it.
export async function postRefresh(auth) {
  const res = await fetch(`${apiBase}/auth/refresh-token`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${auth.accessToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ refreshToken: auth.refreshToken }),
  });
  if (res.status !== 201) {
    throw new RefreshFailed(res.status, res.headers.get('X-Mock-Error'));
  }
  return { ...auth, ...(await res.json()) };
}

// SignedOut is asked of a client that holds no pair (never signed in, or signed out by another tab).
export class SignedOut extends Error {
  constructor() {
    super('signed out');
  }
}
