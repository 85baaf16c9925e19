// The part of a single-page app that owns the session: it keeps the pair in localStorage,
// exchanges the refresh token for a new pair, and signs out when the server says the
// session is over (401), which is what an app must do after refresh-token reuse.
const apiBase = window.APP_CONFIG.apiBase;
const status = document.getElementById('status');
const button = document.getElementById('refresh');

function stored() {
  return JSON.parse(localStorage.getItem('auth') ?? 'null');
}

function show(message) {
  const auth = stored();
  status.textContent = auth ? `Signed in as ${auth.sub}. ${message ?? ''}`.trim() : `Signed out. ${message ?? ''}`.trim();
  button.disabled = !auth;
}

async function refresh() {
  const auth = stored();
  const res = await fetch(`${apiBase}/auth/refresh-token`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${auth.accessToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ refreshToken: auth.refreshToken }),
  });
  if (res.status === 201) {
    const pair = await res.json();
    localStorage.setItem('auth', JSON.stringify({ ...auth, ...pair }));
    show('Session refreshed.');
  } else if (res.status === 401) {
    localStorage.removeItem('auth');
    show(`The server ended the session (${res.headers.get('X-Mock-Error') ?? 'HTTP 401'}).`);
  } else {
    show(`Refresh failed with HTTP ${res.status}; still signed in.`);
  }
}

button.addEventListener('click', () => {
  refresh().catch((err) => show(`Refresh failed: ${err.message}`));
});
show();
