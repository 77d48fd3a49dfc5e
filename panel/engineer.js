// The engineer's views: the station (instrument, edge rate and losses,
// calibration), run history with filters, a meter's history with its
// certificates, a run's points. Read-only: every viewer may look.
'use strict';

const $ = (id) => document.getElementById(id);

async function get(path) {
  try {
    const r = await fetch(path);
    return await r.json();
  } catch (e) {
    return { ok: false, error: e.message };
  }
}

function cell(tr, value, cls) {
  const td = document.createElement('td');
  if (value instanceof Node) td.appendChild(value);
  else td.textContent = value == null ? '' : String(value);
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function link(text, fn, href) {
  const a = document.createElement('a');
  a.textContent = text;
  a.href = href || '#';
  if (fn) a.addEventListener('click', (ev) => { ev.preventDefault(); fn(); });
  else a.target = '_blank';
  return a;
}

function certHref(serial, run) {
  return '/api/certificate?serial=' + encodeURIComponent(serial) + '&run=' + encodeURIComponent(run);
}

// --- the station ----------------------------------------------------------------

let lastCounts = null;

async function station() {
  const s = await get('/api/status');
  if (!s.ok) return;
  $('station').textContent = s.station;
  const c = s.edge_counts || { seen: 0, lost: 0, repeated: 0 };
  const now = Date.now();
  let rate = '—';
  if (lastCounts) rate = ((c.seen - lastCounts.seen) / ((now - lastCounts.at) / 1000)).toFixed(1) + ' edges/s';
  lastCounts = { seen: c.seen, at: now };
  const rows = [
    ['state', s.state + (s.run ? ' (run ' + s.run.id + ', ' + s.run.operator + ')' : '')],
    ['fixture', s.fixture + ', ' + s.positions + ' positions'],
    ['source', s.source + (s.instrument ? ': ' + s.instrument : '')],
    ['edge input', s.edges],
    ['edge rate', rate],
    ['edges since start', c.seen],
    ['edges lost', c.lost],
    ['edges repeated', c.repeated],
    ['lid', s.interlock],
    ['last run', s.last ? s.last.run + ': ' + s.last.state + ' (' + s.last.reason + ')' : '—'],
    ['software', s.version],
  ];
  const t = $('station-table');
  t.textContent = '';
  for (const [k, v] of rows) {
    const tr = document.createElement('tr');
    tr.dataset.key = k;
    cell(tr, k);
    cell(tr, v, k === 'edges lost' && v > 0 ? 'overdue' : '');
    t.appendChild(tr);
  }
  const body = $('cal-table').querySelector('tbody');
  body.textContent = '';
  for (const e of s.calibration || []) {
    const tr = document.createElement('tr');
    for (const v of [e.what, e.identity, e.certificate, e.calibrated, e.due]) cell(tr, v || '—');
    cell(tr, e.overdue ? 'OVERDUE: runs refused without a supervisor override' : 'in date', e.overdue ? 'overdue' : '');
    body.appendChild(tr);
  }
}

// --- history --------------------------------------------------------------------

async function history(ev) {
  if (ev) ev.preventDefault();
  const q = new URLSearchParams();
  for (const k of ['serial', 'model', 'verdict', 'since', 'until', 'limit']) {
    const v = $('f-' + k).value.trim();
    if (v) q.set(k, v);
  }
  const r = await get('/api/results?' + q);
  $('h-error').textContent = r.ok ? '' : r.error;
  const body = $('history').querySelector('tbody');
  body.textContent = '';
  // newest first on the screen
  for (const row of (r.results || []).slice().reverse()) {
    const tr = document.createElement('tr');
    cell(tr, row.started_at);
    cell(tr, link(row.run.slice(0, 8), () => showRun(row.run)));
    cell(tr, row.position);
    cell(tr, link(row.serial, () => meter(row.serial)));
    cell(tr, row.model);
    cell(tr, row.profile);
    cell(tr, row.verdict, 'v-' + row.verdict);
    cell(tr, row.operator);
    cell(tr, row.state + (row.reason ? ': ' + row.reason : ''));
    cell(tr, link('certificate', null, certHref(row.serial, row.run)));
    body.appendChild(tr);
  }
}

function showDetail(title, node) {
  $('detail').hidden = false;
  $('detail-title').textContent = title;
  const b = $('detail-body');
  b.textContent = '';
  b.appendChild(node);
  $('detail').scrollIntoView();
}

function table(head, rows) {
  const t = document.createElement('table');
  const h = document.createElement('tr');
  for (const x of head) { const th = document.createElement('th'); th.textContent = x; h.appendChild(th); }
  t.appendChild(h);
  for (const r of rows) {
    const tr = document.createElement('tr');
    for (const v of r) cell(tr, v && v.node ? v.node : v, v && v.cls);
    t.appendChild(tr);
  }
  return t;
}

async function meter(serial) {
  const r = await get('/api/results?serial=' + encodeURIComponent(serial));
  const rows = (r.results || []).map((x) => [x.started_at, x.model, x.profile,
    { node: document.createTextNode(x.verdict), cls: 'v-' + x.verdict }, x.operator, x.state,
    { node: link('certificate', null, certHref(serial, x.run)) }]);
  showDetail('Meter ' + serial + ': every test, oldest first',
    table(['started', 'model as tested', 'profile', 'verdict', 'operator', 'run', 'certificate'], rows));
}

const num = (v, d) => (typeof v === 'number' ? v.toFixed(d) : '');

async function showRun(id) {
  const r = await get('/api/run?id=' + encodeURIComponent(id));
  if (!r.ok) { showDetail('Run ' + id, document.createTextNode(r.error)); return; }
  const run = r.run;
  const rows = [];
  for (const m of run.meters || [])
    for (const p of m.points || [])
      rows.push([m.position, m.serial, p.name, p.kind, { node: document.createTextNode(p.verdict), cls: 'v-' + p.verdict },
                 num(p.error_pct, 3), num(p.u_pct, 3), num(p.band_pct, 2), p.detail]);
  const rec = run.record || {};
  showDetail('Run ' + id + ': ' + run.state + (run.reason ? ' (' + run.reason + ')' : '') + ', ' + run.profile +
             ', operator ' + run.operator + (rec.customer ? ', customer ' + rec.customer : '') +
             (run.notes ? ', notes (free text): \u201c' + quotedNotes(run.notes) + '\u201d' : ''),
    table(['pos.', 'serial', 'point', 'kind', 'verdict', 'error %', 'U %', 'band ±%', 'detail'], rows));
}

// Free text, shown so it cannot pass for rig's own words (as on the
// certificate): no line breaks, control or direction characters.
function quotedNotes(text) {
  return text.replace(/[\r\n]/g, ' \u21b5 ').replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, '\ufffd')
    .replace(/[\u201c\u201d]/g, '"');
}

document.addEventListener('DOMContentLoaded', () => {
  $('filters').addEventListener('submit', history);
  station();
  setInterval(station, 2000);
  history();
});
