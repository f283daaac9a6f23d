// End-to-end tests of the release site (dist/) in headless Chromium (issues 2 and 5).
// One page goes through every state in order; a later test asserts that nothing after the page was ready (and the
// service worker had stored the site) touched the network, another that the site opens offline after one visit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, DIST, EXAMPLES, ROOT, canvasInk, dropCopies, launch, openApp, serveDist, text, waitIdle, waitOffline, waitReady } from './helpers.mjs';

let srv, browser, app, page;
let readyAt = 0;
let requestsAtReady = 0;
let hitsAtReady = 0;
const shot = (name) => page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });

before(async () => {
  srv = await serveDist();
  browser = await launch();
  app = await openApp(browser, srv.url);
  page = app.page;
});

after(async () => {
  await browser?.close();
  await srv?.close();
});

test('the page loads to ready, shows the model output and draws the ECG', async () => {
  await page.goto(srv.url);
  await waitReady(page);
  // "Loaded" includes the service worker's one-time copy of the site (its own public files) for offline use.
  assert.equal(await waitOffline(page), 'ready', await text(page, 'offline'));
  assert.match(await text(page, 'offline'), /works offline/);
  readyAt = performance.now();
  requestsAtReady = app.requests.length;
  hitsAtReady = srv.hits.length;

  const summary = await text(page, 'summary');
  assert.match(summary, /Record: \S+/);
  assert.match(summary, /CNN: (\w+ \d\.\d{3}(, )?)+/);
  assert.match(summary, /Surrogate: /);
  assert.match(summary, /Layer: /);
  assert.match(summary, /Mean entropy: /);
  const rows = await page.locator('[data-testid=predictions] tbody tr').count();
  assert.ok(rows >= 2, `predictions table has ${rows} rows`);

  const ink = await canvasInk(page);
  assert.ok(ink.dark > 2000, `only ${ink.dark} dark pixels on the canvas`);
  const box = await page.locator('[data-testid=ecg-canvas]').boundingBox();
  assert.ok(ink.box[2] - ink.box[0] > box.width * 0.5, `trace spans ${ink.box[2] - ink.box[0]} of ${box.width} px`);
  assert.ok(ink.box[3] - ink.box[1] > box.height * 0.5, 'trace spans the leads vertically');
  await shot('01-ready.png');

  // The example gallery: at least one per superclass.
  const superclasses = await page.locator('[data-testid=gallery] .superclass').allInnerTexts();
  for (const sc of ['NORM', 'MI', 'STTC', 'CD', 'HYP']) {
    assert.ok(superclasses.some((s) => s.includes(sc)), `no example for ${sc} in ${superclasses}`);
  }

  // Before ready: only this origin, only files that exist in dist/.
  for (const r of app.requests.slice(0, requestsAtReady)) {
    assert.ok(r.url.startsWith(app.origin + '/'), `request to another origin: ${r.url}`);
    const path = decodeURIComponent(new URL(r.url).pathname).replace(/^\/+/, '') || 'index.html';
    // The atlas is optional (without it the app runs without clusters): its probe may 404.
    if (path === 'models/default.atlas.json') continue;
    assert.ok(existsSync(join(DIST, path)), `request for a file not in dist/: ${r.url}`);
  }
  assert.deepEqual(app.external, []);
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'Content-Security-Policy violations');
  assert.deepEqual(app.errors, [], 'console errors');
});

test('switching examples redraws another record', async () => {
  const first = await text(page, 'summary');
  const n = await page.locator('[data-testid=gallery] button.example').count();
  assert.ok(n >= 2);
  const button = page.locator('[data-testid=example-1]');
  const record = await button.getAttribute('data-record');
  await button.click();
  await page.waitForFunction((r) => document.querySelector('[data-testid=summary]').innerText.includes(`Record: ${r}`), record);
  await waitIdle(page);
  assert.notEqual(await text(page, 'summary'), first);
  assert.ok((await canvasInk(page)).dark > 2000);
  await shot('02-example-switched.png');
});

test("the LUDB example shows the cardiologists' P/QRS/T waves next to the clusters", async () => {
  const button = page.locator('[data-testid=gallery] button.example[data-record=ludb001]');
  await button.click();
  await page.waitForFunction(() => document.querySelector('[data-testid=summary]').innerText.includes('Record: ludb001'));
  await waitIdle(page);
  const note = await text(page, 'annotations');
  // LUDB record 1: 12 annotated leads; lead II alone has 16 waves (test of crate::landmarks).
  assert.match(note, /on 12 leads .*: \d+ P waves, \d+ QRS complexes, \d+ T waves/);
  const [p, qrs, t] = /(\d+) P waves, (\d+) QRS complexes, (\d+) T waves/.exec(note).slice(1).map(Number);
  assert.ok(p >= 12 && qrs >= 12 && t >= 12, note);
  // The bars are drawn: pixels of the annotation colour (#1a3d8f) on the canvas.
  const bars = await page.evaluate(() => {
    const c = document.querySelector('[data-testid=ecg-canvas]');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] === 0x1a && d[i + 1] === 0x3d && d[i + 2] === 0x8f) n += 1;
    return n;
  });
  assert.ok(bars > 200, `${bars} annotation pixels`);
  await shot('02b-ludb-annotations.png');
});

test('switching layer and layout', async () => {
  const layers = await page.locator('[data-testid=layer] option').allInnerTexts();
  const hasClusters = (await page.locator('[data-testid=legend] tbody tr').count()) > 0;
  if (hasClusters && layers.length > 1) {
    await page.selectOption('[data-testid=layer]', { index: 0 });
    await page.waitForFunction((l) => document.querySelector('[data-testid=summary]').innerText.includes(`Layer: ${l}`), layers[0]);
    await waitIdle(page);
    await shot('03-layer-0.png');
  }
  const h0 = (await page.locator('[data-testid=ecg-canvas]').boundingBox()).height;
  await page.selectOption('[data-testid=layout]', '12x1');
  await page.waitForFunction((h) => document.querySelector('[data-testid=ecg-canvas]').getBoundingClientRect().height > h * 1.5, h0);
  await waitIdle(page);
  assert.ok((await canvasInk(page)).dark > 2000);
  await shot('04-layout-12x1.png');
  await page.selectOption('[data-testid=layout]', '6x2');
  await waitIdle(page);
  await shot('05-layout-6x2.png');
  await page.selectOption('[data-testid=speed]', '50');
  await page.selectOption('[data-testid=gain]', '20');
  await waitIdle(page);
  await shot('06-speed50-gain20.png');
  await page.selectOption('[data-testid=layout]', '3x4');
  await page.selectOption('[data-testid=speed]', '25');
  await page.selectOption('[data-testid=gain]', '10');
  // Zoom and pan: wheel, drag and keys change the view, and it still draws.
  const canvas = page.locator('[data-testid=ecg-canvas]');
  const cb = await canvas.boundingBox();
  await page.mouse.move(cb.x + cb.width / 2, cb.y + 100);
  await page.mouse.wheel(0, -400);
  await waitIdle(page);
  const zoomed = await text(page, 'zoom');
  assert.match(zoomed, /zoom (?!1\.00)/);
  await page.mouse.down();
  await page.mouse.move(cb.x + cb.width / 2 - 200, cb.y + 100, { steps: 5 });
  await page.mouse.up();
  await waitIdle(page);
  const from = (t) => Number(/from (-?[\d.]+) s/.exec(t)[1]);
  assert.ok(from(await text(page, 'zoom')) > from(zoomed), `dragging left moves later in time: ${zoomed} → ${await text(page, 'zoom')}`);
  await page.locator('[data-testid=paper]').focus();
  await page.keyboard.press('ArrowRight');
  await waitIdle(page);
  assert.match(await text(page, 'zoom'), /zoom (?!1\.00)/);
  await shot('07-zoomed.png');
  await page.keyboard.press('0');
  await waitIdle(page);
});

function exampleFiles(record) {
  return readdirSync(EXAMPLES).filter((f) => f.startsWith(`${record}.`)).map((f) => join(EXAMPLES, f));
}

let ownRecord = '';

test('your own WFDB files: the picker, and a drop with a corrupt file', async () => {
  const index = JSON.parse(readFileSync(join(EXAMPLES, 'index.json'), 'utf8'));
  const entries = Array.isArray(index) ? index : index.examples;
  ownRecord = (entries.at(-1).file ?? entries.at(-1).name ?? entries.at(-1).record);
  await page.setInputFiles('[data-testid=file-input]', exampleFiles(ownRecord));
  await page.waitForFunction((r) => document.querySelector(`[data-testid=batch] tr[data-record="${r}"][data-status=done]`), ownRecord);
  await page.waitForFunction((r) => document.querySelector('[data-testid=summary]').innerText.includes(`Record: ${r}`), ownRecord);
  await waitIdle(page);
  assert.ok((await canvasInk(page)).dark > 2000);
  await shot('08-own-file.png');

  // A drop: a corrupt header, a .dat without its header, and a good record; the good one still works.
  const good = entries.at(-2).file ?? entries.at(-2).name ?? entries.at(-2).record;
  const files = [
    { name: 'corrupt.hea', bytes: [...Buffer.from('this is not a WFDB header\n\u0000\u0001')] },
    { name: 'orphan.dat', bytes: [1, 2, 3, 4] },
    ...exampleFiles(good).map((p) => ({ name: p.split('/').at(-1), bytes: [...readFileSync(p)] })),
  ];
  await page.evaluate((files) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
    const zone = document.querySelector('[data-testid=dropzone]');
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
  await page.waitForFunction((r) => document.querySelector(`[data-testid=batch] tr[data-record="${r}"][data-status=done]`), good);
  await waitIdle(page);
  const batch = await text(page, 'batch');
  assert.match(batch, /corrupt[\s\S]*error: /);
  assert.match(batch, /orphan\.dat[\s\S]*error: /);
  assert.equal(await page.locator('[data-testid=batch] tr[data-status=error]').count(), 2);
  assert.equal(await page.locator('[data-testid=batch] tr[data-status=done]').count(), 2);
  // Sortable: by mean entropy, descending.
  await page.click('[data-testid=sort-entropy]');
  await shot('09-batch-with-errors.png');
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
});

test('exports: CSV equals the native CLI, JSON, manifest, PNG', async (t) => {
  // Show the record loaded from a file, then export.
  await page.click(`[data-testid=batch] tr[data-record="${ownRecord}"]`);
  await page.waitForFunction((r) => document.querySelector('[data-testid=summary]').innerText.includes(`Record: ${r}`), ownRecord);
  await waitIdle(page);
  const save = async (testid) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid=${testid}]`)]);
    const path = join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(path);
    return path;
  };
  const csv = readFileSync(await save('export-csv'), 'utf8');
  assert.ok(csv.startsWith('record,layer,sample,time_s,cluster,entropy\n'));
  const manifest = JSON.parse(readFileSync(await save('export-manifest'), 'utf8'));
  assert.match(manifest.model.sha256, /^[0-9a-f]{64}$/);
  assert.ok(manifest.app_version);
  assert.equal(manifest.record, ownRecord);
  assert.equal(manifest.settings.layout, '3x4');
  const json = JSON.parse(readFileSync(await save('export-json'), 'utf8'));
  assert.equal(json.record_name, ownRecord);
  const png = readFileSync(await save('export-png'));
  assert.equal(png.subarray(1, 4).toString(), 'PNG');

  assert.ok(existsSync(join(ROOT, 'www/models/default.atlas.json')), 'the shipped atlas (the CLI explains with it)');
  // scripts/test.sh points ECGLENS_CLI at the CLI `cargo test` just built; `cargo run` would build it again with
  // other features (no dev-dependencies), recompiling tract for minutes.
  const args = ['explain', join('www/examples', `${ownRecord}.hea`)];
  const cli = process.env.ECGLENS_CLI
    ? execFileSync(process.env.ECGLENS_CLI, args, { cwd: ROOT, maxBuffer: 1 << 30, encoding: 'utf8' })
    : execFileSync('cargo', ['run', '--quiet', '--locked', '-p', 'ecglens-cli', '--bin', 'ecglens', '--', ...args], { cwd: ROOT, maxBuffer: 1 << 30, encoding: 'utf8' });
  writeFileSync(join(ARTIFACTS, `${ownRecord}.cli.csv`), cli);
  // The README promises a byte-identical export: the same engine, preprocessing and CSV writer run natively and in
  // the worker. (If tract's wasm and native kernels ever rounded differently, this is where it would show.)
  if (csv !== cli) {
    const a = csv.split('\n');
    const b = cli.split('\n');
    const first = a.findIndex((row, i) => row !== b[i]);
    assert.fail(`browser CSV differs from the CLI's at line ${first + 1}: ${JSON.stringify(a[first])} vs ${JSON.stringify(b[first])}`);
  }
  t.diagnostic(`browser CSV is byte-identical to the CLI's (${csv.length} bytes)`);
});

test('a whole folder: the folder picker pairs each header with its .dat and leaves other files out', async () => {
  // www/examples: the WFDB records (PTB-XL at 500 and 100 Hz; LUDB with its per-lead annotation files, which go
  // with their record), plus index.json and LICENSE.txt, which are not records.
  const records = readdirSync(EXAMPLES).filter((f) => f.endsWith('.hea')).map((f) => f.slice(0, -4));
  const before = await page.locator('[data-testid=batch] tr').count();
  await page.setInputFiles('[data-testid=folder-input]', EXAMPLES);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=batch] tr').length >= n, before + records.length);
  await waitIdle(page);
  for (const r of records) {
    assert.equal(await page.locator(`[data-testid=batch] tr[data-record="${r}"][data-status=done]`).count() >= 1, true, `${r} done`);
  }
  assert.equal(await page.locator('[data-testid=batch] tr').count(), before + records.length, 'no rows for index.json or LICENSE.txt');
  assert.match(await text(page, 'notice'), /2 file\(s\) in the folder\(s\) are not part of a WFDB record/);
  await shot('10-folder.png');
});

test('a dropped folder is walked (nested folders, batched directory reads); a huge header is refused unread', async () => {
  // Headless Chromium cannot synthesise an OS drag of a folder, so this test gives the page's drop handler the
  // same File and Directory Entries objects a real folder drop yields (webkitGetAsEntry), built from real files.
  const base = '00274_hr';
  const files = {
    hea: [...readFileSync(join(EXAMPLES, `${base}.hea`))],
    dat: [...readFileSync(join(EXAMPLES, `${base}.dat`))],
  };
  const before = await page.locator('[data-testid=batch] tr').count();
  await page.evaluate(({ files, base }) => {
    const file = (name, bytes) => new File([new Uint8Array(bytes)], name);
    const fileEntry = (path, f) => ({ isFile: true, isDirectory: false, name: f.name, fullPath: path, file: (ok) => ok(f) });
    const dirEntry = (path, children) => ({
      isFile: false, isDirectory: true, name: path.split('/').pop(), fullPath: path,
      // Like Chromium: the children in batches, then an empty batch.
      createReader: () => { let at = 0; return { readEntries: (ok) => { const out = children.slice(at, at + 2); at += 2; setTimeout(() => ok(out)); } }; },
    });
    const folder = dirEntry('/ward', [
      dirEntry('/ward/monday', [
        fileEntry(`/ward/monday/${base}.hea`, file(`${base}.hea`, files.hea)),
        fileEntry(`/ward/monday/${base}.dat`, file(`${base}.dat`, files.dat)),
        fileEntry('/ward/monday/notes.txt', file('notes.txt', [110, 111])),
      ]),
      dirEntry('/ward/tuesday', [
        fileEntry('/ward/tuesday/late.hea', file('late.hea', [...new TextEncoder().encode(new TextDecoder().decode(new Uint8Array(files.hea)).split(base).join('late'))])),
        fileEntry('/ward/tuesday/late.dat', file('late.dat', files.dat)),
      ]),
    ]);
    const entries = { ward: folder };
    DataTransferItem.prototype.webkitGetAsEntry = function () { return entries[this.getAsFile()?.name] ?? null; };
    const dt = new DataTransfer();
    dt.items.add(new File([], 'ward'));
    dt.items.add(new File([new Uint8Array(2 * 1024 * 1024)], 'huge.hea'));
    document.querySelector('[data-testid=dropzone]').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, { files, base });
  await page.waitForSelector('[data-testid=batch] tr[data-record="late"][data-status=done]');
  await waitIdle(page);
  assert.equal(await page.locator('[data-testid=batch] tr').count(), before + 3);
  assert.match(await page.locator('[data-testid=batch] tr[data-record="huge.hea"]').innerText(), /too large for a WFDB header/);
  assert.equal(await page.locator(`[data-testid=batch] tr[data-status=done][data-record="${base}"]`).count() >= 1, true);
  assert.match(await text(page, 'notice'), /1 file\(s\) in the folder/);
  // Opening a finished row explains it again from its files and shows it.
  await page.click('[data-testid=batch] tr[data-record="late"]');
  await page.waitForFunction(() => document.querySelector('[data-testid=summary]').innerText.includes('Record: late'));
  await waitIdle(page);
});

test('a batch shows progress and can be cancelled', async () => {
  const index = JSON.parse(readFileSync(join(EXAMPLES, 'index.json'), 'utf8'));
  const entries = Array.isArray(index) ? index : index.examples;
  const base = entries[0].file ?? entries[0].name ?? entries[0].record;
  const n = 40;
  await dropCopies(page, base, n, 'c');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=batch] tr[data-status=done][data-record^=c]').length >= 2);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'busy');
  assert.match(await text(page, 'progress-text'), /^\d+ \/ \d+$/);
  await page.click('[data-testid=cancel]');
  await waitIdle(page);
  const cancelled = await page.locator('[data-testid=batch] tr[data-status=cancelled]').count();
  const done = await page.locator('[data-testid=batch] tr[data-status=done][data-record^=c]').count();
  assert.ok(cancelled > 0, 'some records were cancelled');
  assert.equal(cancelled + done, n);
  await shot('11-batch-cancelled.png');
});

test("a researcher's own model: loaded from files, a broken one refused with the previous kept, back to the default", async () => {
  const MODELS = join(ROOT, 'www/models');
  const notice = () => text(page, 'notice');
  const summaryBefore = await text(page, 'summary');
  assert.match(summaryBefore, /Surrogate: NORM \d/);
  // A model with its card but no atlas: predictions, no clusters.
  await page.setInputFiles('[data-testid=model-input]', [join(MODELS, 'default.onnx'), join(MODELS, 'default.card.json')]);
  await page.waitForFunction(() => /Now using your model/.test(document.querySelector('[data-testid=notice]').innerText));
  await waitIdle(page);
  assert.match(await notice(), /without an atlas: no clusters/);
  assert.match(await text(page, 'model-info'), /atlas none/);
  assert.match(await text(page, 'summary'), /Surrogate: n\/a \(no atlas\)/);
  assert.ok(await page.locator('[data-testid=model-default]').isVisible());
  assert.ok((await canvasInk(page)).dark > 2000, 'still drawn');
  await shot('12-own-model.png');
  // A broken model: a clear message, and the model in use stays.
  await page.setInputFiles('[data-testid=model-input]', [
    { name: 'broken.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('this is not an ONNX protobuf at all') },
    { name: 'default.card.json', mimeType: 'application/json', buffer: readFileSync(join(MODELS, 'default.card.json')) },
  ]);
  await page.waitForFunction(() => /could not be loaded/.test(document.querySelector('[data-testid=notice]').innerText));
  await waitIdle(page);
  assert.match(await notice(), /cannot load broken\.onnx with default\.card\.json: .*The previous model is still in use/);
  assert.match(await text(page, 'summary'), /Surrogate: n\/a \(no atlas\)/);
  // A model without its card.
  await page.setInputFiles('[data-testid=model-input]', [join(MODELS, 'default.onnx')]);
  await page.waitForFunction(() => /no model card among the files/.test(document.querySelector('[data-testid=notice]').innerText));
  await waitIdle(page);
  // Back to the default model (kept in memory: no request).
  await page.click('[data-testid=model-default]');
  await page.waitForFunction(() => /Back to the default model/.test(document.querySelector('[data-testid=notice]').innerText));
  await waitIdle(page);
  assert.match(await text(page, 'summary'), /Surrogate: NORM \d/);
  assert.ok(!(await page.locator('[data-testid=model-default]').isVisible()));
});

test('zero network requests after ready', async () => {
  assert.ok(readyAt > 0);
  const after = app.requests.slice(requestsAtReady).filter((r) => !r.url.startsWith('blob:') && !r.url.startsWith('data:'));
  assert.deepEqual(after.map((r) => r.url), [], 'requests after ready');
  assert.deepEqual(srv.hits.slice(hitsAtReady).map((h) => h.url), [], 'server hits after ready');
  assert.deepEqual(app.external, []);
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'Content-Security-Policy violations');
});

test('nothing about a patient is stored: no web storage, no IndexedDB, only the site\'s own files cached', async () => {
  // By now this page has opened a user's file, a drop with a corrupt file and a batch of 40 records.
  const stored = await page.evaluate(async () => {
    const cached = [];
    for (const key of await caches.keys()) {
      const cache = await caches.open(key);
      for (const request of await cache.keys()) cached.push(decodeURIComponent(new URL(request.url).pathname));
    }
    return {
      local: localStorage.length,
      session: sessionStorage.length,
      databases: (await indexedDB.databases()).map((d) => d.name),
      cookies: document.cookie,
      cached,
    };
  });
  assert.equal(stored.local, 0, 'localStorage');
  assert.equal(stored.session, 0, 'sessionStorage');
  assert.deepEqual(stored.databases, [], 'IndexedDB');
  assert.equal(stored.cookies, '');
  assert.ok(stored.cached.length > 10, `the offline cache has ${stored.cached.length} entries`);
  for (const path of stored.cached) {
    const file = path.replace(/^\/+/, '') || 'index.html';
    assert.ok(existsSync(join(DIST, file)), `cached ${path} is not a file of the site`);
  }
});

test('after one visit the site opens, draws and explains a file offline, with the server gone', async () => {
  const own = await serveDist();
  const other = await openApp(browser, own.url);
  try {
    await other.page.goto(own.url);
    await waitReady(other.page);
    assert.equal(await waitOffline(other.page), 'ready');
    const cached = await other.page.evaluate(async () => {
      const keys = await caches.keys();
      const cache = await caches.open(keys.find((k) => k.startsWith('ecglens-')));
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    });
    for (const f of ['/', '/index.html', '/sw.js', '/models/default.onnx', '/models/default.atlas.json', '/examples/index.json']) {
      assert.equal(cached.includes(f), f !== '/sw.js', `${f} ${f === '/sw.js' ? 'is' : 'is not'} in the offline cache`);
    }
    await own.close();
    await other.context.setOffline(true);
    const hits = own.hits.length;
    await other.page.reload();
    await waitReady(other.page);
    assert.match(await text(other.page, 'summary'), /Record: \S+/);
    assert.ok((await canvasInk(other.page)).dark > 2000, 'the ECG is drawn offline');
    // A user's file is explained offline too (the worker and model come from the cache).
    const files = readdirSync(EXAMPLES).filter((f) => f.startsWith('00274_hr.')).map((f) => join(EXAMPLES, f));
    await other.page.setInputFiles('[data-testid=file-input]', files);
    await other.page.waitForSelector('[data-testid=batch] tr[data-record="00274_hr"][data-status=done]', { timeout: 120_000 });
    await other.page.waitForFunction(() => document.querySelector('[data-testid=summary]').innerText.includes('Record: 00274_hr'));
    await waitIdle(other.page);
    assert.equal(own.hits.length, hits, 'the closed server was not reached');
    assert.deepEqual(other.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e)), [], 'console errors offline');
    await other.page.screenshot({ path: join(ARTIFACTS, '12-offline.png'), fullPage: true });
  } finally {
    await other.context.close();
    await own.close();
  }
});

test('a new build of the site is offered in the footer and taken on request', async () => {
  // A second "deployment": the server starts answering sw.js with different bytes, as after a rebuild.
  let deployed = 1;
  const own = await serveDist({ transform: (path, body) => (path === '/sw.js' && deployed > 1 ? `${body}\n// build ${deployed}\n` : body) });
  const other = await openApp(browser, own.url);
  try {
    await other.page.goto(own.url);
    await waitReady(other.page);
    assert.equal(await waitOffline(other.page), 'ready');
    assert.ok(!(await other.page.locator('[data-testid=update]').isVisible()), 'no update on the first visit');
    // The next visit is served by the service worker (the first one was not controlled by it).
    await other.page.reload();
    await waitReady(other.page);
    assert.equal(await waitOffline(other.page), 'ready');
    assert.ok(await other.page.evaluate(() => Boolean(navigator.serviceWorker.controller)));
    deployed = 2;
    await other.page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
    await other.page.waitForFunction(() => document.body.dataset.offline === 'update', null, { timeout: 60_000 });
    assert.match(await text(other.page, 'offline'), /a new version is ready/);
    await other.page.screenshot({ path: join(ARTIFACTS, '13-update-ready.png'), fullPage: true });
    await Promise.all([other.page.waitForEvent('load'), other.page.click('[data-testid=update]')]);
    await waitReady(other.page);
    assert.equal(await waitOffline(other.page), 'ready');
    const sw = await other.page.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration();
      const script = await (await fetch(r.active.scriptURL, { cache: 'no-store' })).text();
      return { waiting: Boolean(r.waiting), controlled: Boolean(navigator.serviceWorker.controller), build2: script.includes('// build 2') };
    });
    assert.deepEqual(sw, { waiting: false, controlled: true, build2: true });
  } finally {
    await other.context.close();
    await own.close();
  }
});

test('HiDPI: on a 2× screen the canvas draws at device resolution', async () => {
  const other = await openApp(browser, srv.url, { deviceScaleFactor: 2 });
  try {
    await other.page.goto(srv.url);
    await waitReady(other.page);
    const scale = await other.page.evaluate(() => {
      const c = document.querySelector('[data-testid=ecg-canvas]');
      const r = c.getBoundingClientRect();
      return { x: c.width / r.width, y: c.height / r.height, dpr: devicePixelRatio };
    });
    assert.equal(scale.dpr, 2);
    assert.ok(Math.abs(scale.x - 2) < 0.01 && Math.abs(scale.y - 2) < 0.01, `backing store scale ${JSON.stringify(scale)}`);
    assert.ok((await canvasInk(other.page)).dark > 8000, 'the trace is drawn at device resolution');
    await other.page.screenshot({ path: join(ARTIFACTS, '15-hidpi.png') });
  } finally {
    await other.context.close();
  }
});

for (const where of ['ui', 'worker']) {
  test(`a panic in the ${where} wasm is shown in the page`, async () => {
    const other = await openApp(browser, srv.url);
    try {
      await other.page.goto(`${srv.url}?ecglens-test-panic=${where}`);
      await other.page.waitForFunction(() => document.body.dataset.state === 'error', null, { timeout: 120_000 });
      const fatal = other.page.locator('[data-testid=fatal]');
      assert.ok(await fatal.isVisible());
      assert.match(await fatal.innerText(), /panic/);
      await other.page.screenshot({ path: join(ARTIFACTS, `16-panic-${where}.png`) });
    } finally {
      await other.context.close();
    }
  });
}
