// The operator panel in headless Chromium against rigd and rig-sim, one
// scenario per run (tests/e2e/panel starts the programs and passes their
// addresses in the environment). Exits 0 when every check held.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';

const env = process.env;
const scenario = process.argv[2];
const ARTIFACTS = env.ARTIFACTS;
const TIMEOUT = 60000;

// --- the bench, beside the browser ----------------------------------------------

function sql(query) {
  return execFileSync('sqlite3', ['-batch', '-noheader', env.RIG_DB, query]).toString().trim();
}

// One request line to rigd's control socket; its reply.
function ctl(request) {
  return new Promise((resolve, reject) => {
    const s = net.connect(env.RIG_SOCK);
    let buf = '';
    s.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) { s.end(); resolve(JSON.parse(buf.slice(0, nl))); }
    });
    s.on('error', reject);
    s.write(JSON.stringify(request) + '\n');
  });
}

// SCPI lines to rig-sim's own extension.
function simScpi(lines) {
  return new Promise((resolve, reject) => {
    const s = net.connect(+env.SIM_SCPI, '127.0.0.1');
    s.on('error', reject);
    s.write(lines.join('\n') + '\nSYST:ERR?\n');
    s.on('data', () => { s.end(); resolve(); });
  });
}

// A TCP proxy between the browser and rigd that can cut every connection
// and refuse new ones: a dropped network, for real.
function proxy(target) {
  const socks = new Set();
  let cut = false;
  const server = net.createServer((c) => {
    if (cut) { c.destroy(); return; }
    const up = net.connect(target.port, target.hostname);
    socks.add(c); socks.add(up);
    c.pipe(up); up.pipe(c);
    const close = () => { c.destroy(); up.destroy(); socks.delete(c); socks.delete(up); };
    c.on('error', close); up.on('error', close); c.on('close', close); up.on('close', close);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: 'http://127.0.0.1:' + server.address().port + '/',
    setCut(v) { cut = v; if (v) for (const s of socks) s.destroy(); },
    close() { server.close(); for (const s of socks) s.destroy(); },
  })));
}

async function until(what, fn, ms = TIMEOUT) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// --- the page ----------------------------------------------------------------------

let browser;
const pageErrors = [];

async function open(url, viewport = { width: 800, height: 480 }) {
  const ctx = await browser.newContext({ viewport });
  const page = await ctx.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('#live[data-live="yes"]');
  return page;
}

async function signIn(page, name, pin) {
  await page.click('#user');
  await page.fill('#si-name', name);
  await page.fill('#si-pin', pin);
  await page.click('#si-ok');
  await page.waitForSelector('#user.ok');
}

async function signInBadge(page, badge) {
  await page.click('#user');
  await page.fill('#si-badge', badge);
  await page.press('#si-badge', 'Enter');
  await page.waitForSelector('#user.ok');
}

async function workOrder(page, wo) {
  await page.click('#wo-open');
  await page.waitForSelector(`#wo-profile option[value="${wo.profile}"]`, { state: 'attached' });
  await page.selectOption('#wo-profile', wo.profile);
  await page.fill('#wo-model', wo.model);
  await page.fill('#wo-batch', String(wo.batch));
  await page.fill('#wo-customer', wo.customer || '');
  await page.selectOption('#wo-reason', wo.reason || 'new');
  await page.click('#wo-ok');
  await page.waitForSelector('#wo-dialog', { state: 'hidden' });
}

async function scan(page, text) {
  await page.fill('#scan', text);
  await page.press('#scan', 'Enter');
}

async function note(page, n) {
  return page.textContent(`#tile-${n} .note`);
}

async function verdictOf(page, n) {
  await page.waitForSelector(`#tile-${n}[data-verdict]`);
  return page.getAttribute(`#tile-${n}`, 'data-verdict');
}

async function message(page) {
  await page.waitForSelector('#message:not([hidden])');
  return page.textContent('#message');
}

// No horizontal scroll; every tile and ABORT inside the viewport; a
// screenshot kept.
async function layout(page, w, h, name) {
  await page.setViewportSize({ width: w, height: h });
  await page.waitForTimeout(300);
  const m = await page.evaluate(() => {
    const box = (el) => { const r = el.getBoundingClientRect(); return { l: r.left, t: r.top, r: r.right, b: r.bottom }; };
    return {
      sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth,
      iw: innerWidth, ih: innerHeight,
      tiles: [...document.querySelectorAll('.tile')].map(box),
      abort: box(document.getElementById('abort')),
      words: [...document.querySelectorAll('.tile[data-verdict] .word')].map((e) => parseFloat(getComputedStyle(e).fontSize)),
    };
  });
  assert.ok(m.sw <= m.cw, `${name} ${w}x${h}: horizontal scroll (${m.sw} > ${m.cw})`);
  assert.equal(m.tiles.length, 4, 'four position tiles');
  for (const [i, t] of m.tiles.entries())
    assert.ok(t.t >= 0 && t.l >= 0 && t.b <= m.ih && t.r <= m.iw,
      `${name} ${w}x${h}: tile ${i + 1} not wholly visible without scrolling (${JSON.stringify(t)})`);
  assert.ok(m.abort.b <= m.ih && m.abort.r <= m.iw && m.abort.t >= 0, 'ABORT visible');
  await page.screenshot({ path: `${ARTIFACTS}/${name}-${w}x${h}.png` });
  return m;
}

async function background(page, n) {
  return page.$eval(`#tile-${n} .verdict`, (e) => getComputedStyle(e).backgroundColor);
}

// --- scenarios -----------------------------------------------------------------------

const COLOURS = { pass: 'rgb(19, 138, 54)', fail: 'rgb(200, 16, 46)', wiring: 'rgb(31, 95, 191)' };

async function batch() {
  const page = await open(env.PANEL_URL);
  // a badge scanned into the scan field signs in (a wrong one does not)
  await scan(page, 'BADGE-9999');
  await until('badge refused', async () => /not recognised/.test(await page.textContent('#message')));
  await scan(page, 'BADGE-0042');
  await page.waitForSelector('#user.ok');
  assert.match(await page.textContent('#user'), /ana \(operator\)/);
  await workOrder(page, { profile: 'production', model: 'MMS-120-2001', batch: 4,
                          customer: 'Acme Flats', reason: 'periodic' });
  // position 4's meter taken out: every output and LED silent
  await simScpi(['kh10', 'kh100', 'kh1000', 'counter', 'power_led', 'reverse_led', 'load_led']
    .map((s) => `SIM:DEAD 4,${s},1`));
  // labels as scanners type them: serial and model either way round, or the serial alone
  const labels = ['PB-0001 MMS-120-2001', 'MMS-120-2001;PB-0002', 'PB-0003', 'PB-0004\tMMS-120-2001'];
  for (const [i, label] of labels.entries()) {
    assert.equal(await page.getAttribute(`#tile-${i + 1}`, 'class'), 'tile hl', `position ${i + 1} highlighted`);
    await scan(page, label);
    await until(`position ${i + 1} ready`, async () => (await note(page, i + 1)).startsWith('ready'));
  }
  assert.equal(await page.textContent('#tile-2 .meter'), 'PB-0002');
  assert.equal(await page.textContent('#tile-3 .model'), 'MMS-120-2001');
  await layout(page, 800, 480, 'batch-scanned');
  await page.click('#start');
  // live: the current point and a measured error as they come
  await page.waitForSelector('#tile-1 .numbers:has-text("%")');
  assert.match(await page.textContent('#tile-1 .point'), /\d+\/\d+ /);
  await page.screenshot({ path: `${ARTIFACTS}/batch-running-800x480.png` });
  const expected = { 1: 'pass', 2: 'fail', 3: 'pass', 4: 'wiring' };
  for (const [n, v] of Object.entries(expected)) {
    assert.equal(await verdictOf(page, n), v, `position ${n}`);
    assert.equal((await page.textContent(`#tile-${n} .word`)).replace('\u00ad', ''), v.toUpperCase());
    assert.equal(await background(page, n), COLOURS[v], `position ${n} colour`);
  }
  const small = await layout(page, 800, 480, 'batch-verdicts');
  const big = await layout(page, 1920, 1080, 'batch-verdicts');
  assert.ok(Math.min(...small.words) >= 24 && Math.min(...big.words) >= 60,
    `verdict words large enough: ${small.words} / ${big.words}`);
  // stored with the signed-in operator and the work order
  assert.equal(sql("SELECT operator || '|' || profile_name FROM runs ORDER BY id DESC LIMIT 1"), 'ana|production');
  assert.equal(sql('SELECT customer FROM run_records ORDER BY rowid DESC LIMIT 1'), 'Acme Flats');
  // a certificate per meter, from the tile
  const href = await page.getAttribute('#tile-1 .verdict a.cert', 'href');
  const cert = await page.evaluate(async (h) => { const r = await fetch(h); return [r.status, await r.text()]; }, href);
  assert.equal(cert[0], 200);
  assert.match(cert[1], /PB-0001/);
  // the print page frames it with its own style applied (the panel's policy allows it there)
  const printHref = await page.getAttribute('#tile-1 .verdict a.print', 'href');
  const printPage = await page.context().newPage();
  await printPage.goto(new URL(printHref + '&auto=0', env.PANEL_URL).href);
  await printPage.waitForSelector('body[data-loaded="yes"]');
  const styled = await printPage.evaluate(() => {
    const s = document.getElementById('doc').contentDocument.querySelector('style');
    return !!(s && s.sheet && s.sheet.cssRules.length);
  });
  assert.ok(styled, "the certificate's style applies");
  await printPage.screenshot({ path: `${ARTIFACTS}/certificate-800x480.png` });
  await printPage.close();
  await engineer(page);
}

// The engineer's views of the batch just run.
async function engineer(page) {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto(new URL('engineer.html', env.PANEL_URL).href);
  await until('history rows', async () => (await page.$$('#history tbody tr')).length === 4);
  await until('edge counts', async () => +(await page.textContent('#station-table tr[data-key="edges since start"] td:last-child')) > 0);
  assert.match(await page.textContent('#station-table tr[data-key="edge rate"] td:last-child'), /edges\/s|—/);
  assert.equal(await page.textContent('#station-table tr[data-key="edges lost"] td:last-child'), '0');
  assert.match(await page.textContent('#cal-table tbody'), /source/);
  await page.selectOption('#f-verdict', 'fail');
  await page.click('#f-go');
  await until('filtered', async () => (await page.$$('#history tbody tr')).length === 1);
  assert.match(await page.textContent('#history tbody tr'), /PB-0002/);
  await page.click('#history tbody tr a:has-text("PB-0002")');
  await page.waitForSelector('#detail:not([hidden])');
  assert.match(await page.textContent('#detail-title'), /Meter PB-0002/);
  assert.match(await page.textContent('#detail-body'), /fail/);
  await page.click('#history tbody tr td:nth-child(2) a');
  await until('run detail', async () => /Run .*production, operator ana, customer Acme Flats/.test(await page.textContent('#detail-title')));
  assert.match(await page.textContent('#detail-body'), /full-load-pf1/);
  await page.screenshot({ path: `${ARTIFACTS}/engineer-1920x1080.png`, fullPage: true });
}

async function wrongModel() {
  const page = await open(env.PANEL_URL);
  await signIn(page, 'ana', '1234');
  await workOrder(page, { profile: 'production', model: 'MMS-120-2001', batch: 1 });
  await scan(page, 'PB-0001 MMD-120-2001');
  assert.match(await message(page), /not the batch's expected MMS-120-2001/);
  assert.equal(await page.getAttribute('#tile-1', 'class'), 'tile hl refused');
  // rigd refuses the start as well, before anything is energised
  await page.click('#start');
  await until('start refused', async () => /Start refused/.test(await page.textContent('#message')));
  assert.match(await page.textContent('#message'), /expected MMS-120-2001/);
  assert.equal(sql('SELECT COUNT(*) FROM runs'), '0');
  await page.screenshot({ path: `${ARTIFACTS}/wrong-model-800x480.png` });
  // an override needs a supervisor's PIN and a reason, both recorded
  await page.click('#override-open');
  await page.fill('#ov-name', 'ana');
  await page.fill('#ov-pin', '1234');
  await page.fill('#ov-reason', 'try as operator');
  await page.click('#ov-ok');
  await until('override refused', async () => /override refused/.test(await page.textContent('#message')));
  assert.equal(sql('SELECT COUNT(*) FROM runs'), '0');
  await page.click('#override-open');
  await page.fill('#ov-name', 'sam');
  await page.fill('#ov-pin', '9999');
  await page.fill('#ov-reason', 'label misprint, checked by hand');
  await page.click('#ov-ok');
  await verdictOf(page, 1);
  // rigd's own record of the model override names the supervisor, not the
  // operator, and what ran as what; the notes keep only what the panel sent
  assert.equal(sql("SELECT model_override_by || '|' || model_override_reason FROM run_records ORDER BY run_id DESC LIMIT 1"),
    'sam|label misprint, checked by hand');
  assert.equal(sql("SELECT position || '|' || model_override_ran_as || '|' || model_override_expected || '|' || model_override_stored FROM run_positions WHERE model_override_ran_as IS NOT NULL"),
    '1|MMD-120-2001|MMS-120-2001|');
  assert.doesNotMatch(sql('SELECT notes FROM runs ORDER BY id DESC LIMIT 1'), /override/);
  assert.equal(sql('SELECT operator FROM runs ORDER BY id DESC LIMIT 1'), 'ana');
  // the meter's history now says MMD-120-2001: the label's MMS is refused
  await scan(page, 'PB-0001 MMS-120-2001');
  await until('history refusal', async () => /stored/.test(await page.textContent('#message')));
}

async function abort() {
  // a viewer who has not signed in cannot start, nor abort without the
  // page's token; a session needs its CSRF token
  const viewer = await open(env.PANEL_URL);
  const denied = await viewer.evaluate(async () => {
    const post = (path, headers) => fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: '{}' }).then((r) => r.status);
    return [await post('/api/abort', {}), await post('/api/start', {})];
  });
  assert.deepEqual(denied, [403, 401]);
  // bad requests get a clear error, never a crash
  const bad = await viewer.evaluate(async () => {
    const post = (body, type) => fetch('/api/start', { method: 'POST', headers: { 'Content-Type': type }, body }).then((r) => r.status);
    return [await post('{}', 'text/plain'), await post('{not json', 'application/json'),
            await post('[1]', 'application/json'), await post('x'.repeat(70000), 'application/json'),
            await fetch('/%2e%2e/rigd.conf').then((r) => r.status), await fetch('/api/nothing').then((r) => r.status),
            await fetch('/api/run').then((r) => r.status), await fetch('/api/run?id=no-such-run').then((r) => r.status)];
  });
  assert.deepEqual(bad, [415, 400, 400, 413, 404, 404, 400, 422]);
  assert.equal((await ctl({ cmd: 'ping' })).ok, true, 'rigd still answers');
  const page = await open(env.PANEL_URL);
  await signIn(page, 'ana', '1234');
  const noCsrf = await page.evaluate(() => fetch('/api/abort', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then((r) => r.status));
  assert.equal(noCsrf, 403);
  await workOrder(page, { profile: 'long', model: 'MMS-120-2001', batch: 2 });
  await scan(page, 'PB-0001');
  await scan(page, 'PB-0002');
  await until('position 2 ready', async () => (await note(page, 2)).startsWith('ready'));
  await page.click('#start');
  await page.waitForSelector('#tile-1 .point:has-text("full-load-long")');
  await until('rigd running', async () => (await ctl({ cmd: 'status' })).state === 'running');
  // the viewer's panel shows the run live too
  await viewer.waitForSelector('#tile-2 .point:has-text("full-load-long")');
  // whoever stands at the bench stops it, signed in or not
  await viewer.click('#abort');
  assert.equal(await verdictOf(page, 1), 'aborted');
  assert.equal(await verdictOf(page, 2), 'aborted');
  assert.equal(await verdictOf(viewer, 1), 'aborted');
  await page.waitForSelector('#runstate:has-text("idle")');
  assert.match(sql("SELECT state || '|' || reason FROM runs ORDER BY id DESC LIMIT 1"),
    /^aborted\|aborted on the panel by someone not signed in/);
  await page.screenshot({ path: `${ARTIFACTS}/abort-800x480.png` });
}

async function lid() {
  const page = await open(env.PANEL_URL);
  await page.waitForSelector('#lid:has-text("LID OPEN")');
  await signInBadge(page, 'BADGE-0042');
  await workOrder(page, { profile: 'production', model: 'MMS-120-2001', batch: 1 });
  await scan(page, 'PB-0001');
  await until('position 1 ready', async () => (await note(page, 1)).startsWith('ready'));
  await page.click('#start');
  await until('start refused', async () => /Start refused/.test(await page.textContent('#message')));
  assert.match(await page.textContent('#message'), /interlock open: close the lid first/);
  assert.equal(await page.$('#override-open'), null, 'no override for the lid');
  assert.equal(sql('SELECT COUNT(*) FROM runs'), '0');
  await layout(page, 800, 480, 'lid');
}

async function calibration() {
  const page = await open(env.PANEL_URL);
  await signIn(page, 'ana', '1234');
  await workOrder(page, { profile: 'production', model: 'MMS-120-2001', batch: 1 });
  await scan(page, 'PB-0001');
  await until('position 1 ready', async () => (await note(page, 1)).startsWith('ready'));
  await page.click('#start');
  await until('start refused', async () => /Start refused/.test(await page.textContent('#message')));
  assert.match(await page.textContent('#message'), /calibration of the source .* was due 2020-01-31/);
  assert.equal(sql('SELECT COUNT(*) FROM runs'), '0');
  await page.click('#override-open');
  assert.equal(await page.isChecked('#ov-cal'), true);
  await page.fill('#ov-name', 'sam');
  await page.fill('#ov-pin', '9999');
  await page.fill('#ov-reason', 'recalibration booked, checked against the spare');
  await page.click('#ov-ok');
  await verdictOf(page, 1);
  assert.equal(sql("SELECT cal_override_by || '|' || cal_override_reason FROM run_records ORDER BY run_id DESC LIMIT 1"),
    'sam|recalibration booked, checked against the spare');
  assert.doesNotMatch(sql('SELECT notes FROM runs ORDER BY id DESC LIMIT 1'), /override/);
  // the engineer's page shows the overdue calibration
  await page.goto(new URL('engineer.html', env.PANEL_URL).href);
  await page.waitForSelector('#cal-table .overdue:has-text("OVERDUE")');
}

async function reconnect() {
  const px = await proxy(new URL(env.PANEL_URL));
  const page = await open(px.url);
  await signIn(page, 'ana', '1234');
  await workOrder(page, { profile: 'long', model: 'MMS-120-2001', batch: 1 });
  await scan(page, 'PB-0001');
  await until('position 1 ready', async () => (await note(page, 1)).startsWith('ready'));
  await page.click('#start');
  await page.waitForSelector('#tile-1 .point:has-text("full-load-long")');
  // the network drops; the run ends while the panel cannot hear it
  px.setCut(true);
  await page.waitForSelector('#live[data-live="no"]');
  const r = await ctl({ cmd: 'abort', reason: 'ended while the panel was away' });
  assert.ok(r.ok, JSON.stringify(r));
  await until('run stored as aborted', async () => sql('SELECT state FROM runs ORDER BY id DESC LIMIT 1') === 'aborted');
  assert.equal(await page.getAttribute('#tile-1', 'data-verdict'), null, 'nothing heard while cut');
  px.setCut(false);
  await page.waitForSelector('#live[data-live="yes"]');
  assert.equal(await verdictOf(page, 1), 'aborted');
  await page.waitForSelector('#runstate:has-text("idle")');
  assert.match(await page.textContent('#message'), /ended while the panel was away/);
  await page.screenshot({ path: `${ARTIFACTS}/reconnect-800x480.png` });
  px.close();
}

const scenarios = { batch, 'wrong-model': wrongModel, abort, lid, calibration, reconnect };

browser = await chromium.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
let code = 0;
try {
  await scenarios[scenario]();
  assert.deepEqual(pageErrors, [], 'no script errors on the page');
  console.log(`browser ${scenario}: ok`);
} catch (e) {
  console.error(`browser ${scenario}: ${e.stack || e}`);
  code = 1;
} finally {
  await browser.close();
}
process.exit(code);
