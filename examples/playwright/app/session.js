// What both interceptors share: where the pair lives, when an access token counts as expired,
// and the refresh call itself. Neither the pair nor a token is ever shown on the page.
const apiBase = window.APP_CONFIG.apiBase;

// Refresh this long before the access token's exp, so that a request does not leave with a
// token that expires on its way.
const expiryMarginSeconds = 30;

export function loadTokens() {
  return JSON.parse(localStorage.getItem('auth') ?? 'null');
}

export function saveTokens(auth) {
  localStorage.setItem('auth', JSON.stringify(auth));
  return auth;
}

export function clearTokens() {
  localStorage.removeItem('auth');
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
