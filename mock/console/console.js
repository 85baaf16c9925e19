// The appmaker-mock console: a page over the /__mock/ control plane. Served by the proxy
// (appmaker-mock proxy), whose GET /__mock/events list says "proxy", it shows the proxy tab
// instead: the exchanges, the violations and the findings, live. Everything a client
// can set (sub, org, paths, codes, fault text) is put in the page as text (textContent,
// text nodes), never as markup. No token is ever shown: the control plane never answers
// one, except POST /__mock/sessions, whose body this page does not read.
'use strict';

(() => {
  const tokenKey = 'appmaker-mock-admin-token';
  const maxEvents = 200;
  const maxShownSessions = 200;
  const maxChain = 12;

  const state = {
    token: sessionStorage.getItem(tokenKey) || '',
    since: 0,
    chains: new Map(), // sessionId -> Map(generation -> fingerprint), as seen by this page
    sessions: [],
    total: 0,
    loading: false,
    dirty: false,
    following: false,
    proxy: null, // what the proxy says of itself, when a proxy serves the page
  };

  const $ = (sel) => document.querySelector(sel);

  // el builds an element; children are nodes or strings (always text).
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'class') e.className = v;
      else if (k.startsWith('data-') || k === 'title') e.setAttribute(k, v);
      else e[k] = v;
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return e;
  }

  function say(text) { $('#message').textContent = text || ''; }

  function setLive(s) {
    const live = $('#live');
    live.textContent = s;
    live.className = 'live live-' + s;
  }

  class Unauthorized extends Error {}

  function headers(json) {
    const h = {};
    if (state.token) h.Authorization = 'Bearer ' + state.token;
    if (json) h['Content-Type'] = 'application/json';
    return h;
  }

  // api calls the control plane (paths relative to /__mock/) and returns its JSON answer.
  // With discard the body is not read: POST /__mock/sessions answers the session's tokens.
  async function api(method, path, body, discard) {
    const res = await fetch('../' + path, {
      method, cache: 'no-store', headers: headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 401) {
      if (res.body) res.body.cancel();
      throw new Unauthorized('the control plane needs the admin token');
    }
    if (discard && res.ok) {
      if (res.body) res.body.cancel();
      return null;
    }
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error || ('answered ' + res.status));
    return data;
  }

  // act runs a console action and reloads what it may have changed.
  async function act(fn) {
    try {
      say('');
      await fn();
    } catch (e) {
      fail(e);
    }
    await reloadSessions();
    await loadClock();
    await loadFaults();
  }

  function fail(e) {
    if (e instanceof Unauthorized) {
      askToken('The token was refused: enter the mock\'s --admin-token.');
      return;
    }
    say(e.message);
  }

  // ---- clock ----
  async function loadClock() {
    try {
      const c = await api('GET', 'clock');
      $('#clock-now').textContent = c.now;
      $('#clock-offset').textContent = c.offset + (c.adjustable ? '' : ' (fixed)');
    } catch (e) { fail(e); }
  }

  // ---- sessions ----
  function remember(s) {
    let chain = state.chains.get(s.sessionId);
    if (!chain) state.chains.set(s.sessionId, chain = new Map());
    chain.set(s.generation, s.refreshTokenFingerprint);
    if (s.previousRefreshTokenFingerprint) chain.set(s.generation - 1, s.previousRefreshTokenFingerprint);
  }

  async function reloadSessions() {
    if (state.loading) { state.dirty = true; return; }
    state.loading = true;
    try {
      do {
        state.dirty = false;
        const list = await api('GET', 'sessions');
        state.sessions = list.sessions;
        state.total = list.total;
        list.sessions.forEach(remember);
        renderSessions();
      } while (state.dirty);
    } catch (e) {
      fail(e);
    } finally {
      state.loading = false;
    }
  }

  function chainView(s) {
    const chain = state.chains.get(s.sessionId) || new Map();
    const ol = el('ol', { class: 'chain' });
    const first = Math.max(1, s.generation - maxChain + 1);
    if (first > 1) ol.append(el('li', { class: 'unseen' }, '… ' + (first - 1) + ' earlier'));
    for (let g = first; g <= s.generation; g++) {
      const fp = chain.get(g);
      let cls = g === s.generation ? 'current' : (g === s.generation - 1 ? 'previous' : 'used');
      if (!fp) cls += ' unseen';
      if (s.state !== 'active' && g === s.generation) cls += ' dead';
      ol.append(el('li', { class: cls, 'data-gen': String(g), title: g === s.generation ? 'current refresh token' : 'rotated (used up)' },
        'g' + g + ' ' + (fp || 'not seen')));
    }
    return ol;
  }

  function actionButton(label, action, id, danger) {
    return el('button', { type: 'button', class: danger ? 'danger' : '', 'data-action': action, 'data-session-id': id }, label);
  }

  function renderSessions() {
    const filter = $('#sessions-filter').value.trim().toLowerCase();
    const rows = state.sessions.slice().reverse().filter((s) => !filter ||
      s.sessionId.toLowerCase().includes(filter) || s.sub.toLowerCase().includes(filter));
    const shown = rows.slice(0, maxShownSessions);
    const tbody = $('#sessions tbody');
    tbody.replaceChildren(...shown.map((s) => el('tr', { 'data-session-id': s.sessionId, 'data-state': s.state },
      el('td', { class: 'sid' }, s.sessionId, s.fixture ? el('span', { class: 'reason' }, 'fixture ' + s.fixture) : null),
      el('td', { class: 'who' }, el('span', { class: 'sub-name' }, s.sub), el('span', { class: 'reason' }, s.org)),
      el('td', {}, el('span', { class: 'state state-' + s.state }, s.state), s.reason ? el('span', { class: 'reason' }, s.reason) : null),
      el('td', { class: 'gen' }, String(s.generation)),
      el('td', { class: 'chain' }, chainView(s)),
      el('td', { class: 'clock' }, s.clockOffset ? '+' + s.clockOffset : '—'),
      el('td', { class: 'actions' },
        actionButton('Expire access', 'expire-access', s.sessionId),
        actionButton('Expire refresh', 'expire-refresh', s.sessionId),
        actionButton('Expire session', 'expire-session', s.sessionId),
        actionButton('Advance clock', 'advance-clock', s.sessionId),
        actionButton('Replay previous token', 'replay', s.sessionId, true),
        actionButton('Revoke', 'revoke', s.sessionId, true)))));
    let count = state.total + ' in all';
    if (rows.length > shown.length) count += ', newest ' + shown.length + ' shown';
    if (state.total > state.sessions.length) count += ' (the console lists the first ' + state.sessions.length + ')';
    $('#sessions-total').textContent = '(' + count + ')';
  }

  async function sessionAction(action, id) {
    const at = 'sessions/' + encodeURIComponent(id);
    switch (action) {
      case 'expire-access': case 'expire-refresh': case 'expire-session':
        await api('POST', at + '/expire', { what: action.slice('expire-'.length) });
        break;
      case 'advance-clock':
        await api('POST', at + '/clock', { advance: $('#advance').value.trim() });
        break;
      case 'replay': {
        const r = await api('POST', at + '/replay', {});
        say('Replayed the previous token of ' + id + ': the refresh answers ' + r.status + (r.code ? ' ' + r.code : ''));
        break;
      }
      case 'revoke':
        await api('DELETE', at);
        break;
    }
  }

  // ---- fault rules ----
  async function loadFaults() {
    try {
      const { faults } = await api('GET', 'faults');
      $('#faults').replaceChildren(...faults.map((f) => {
        const parts = [];
        for (const k of ['operation', 'sessionId', 'sub', 'status', 'code', 'latency', 'retryAfter']) {
          if (f[k] !== undefined && f[k] !== '') parts.push(k + '=' + f[k]);
        }
        for (const k of ['lostResponse', 'lostRequest', 'outsideDocument']) if (f[k]) parts.push(k);
        parts.push(f.remaining === undefined ? 'until removed' : f.remaining + ' of ' + f.count + ' left');
        parts.push('applied ' + f.applied);
        return el('li', { 'data-fault-id': String(f.id) }, '#' + f.id + ' ' + parts.join(' · ') + ' ',
          el('button', { type: 'button', 'data-fault-remove': String(f.id) }, 'Remove'));
      }));
    } catch (e) { fail(e); }
  }

  function faultFromForm() {
    const rule = {};
    const text = (id, key) => { const v = $(id).value.trim(); if (v) rule[key] = v; };
    const num = (id, key) => { const v = $(id).value.trim(); if (v) rule[key] = Number(v); };
    text('#fault-operation', 'operation');
    text('#fault-session', 'sessionId');
    text('#fault-sub', 'sub');
    num('#fault-status', 'status');
    text('#fault-code', 'code');
    text('#fault-latency', 'latency');
    num('#fault-count', 'count');
    text('#fault-retry', 'retryAfter');
    if ($('#fault-lost-response').checked) rule.lostResponse = true;
    if ($('#fault-lost-request').checked) rule.lostRequest = true;
    if ($('#fault-outside').checked) rule.outsideDocument = true;
    return rule;
  }

  // ---- event journal ----
  function addEvent(e) {
    const statusClass = 'status status-' + String(e.status).charAt(0);
    const row = el('tr', { 'data-event-id': String(e.id), 'data-session-id': e.sessionId || '' },
      el('td', {}, String(e.id)),
      el('td', { title: e.time }, (e.time || '').slice(11, 19)),
      el('td', { class: 'request' }, e.method + ' ' + e.path),
      el('td', { class: statusClass }, e.status ? String(e.status) : 'no answer'),
      el('td', { class: 'code' }, e.code || ''),
      el('td', { class: 'session' }, e.sessionId || ''),
      el('td', { class: 'fault' }, e.fault || ''));
    const tbody = $('#events tbody');
    tbody.prepend(row);
    while (tbody.rows.length > maxEvents) tbody.deleteRow(-1);
  }

  async function loadEvents() {
    const list = await api('GET', 'events?limit=100');
    state.proxy = list.proxy || null;
    $('#events tbody').replaceChildren();
    if (state.proxy) {
      $('#violations tbody').replaceChildren();
      list.events.forEach((e) => onEvent(e.type || 'request', e));
    } else {
      list.events.forEach(addEvent);
    }
    state.since = list.newest;
  }

  // onEvent shows one event of the stream by its kind: request, violation, diagnostic.
  function onEvent(kind, e) {
    if (kind === 'request') {
      addEvent(e);
      if (!state.proxy) reloadSessions();
    } else if (kind === 'violation' && state.proxy) {
      addViolation(e);
    } else if (kind === 'diagnostic' && state.proxy) {
      loadFindings();
    }
  }

  // ---- the proxy tab ----
  function showTab(name) {
    for (const section of document.querySelectorAll('main [data-tab]')) section.hidden = section.getAttribute('data-tab') !== name;
    for (const b of document.querySelectorAll('#tabs button[data-show]')) b.setAttribute('aria-pressed', String(b.getAttribute('data-show') === name));
  }

  function prepend(tbody, row) {
    tbody.prepend(row);
    while (tbody.rows.length > maxEvents) tbody.deleteRow(-1);
  }

  function addViolation(e) {
    const v = e.violation || {};
    const x = v.exchange || {};
    const detail = el('details', {}, el('summary', {}, (x.method || '') + ' ' + (x.url || '') + ' → ' + (x.status || 'no answer')),
      el('pre', {}, JSON.stringify({ request: x.request, response: x.response, curl: x.curl }, null, 2)));
    prepend($('#violations tbody'), el('tr', { 'data-event-id': String(e.id), 'data-rule': String(v.rule || '') },
      el('td', {}, String(e.id)),
      el('td', { title: e.time }, (e.time || '').slice(11, 19)),
      el('td', { class: 'rule' }, String(v.rule || '')),
      el('td', { class: 'party-' + String(v.party || '') }, String(v.party || '')),
      el('td', { class: 'location' }, String(v.location || '')),
      el('td', { class: 'seen' }, String(v.seen || ''), v.family ? el('span', { class: 'reason' }, 'family ' + v.family) : null),
      el('td', { class: 'exchange' }, detail)));
  }

  async function loadFindings() {
    try {
      const { findings } = await api('GET', 'diagnostics');
      $('#findings tbody').replaceChildren(...findings.slice().reverse().slice(0, maxEvents).map((f) =>
        el('tr', { 'data-kind': String(f.kind) },
          el('td', { class: 'kind' }, String(f.kind)),
          el('td', { class: 'severity-' + String(f.severity) }, String(f.severity)),
          el('td', { class: 'session' }, f.sessionId === null ? '—' : String(f.sessionId)),
          el('td', {}, (f.eventIds || []).join(', ')),
          el('td', {}, String(f.message || '')))));
    } catch (e) { fail(e); }
  }

  // follow reads GET /__mock/events?follow=1 with fetch rather than EventSource: an
  // EventSource cannot send the Authorization header, and the admin token is kept out of
  // URLs (logs, history, proxies).
  async function follow() {
    if (state.following) return;
    state.following = true;
    try {
      for (;;) {
        try {
          const res = await fetch('../events?follow=1&since=' + state.since, { cache: 'no-store', headers: headers(false) });
          if (res.status === 401) throw new Unauthorized('refused');
          if (!res.ok || !res.body) throw new Error('the event stream answered ' + res.status);
          setLive('live');
          await readStream(res.body);
        } catch (e) {
          if (e instanceof Unauthorized) { fail(e); return; }
        }
        setLive('reconnecting');
        await new Promise((r) => setTimeout(r, 1000));
      }
    } finally {
      state.following = false;
    }
  }

  async function readStream(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        onMessage(buf.slice(0, i));
        buf = buf.slice(i + 2);
      }
    }
  }

  function onMessage(block) {
    let kind = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) kind = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (!data) return;
    let e;
    try { e = JSON.parse(data); } catch { return; }
    state.since = Math.max(state.since, e.id);
    onEvent(kind, e);
  }

  // ---- start ----
  function askToken(text) {
    $('#console').hidden = true;
    $('#token-panel').hidden = false;
    setLive('locked');
    say(text || '');
    $('#token-input').focus();
  }

  async function start() {
    try {
      await loadEvents(); // first: it also says whether the token is needed
    } catch (e) {
      if (e instanceof Unauthorized) {
        askToken(state.token ? 'The token was refused.' : '');
        return;
      }
      say(e.message);
    }
    $('#token-panel').hidden = true;
    $('#console').hidden = false;
    if (state.proxy) {
      // A proxy has no clock, sessions or fault rules of its own: only its tab.
      document.title = 'appmaker-mock proxy console';
      $('h1 .sub').textContent = 'proxy console';
      $('#tab-mock').hidden = true;
      $('#no-proxy').hidden = true;
      $('#proxy-views').hidden = false;
      $('#proxy-upstream').textContent = 'judging the exchanges with ' + state.proxy.upstream;
      showTab('proxy');
      await loadFindings();
    } else {
      showTab('mock');
      await Promise.all([loadClock(), reloadSessions(), loadFaults()]);
    }
    follow();
  }

  function wire() {
    $('#tabs').addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-show]');
      if (b) showTab(b.getAttribute('data-show'));
    });
    $('#token-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      state.token = $('#token-input').value;
      $('#token-input').value = '';
      sessionStorage.setItem(tokenKey, state.token);
      start();
    });
    $('#clock-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      act(() => api('POST', 'clock', { advance: $('#advance').value.trim() }));
    });
    $('#clock-reset').addEventListener('click', () => act(() => api('POST', 'clock', { offset: '0s' })));
    $('#session-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const body = {};
      if ($('#new-sub').value.trim()) body.sub = $('#new-sub').value.trim();
      if ($('#new-org').value.trim()) body.org = $('#new-org').value.trim();
      act(() => api('POST', 'sessions', body, true));
    });
    $('#sessions-reload').addEventListener('click', () => act(async () => {}));
    $('#sessions-filter').addEventListener('input', renderSessions);
    $('#sessions tbody').addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-action]');
      if (b) act(() => sessionAction(b.getAttribute('data-action'), b.getAttribute('data-session-id')));
    });
    $('#fault-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      act(() => api('POST', 'faults', faultFromForm()));
    });
    $('#faults-clear').addEventListener('click', () => act(() => api('DELETE', 'faults')));
    $('#faults').addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-fault-remove]');
      if (b) act(() => api('DELETE', 'faults/' + encodeURIComponent(b.getAttribute('data-fault-remove'))));
    });
    // A session started elsewhere shows up with its first request's event; coming back to
    // the tab shows it at once.
    document.addEventListener('visibilitychange', () => { if (!document.hidden && !$('#console').hidden && !state.proxy) reloadSessions(); });
  }

  wire();
  start();
})();
