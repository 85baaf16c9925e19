// The page of a single-page app that owns the session: it keeps the pair in IndexedDB
// (session.js), refreshes it through the mock, and signs out when the server says the session is over (a
// 401 from the refresh), which is what an app must do after refresh-token reuse.
// The interceptor is chosen by ?client=naive (naive.js, the bug) or ?client=fixed (fixed.js,
// the default).
import * as naive from './naive.js';
import * as fixed from './fixed.js';
import { loadTokens, RefreshFailed } from './session.js';

const clientName = new URLSearchParams(location.search).get('client') === 'naive' ? 'naive' : 'fixed';
const client = clientName === 'naive' ? naive : fixed;

const status = document.getElementById('status');
const refreshButton = document.getElementById('refresh');
const loadButton = document.getElementById('load');
const panels = [...document.querySelectorAll('#panels li')];
document.getElementById('client').textContent = clientName;

async function show(message) {
  const auth = await loadTokens();
  status.textContent = auth ? `Signed in as ${auth.sub}. ${message ?? ''}`.trim() : `Signed out. ${message ?? ''}`.trim();
  refreshButton.disabled = !auth;
  loadButton.disabled = !auth;
}

function explain(err) {
  if (err instanceof RefreshFailed && err.endsSession) return `The server ended the session (${err.code ?? 'HTTP 401'}).`;
  if (err instanceof RefreshFailed) return `Refresh failed with HTTP ${err.status}; still signed in.`;
  return `Refresh failed: ${err.message}`;
}

// A panel asks for a valid access token, as it would before each call to your API (the mock
// of this recipe serves only the refresh operation, so the panel stops there).
async function loadPanel(panel) {
  const name = panel.dataset.name;
  panel.dataset.state = 'loading';
  panel.textContent = `${name}: loading…`;
  try {
    await client.accessToken();
    panel.dataset.state = 'ready';
    panel.textContent = `${name}: ready.`;
  } catch (err) {
    panel.dataset.state = 'failed';
    panel.textContent = `${name}: ${explain(err)}`;
  }
}

refreshButton.addEventListener('click', async () => {
  try {
    await client.refresh();
    await show('Session refreshed.');
  } catch (err) {
    await show(explain(err));
  }
});

// Both panels at once, as a page does when it opens: the moment an interceptor must handle.
loadButton.addEventListener('click', async () => {
  await Promise.all(panels.map(loadPanel));
  await show();
});

await show();
