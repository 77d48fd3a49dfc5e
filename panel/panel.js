// The operator panel: work order, scans into the highlighted position,
// start, abort, and a live tile per position fed by Server-Sent Events
// (/api/events: rigd's control events, its status every second, and the
// stored run as a "snapshot"). No framework, no build step.
'use strict';

const $ = (id) => document.getElementById(id);
const state = {
  status: null,          // rigd's last status
  session: { user: null, csrf: null, sign_in: false },
  pageToken: null,       // ABORT's, for whoever stands at the bench signed in or not
  wo: null,              // {profile, expected_model, batch, customer, test_reason}
  scans: {},             // position -> {serial, model, ok, error}
  hl: 1,                 // the position the next scan goes to
  run: null,             // {id, points, pos: {n: {...}}, ended, state}
  lastMessageAt: 0,
  source: null,
  dismissed: new Set(),  // ended runs the operator has moved on from
};

// --- talking to rigd ---------------------------------------------------------

async function api(path, body) {
  const opt = body === undefined ? {} : {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': state.session.csrf || state.pageToken || '' },
    body: JSON.stringify(body),
  };
  let r;
  try {
    r = await fetch(path, opt);
  } catch (e) {
    return { ok: false, error: 'the panel cannot reach rigd (' + e.message + ')' };
  }
  if (r.status === 401 && state.session.user) {
    // the session is gone (rigd restarted, or it expired): sign in again
    state.session.user = null;
    state.session.csrf = null;
    renderUser();
  }
  try {
    return await r.json();
  } catch (e) {
    return { ok: false, error: 'HTTP ' + r.status };
  }
}

function showMessage(text, kind, action) {
  const m = $('message');
  m.textContent = text;
  m.className = kind || '';
  m.hidden = !text;
  if (action) {
    const b = document.createElement('button');
    b.textContent = action.label;
    b.id = action.id;
    b.onclick = action.fn;
    m.appendChild(b);
  }
}

// --- the event stream --------------------------------------------------------

function setLive(live) {
  const el = $('live');
  el.dataset.live = live ? 'yes' : 'no';
  el.textContent = live ? 'live' : 'reconnecting…';
  el.className = 'chip ' + (live ? 'ok' : 'warn');
}

function connect() {
  if (state.source) state.source.close();
  const es = new EventSource('/api/events');
  state.source = es;
  state.lastMessageAt = Date.now();
  const on = (name, fn) => es.addEventListener(name, (ev) => {
    state.lastMessageAt = Date.now();
    setLive(true);
    let data;
    try { data = JSON.parse(ev.data); } catch (e) { return; }
    fn(data);
  });
  on('status', onStatus);
  on('snapshot', onSnapshot);
  on('point_started', onPointStarted);
  on('progress', onProgress);
  on('point', onPoint);
  on('point_retry', onPointRetry);
  on('done', onDone);
  es.onerror = () => setLive(false);
}

// A stream that says nothing for 4 s (rigd sends its status every second)
// is dead even if the socket looks open: start a new one.
setInterval(() => {
  if (Date.now() - state.lastMessageAt > 4000) {
    setLive(false);
    connect();
  }
}, 1000);

// --- status ------------------------------------------------------------------

function onStatus(s) {
  state.status = s;
  $('station').textContent = s.station || 'rig';
  const lid = $('lid');
  lid.dataset.lid = s.interlock;
  if (s.interlock === 'open') { lid.textContent = 'LID OPEN'; lid.className = 'chip bad'; }
  else if (s.interlock === 'closed') { lid.textContent = 'lid closed'; lid.className = 'chip ok'; }
  else { lid.textContent = 'no lid switch'; lid.className = 'chip'; }
  const src = $('source');
  src.textContent = 'source ' + s.source;
  src.className = 'chip ' + (s.source === 'connected' ? 'ok' : 'bad');
  const rs = $('runstate');
  rs.textContent = s.state === 'running' ? 'RUNNING' : 'idle';
  rs.className = 'chip ' + (s.state === 'running' ? 'warn' : '');
  $('start').disabled = s.state === 'running';
  if (s.state === 'running' && s.run && (!state.run || state.run.id !== s.run.id)) {
    beginRun(s.run.id, s.run.points, s.run.positions);
  }
  buildTiles();
}

function positionsCount() {
  return (state.status && state.status.positions) || 4;
}

// --- tiles -------------------------------------------------------------------

function tile(n) {
  let t = document.getElementById('tile-' + n);
  if (t) return t;
  t = document.createElement('section');
  t.className = 'tile';
  t.id = 'tile-' + n;
  t.dataset.position = n;
  t.innerHTML = '<h3>Position ' + n + '</h3><div class="meter"></div><div class="model"></div>' +
    '<div class="point"></div><div class="progress"><i></i></div><div class="numbers"></div>' +
    '<div class="note"></div><div class="verdict"><span class="word"></span>' +
    '<span class="sub"></span></div>';
  t.addEventListener('click', () => {
    if (!state.run || state.run.ended) { state.hl = n; render(); $('scan').focus(); }
  });
  $('tiles').appendChild(t);
  return t;
}

function buildTiles() {
  const n = positionsCount();
  const root = $('tiles');
  root.style.setProperty('--cols', n <= 4 ? n : Math.ceil(n / 2));
  for (let i = 1; i <= n; i++) tile(i);
  while (root.children.length > n) root.lastChild.remove();
  render();
}

function text(el, sel, value) {
  el.querySelector(sel).textContent = value == null ? '' : value;
}

function fmt(v, digits) {
  return typeof v === 'number' && isFinite(v) ? (v >= 0 ? '+' : '') + v.toFixed(digits) : '—';
}

function renderTile(n) {
  if (!(n >= 1 && n <= positionsCount())) return;
  const t = tile(n);
  const run = state.run;
  const p = run && run.pos[n];
  const scan = state.scans[n];
  t.classList.toggle('hl', (!run || run.ended) && n === state.hl && n <= batchSize());
  t.classList.toggle('refused', !!(scan && !scan.ok && !scan.pending && (!run || run.ended)));
  let meter = '', model = '', point = '', numbers = '', note = '', pct = 0, noteBad = false;
  if (p) {
    meter = p.serial || '';
    model = p.model || '';
    if (p.point) point = p.point;
    if (run.points) pct = Math.min(100, 100 * (p.done || 0) / run.points);
    if (p.error_pct !== undefined)
      numbers = fmt(p.error_pct, 3) + ' %<small> ± ' + (typeof p.u_pct === 'number' ? p.u_pct.toFixed(3) : '—') + ' %</small>';
    note = p.note || '';
    noteBad = !!p.noteBad;
  } else if (scan) {
    meter = scan.serial;
    model = scan.model || '';
    note = scan.ok ? 'ready' + (scan.stored ? ' (history: ' + scan.stored + ')' : '') : scan.error;
    noteBad = !scan.ok && !scan.pending;
  } else if (n <= batchSize()) {
    note = n === state.hl ? 'scan this meter' : 'waiting for a scan';
  } else {
    note = 'not in this batch';
  }
  text(t, '.meter', meter);
  text(t, '.model', model);
  text(t, '.point', point);
  t.querySelector('.numbers').innerHTML = numbers;
  const noteEl = t.querySelector('.note');
  noteEl.textContent = note;
  noteEl.className = 'note' + (noteBad ? ' bad' : '');
  t.querySelector('.progress > i').style.width = pct + '%';
  // the verdict, once the run has ended
  const v = p && run.ended ? p.final : null;
  if (v) {
    t.dataset.verdict = v;
    // INDETERMINATE may break once where a narrow tile needs it
    text(t, '.word', v === 'indeterminate' ? 'INDETER\u00ADMINATE' : v.toUpperCase());
    const sub = t.querySelector('.sub');
    sub.textContent = (p.serial || '') + (p.weighted !== undefined && p.weighted !== null ? '  ' + fmt(p.weighted, 3) + ' %' : '');
    if (p.serial && run.id) {
      const q = 'serial=' + encodeURIComponent(p.serial) + '&run=' + encodeURIComponent(run.id);
      sub.appendChild(document.createElement('br'));
      const view = document.createElement('a');
      view.href = '/api/certificate?' + q;
      view.target = '_blank';
      view.className = 'cert';
      view.textContent = 'certificate';
      const print = document.createElement('a');
      print.href = 'print.html?' + q;
      print.target = '_blank';
      print.className = 'print';
      print.textContent = 'print';
      sub.append(view, ' · ', print);
    }
  } else {
    delete t.dataset.verdict;
  }
}

function render() {
  const n = positionsCount();
  for (let i = 1; i <= n; i++) renderTile(i);
  renderUser();
  const wo = state.wo;
  $('wo-summary').textContent = wo
    ? wo.profile + ' · ' + (wo.expected_model || 'any model') + ' · ' + wo.batch + ' meter(s)' +
      (wo.customer ? ' · ' + wo.customer : '') + ' · ' + wo.test_reason
    : 'no work order';
  $('scan').placeholder = !state.session.user && state.session.sign_in ? 'Scan your badge to sign in'
    : wo ? 'Scan meter label for position ' + state.hl + ' (serial [model]) then Enter'
    : 'Set the work order first';
}

// --- the run, from events ----------------------------------------------------

function beginRun(id, points, positions) {
  state.run = { id: id, points: points || 0, pos: {}, ended: false, state: 'running' };
  for (const e of positions || []) {
    state.run.pos[e.position] = { serial: e.serial, model: e.model, done: 0 };
  }
}

function runPos(ev) {
  if (!state.run || state.run.id !== ev.run) return null;
  if (!(ev.position >= 1 && ev.position <= positionsCount())) return null;
  return state.run.pos[ev.position] || (state.run.pos[ev.position] = { done: 0 });
}

function onPointStarted(ev) {
  if (!state.run || state.run.id !== ev.run) {
    beginRun(ev.run, ev.points, []);
  }
  state.run.points = ev.points || state.run.points;
  state.run.current = ev.point;
  for (const k of Object.keys(state.run.pos)) {
    state.run.pos[k].point = (ev.point + 1) + '/' + state.run.points + ' ' + ev.name;
  }
  render();
}

// Progress names one position, or none (0: the point as a whole).
function onProgress(ev) {
  if (!state.run || state.run.id !== ev.run) return;
  const text = (ev.point + 1) + '/' + state.run.points + ' ' + ev.name +
    (typeof ev.remaining_s === 'number' ? ' · ' + Math.round(ev.remaining_s) + ' s left' : '');
  const targets = ev.position > 0 ? [ev.position] : Object.keys(state.run.pos).map(Number);
  for (const n of targets) {
    const p = runPos({ run: ev.run, position: n });
    if (p) { p.point = text; renderTile(n); }
  }
}

function isWiring(pt) {
  return pt.verdict === 'error' && typeof pt.detail === 'string' && pt.detail.startsWith('wiring');
}

function onPoint(ev) {
  const p = runPos(ev);
  if (!p) return;
  p.serial = ev.serial || p.serial;
  p.model = ev.model || p.model;
  p.done = ev.point + 1;
  if (ev.error_pct !== undefined) { p.error_pct = ev.error_pct; p.u_pct = ev.u_pct; }
  if (isWiring(ev)) p.wiring = true;
  const connection = typeof ev.kind === 'string' && ev.kind.startsWith('connection');
  p.note = (connection ? 'connection check ' : ev.name + ': ') + ev.verdict.toUpperCase() +
    (connection || isWiring(ev) ? ' · ' + ev.detail : '');
  p.noteBad = ev.verdict !== 'pass' && ev.verdict !== 'none';
  renderTile(ev.position);
}

function onPointRetry(ev) {
  const p = runPos(ev);
  if (!p) return;
  p.note = ev.name + ': measuring again (' + (ev.detail || ev.verdict) + ')';
  renderTile(ev.position);
}

function onDone(ev) {
  if (!state.run || state.run.id !== ev.run) beginRun(ev.run, 0, []);
  state.run.ended = true;
  state.run.state = ev.state;
  state.hl = 1;                       // the next batch starts at position 1
  for (const k of Object.keys(state.run.pos)) {
    const p = state.run.pos[k];
    if (!p.final) p.final = ev.state === 'aborted' ? 'aborted' : p.wiring ? 'wiring' : null;
  }
  showMessage(endMessage(ev.state, ev.reason), ev.state === 'error' ? '' : 'info');
  render();
}

function endMessage(runState, reason) {
  if (runState === 'aborted') return 'Run aborted: ' + (reason || '');
  if (runState === 'error' && reason === 'profile complete')
    return 'Run complete; a position has a wiring or rig error (see its tile)';
  if (runState === 'error' || runState === 'interrupted') return 'Run ' + runState + ': ' + (reason || '');
  return '';
}

// The run as stored: rebuilds every tile (after a reconnect too).
function onSnapshot(run) {
  if (!run || !run.id || state.dismissed.has(run.id)) return;
  const ended = run.state !== 'running';
  if (!state.run || state.run.id !== run.id) {
    state.run = { id: run.id, points: 0, pos: {}, ended: ended, state: run.state };
  }
  const r = state.run;
  r.ended = ended;
  r.state = run.state;
  for (const m of run.meters || []) {
    const p = r.pos[m.position] || (r.pos[m.position] = {});
    p.serial = m.serial;
    p.model = m.model;
    p.weighted = m.weighted_avg_pct;
    const pts = m.points || [];
    if (pts.length) {
      r.points = Math.max(r.points, pts.length);
      const measured = pts.filter((x) => x.verdict && x.verdict !== 'none');
      p.done = Math.max(p.done || 0, measured.length);
      const last = measured[measured.length - 1];
      if (last) {
        if (last.error_pct !== undefined) { p.error_pct = last.error_pct; p.u_pct = last.u_pct; }
        p.note = last.name + ': ' + last.verdict.toUpperCase();
        p.noteBad = last.verdict !== 'pass';
        if (!p.point) p.point = p.done + '/' + r.points + ' ' + last.name;
      }
      if (pts.some(isWiring)) p.wiring = true;
    }
    if (ended) {
      const v = m.verdict;
      p.final = p.wiring && v !== 'pass' && v !== 'fail' ? 'wiring'
        : ['pass', 'fail', 'indeterminate', 'aborted'].includes(v) ? v
        : run.state === 'aborted' ? 'aborted' : 'error';
    }
  }
  if (ended && $('message').hidden && endMessage(run.state, run.reason)) {
    state.hl = 1;
    showMessage(endMessage(run.state, run.reason), run.state === 'error' ? '' : 'info');
  }
  render();
}

// --- the operator's actions --------------------------------------------------

function batchSize() {
  return state.wo ? Math.min(state.wo.batch, positionsCount()) : positionsCount();
}

// A label: the serial, and the model where the label carries it (in
// either order, separated by spaces, ';', ',', '|' or a tab).
function parseLabel(raw) {
  const parts = raw.trim().split(/[\s;,|]+/).filter(Boolean);
  let serial = '', model = '';
  for (const p of parts) {
    if (!model && /^MM[SD]-/i.test(p)) model = p.toUpperCase();
    else if (!serial) serial = p;
  }
  return { serial, model };
}

function parseWorkOrder(raw) {
  const f = raw.split(';');
  if (f.length < 3 || f[0].toUpperCase() !== 'WO') return null;
  return { profile: f[1], expected_model: f[2] || '', batch: parseInt(f[3] || '1', 10) || 1,
           customer: f[4] || '', test_reason: f[5] || 'new' };
}

async function onScan(raw) {
  if (!raw.trim()) return;
  const wo = parseWorkOrder(raw);
  if (wo) { state.wo = wo; showMessage('Work order ' + wo.profile + ' set', 'info'); render(); return; }
  if (!state.session.user && state.session.sign_in) {
    // nobody signed in: the scan is a badge
    const r = await api('/api/signin', { badge: raw.trim() });
    if (r.ok) signedIn(r);
    else showMessage('Scan your badge to sign in: ' + r.error);
    return;
  }
  if (!requireUser()) return;
  if (!state.wo) { showMessage('Set the work order before scanning meters'); openWorkOrder(); return; }
  if (state.run && !state.run.ended) { showMessage('A run is running: scan the next batch after it ends'); return; }
  if (state.run && state.run.ended) resetForNextBatch();
  const n = state.hl;
  const label = parseLabel(raw);
  for (const [k, s] of Object.entries(state.scans)) {
    if (+k !== n && s.serial === label.serial) {
      showMessage(label.serial + ' is already in position ' + k);
      return;
    }
  }
  // the position is taken now: a scanner may type the next label before
  // rigd has answered for this one
  state.scans[n] = { serial: label.serial, model: label.model, ok: false, pending: true, error: 'checking…' };
  const next = nextEmpty(n);
  if (next) state.hl = next;
  render();
  const r = await api('/api/check', { position: n, serial: label.serial, model: label.model,
                                      expected_model: state.wo.expected_model });
  state.scans[n] = { serial: label.serial, model: r.model || label.model || state.wo.expected_model,
                     ok: !!r.ok, error: r.error || '', stored: r.stored_model || '' };
  if (r.ok) {
    showMessage('');
  } else {
    showMessage('Position ' + n + ': ' + (r.error || 'refused'));
    state.hl = n;                      // scan it again (or another meter) here
  }
  render();
}

function nextEmpty(from) {
  const b = batchSize();
  for (let i = 1; i <= b; i++) {
    const k = ((from + i - 1) % b) + 1;
    if (!state.scans[k] || (!state.scans[k].ok && !state.scans[k].pending)) return k;
  }
  return 0;
}

function resetForNextBatch() {
  if (state.run) state.dismissed.add(state.run.id);   // a late snapshot must not bring it back
  state.scans = {};
  state.run = null;
  state.hl = 1;
  showMessage('');
}

async function onStart(override) {
  if (!requireUser()) return;
  if (!state.wo) { openWorkOrder(); return; }
  if (Object.values(state.scans).some((s) => s.pending)) { showMessage('Wait: a scan is being checked'); return; }
  const positions = [];
  for (let n = 1; n <= batchSize(); n++) {
    const s = state.scans[n];
    // a refused scan goes too: rigd refuses the start with the reason, and
    // only a supervisor's override gets it through
    if (s) positions.push({ position: n, serial: s.serial, model: s.model });
  }
  if (!positions.length) { showMessage('Scan the meters first'); return; }
  const body = { profile: state.wo.profile, expected_model: state.wo.expected_model,
                 customer: state.wo.customer, test_reason: state.wo.test_reason,
                 notes: 'panel: batch of ' + state.wo.batch, positions };
  if (override) body.override = override;
  $('start').disabled = true;
  const r = await api('/api/start', body);
  if (r.ok) {
    beginRun(r.run, (r.points || []).length, positions);
    showMessage('');
  } else {
    $('start').disabled = false;
    const why = r.error || 'refused';
    const canOverride = !!override || (/model|calibration/i.test(why) && !/interlock/i.test(why));
    showMessage('Start refused: ' + why, '', canOverride
      ? { label: 'Supervisor override…', id: 'override-open', fn: () => openOverride(override ? override.what : why) } : null);
  }
  render();
}

async function onAbort() {
  // no sign-in: whoever stands at the bench can stop it
  let r = await api('/api/abort', { reason: 'abort button' });
  if (!r.ok && /token/.test(r.error || '')) {
    // rigd restarted since the page loaded: take its new tokens, once
    const s = await api('/api/session');
    if (s.ok) { state.session = { user: s.user, csrf: s.csrf || null, sign_in: s.sign_in }; state.pageToken = s.page_token || null; }
    r = await api('/api/abort', { reason: 'abort button' });
  }
  if (!r.ok) showMessage('Abort: ' + r.error, 'info');
}

// --- work order, sign-in, override -------------------------------------------

async function openWorkOrder() {
  const sel = $('wo-profile');
  if (!sel.options.length) {
    const r = await api('/api/profiles');
    for (const p of r.profiles || []) {
      const o = document.createElement('option');
      o.value = o.textContent = p;
      sel.appendChild(o);
    }
  }
  if (state.wo) {
    sel.value = state.wo.profile;
    $('wo-model').value = state.wo.expected_model;
    $('wo-batch').value = state.wo.batch;
    $('wo-customer').value = state.wo.customer;
    $('wo-reason').value = state.wo.test_reason;
  }
  $('wo-batch').max = positionsCount();
  $('wo-dialog').showModal();
}

function closeWorkOrder(ev) {
  if ($('wo-dialog').returnValue !== 'ok') return;
  const scanned = parseWorkOrder($('wo-scan').value);
  state.wo = scanned || {
    profile: $('wo-profile').value,
    expected_model: $('wo-model').value.trim().toUpperCase(),
    batch: Math.max(1, Math.min(positionsCount(), parseInt($('wo-batch').value, 10) || 1)),
    customer: $('wo-customer').value.trim(),
    test_reason: $('wo-reason').value,
  };
  $('wo-scan').value = '';
  resetForNextBatch();
  render();
  $('scan').focus();
}

function requireUser() {
  if (state.session.user) return true;
  showMessage(state.session.sign_in ? 'Sign in first (badge or PIN)' : 'Read-only: no operators are configured');
  if (state.session.sign_in) openSignIn();
  return false;
}

function openSignIn() {
  if (state.session.user) {
    api('/api/signout', {}).then(() => { state.session = { user: null, csrf: null, sign_in: state.session.sign_in }; render(); });
    return;
  }
  $('si-error').textContent = '';
  $('signin-dialog').showModal();
  $('si-badge').focus();
}

async function doSignIn() {
  const badge = $('si-badge').value;
  const body = badge ? { badge } : { name: $('si-name').value.trim(), pin: $('si-pin').value };
  const r = await api('/api/signin', body);
  $('si-badge').value = $('si-pin').value = '';
  if (!r.ok) { $('si-error').textContent = r.error; return; }
  $('signin-dialog').close();
  signedIn(r);
}

function signedIn(r) {
  state.session.user = r.user;
  state.session.csrf = r.csrf;
  showMessage('Signed in: ' + r.user.name + ' (' + r.user.role + ')', 'info');
  render();
  $('scan').focus();
}

function renderUser() {
  const u = state.session.user;
  const b = $('user');
  b.textContent = u ? u.name + ' (' + u.role + ') · sign out' : state.session.sign_in ? 'Sign in' : 'read-only';
  b.className = 'chip' + (u ? ' ok' : '');
}

function openOverride(why) {
  $('ov-what').textContent = why;
  $('ov-model').checked = /model/i.test(why);
  $('ov-cal').checked = /calibration/i.test(why);
  $('ov-pin').value = '';
  $('override-dialog').showModal();
}

function closeOverride() {
  if ($('override-dialog').returnValue !== 'ok') return;
  const ov = { what: $('ov-what').textContent, name: $('ov-name').value.trim(), pin: $('ov-pin').value,
               reason: $('ov-reason').value.trim(),
               model: $('ov-model').checked, calibration: $('ov-cal').checked };
  $('ov-pin').value = '';
  onStart(ov);
}

// --- wiring ------------------------------------------------------------------

async function init() {
  const s = await api('/api/session');
  if (s.ok) state.session = { user: s.user, csrf: s.csrf || null, sign_in: s.sign_in };
  if (s.ok) state.pageToken = s.page_token || null;
  $('scan').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') { ev.preventDefault(); const v = ev.target.value; ev.target.value = ''; onScan(v); }
  });
  $('start').addEventListener('click', () => onStart(null));
  $('abort').addEventListener('click', onAbort);
  $('user').addEventListener('click', openSignIn);
  $('wo-open').addEventListener('click', openWorkOrder);
  $('wo-dialog').addEventListener('close', closeWorkOrder);
  $('signin-form').addEventListener('submit', (ev) => {
    if (ev.submitter && ev.submitter.value === 'ok') { ev.preventDefault(); doSignIn(); }
  });
  $('si-badge').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') { ev.preventDefault(); doSignIn(); }
  });
  $('override-dialog').addEventListener('close', closeOverride);
  buildTiles();
  connect();
  $('scan').focus();
}

document.addEventListener('DOMContentLoaded', init);
