// End-to-end: the research formats and recordings that are not a clean 12-lead 10 s strip (issue 12), in the
// release site, in headless Chromium. One drop mixes WFDB (a 300 Hz one-lead CinC 2017-style record in a `.mat`
// with a zero checksum, a 1 kHz record, a two-lead record, a 90 s recording), EDF, BDF, CSV, NumPy (a batch with
// its sidecar JSON), MATLAB and HDF5 (CODE-15% layout) files: every row is explained, or asks what its file does
// not say, or is withheld with the leads it lacks — and every trace is drawn. The files are the vendored ones in
// tests/fixtures/formats/files/ (made from PTB-XL by tools/reference/make_*.py, or pyedflib's own test files).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, ROOT, canvasInk, dropFiles, launch, openApp, serveDist, text, waitIdle, waitOffline, waitReady } from './helpers.mjs';

const FILES = join(ROOT, 'tests/fixtures/formats/files');

// file name → how its row must end: [row name, status, format, prediction test]
const DROP = [
  'research-cinc2017.hea', 'research-cinc2017.mat',
  'research-1khz.hea', 'research-1khz.dat',
  'research-two-lead.hea', 'research-two-lead.dat',
  'research-long.hea', 'research-long.dat',
  'edf-12lead.edf', 'edf-psg.edf', 'edf-3lead.bdf',
  'delimited-comma-time.csv', 'delimited-noheader.tsv',
  'numpy-batch-3x1000x12-f8.npy', 'numpy-batch-3x1000x12-f8.json',
  'matlab-ptbxl-v5.mat', 'matlab-ptbxl-cpsc.mat',
  'hdf5-code15-gzip.hdf5',
];

let srv, browser, app, page;
let requestsAtReady = 0;
const shot = (name) => page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
const row = (record) => `[data-testid=batch] tr[data-record="${record}"]`;
const status = (record) => page.locator(row(record)).getAttribute('data-status');

before(async () => {
  srv = await serveDist();
  browser = await launch();
  app = await openApp(browser, srv.url);
  page = app.page;
  await page.goto(srv.url);
  await waitReady(page);
  await waitIdle(page);
  // The service worker stores the site's own files after the first draw: wait for it, so that what follows counts
  // only requests the app itself would make.
  await waitOffline(page);
  requestsAtReady = app.requests.length;
});

after(async () => {
  await browser?.close();
  await srv?.close();
});

const drop = (names) => dropFiles(page, names.map((name) => [name, readFileSync(join(FILES, name))]));

async function settled(records) {
  for (const record of records) {
    await page.waitForFunction(
      (sel) => ['done', 'error', 'needs_input'].includes(document.querySelector(sel)?.dataset.status),
      row(record),
      { timeout: 300_000 },
    );
  }
}

async function open(record) {
  await page.click(`${row(record)} td:first-child`);
  await page.waitForFunction((r) => document.querySelector('[data-testid=summary]').innerText.includes(`Record: ${r}`), record.split(' ')[0]);
  await waitIdle(page);
}

const cell = (record, testid) => page.locator(`${row(record)} [data-testid=${testid}]`).innerText();
const prediction = (record) => page.locator(`${row(record)} td:nth-child(3)`).innerText();

test('one drop of every research format and odd recording: each row explained, asked, or withheld with a reason', async () => {
  await drop(DROP);
  const explained = [
    'research-cinc2017', 'research-1khz', 'research-two-lead', 'research-long',
    'edf-12lead', 'edf-psg', 'edf-3lead', 'delimited-comma-time', 'numpy-batch-3x1000x12-f8',
    'matlab-ptbxl-cpsc', 'hdf5-code15-gzip',
  ];
  await settled([...explained, 'delimited-noheader', 'matlab-ptbxl-v5']);
  await shot('30-research-batch.png');
  for (const record of explained) assert.equal(await status(record), 'done', record);
  assert.equal(await cell('edf-12lead', 'row-format'), 'EDF/BDF');
  assert.equal(await cell('delimited-comma-time', 'row-format'), 'CSV/TSV');
  assert.equal(await cell('numpy-batch-3x1000x12-f8', 'row-format'), 'NumPy');
  assert.equal(await cell('matlab-ptbxl-cpsc', 'row-format'), 'MATLAB');
  assert.equal(await cell('hdf5-code15-gzip', 'row-format'), 'HDF5');

  // The 12-lead ones are predicted, and so are the reduced-lead ones the card declares a lead set for (I + II,
  // I + II + V2 as the six limb leads; II + V1 as lead II); a single lead the model does not serve is withheld.
  for (const record of ['research-1khz', 'research-long', 'edf-12lead', 'numpy-batch-3x1000x12-f8', 'hdf5-code15-gzip',
    'research-two-lead', 'edf-psg', 'edf-3lead']) {
    assert.notEqual(await prediction(record), 'withheld', record);
  }
  assert.equal(await prediction('research-cinc2017'), 'withheld');
  // CinC 2017's zero checksum is a warning on the row, not a refusal.
  assert.match(await cell('research-cinc2017', 'row-notes'), /warning/);

  // A multi-record file: a row per record (the batch of 3, CODE-15%'s 3 exams); a 90 s recording: a row per 10 s.
  await settled(['numpy-batch-3x1000x12-f8 [2/3]', 'numpy-batch-3x1000x12-f8 [3/3]', 'hdf5-code15-gzip [3/3]']);
  assert.equal(await status('hdf5-code15-gzip [3/3]'), 'done');
  await settled(['research-long @ 00:01:20']);
  assert.equal(await page.locator('[data-testid=batch] tr[data-record^="research-long @"]').count(), 8);

  // Files that cannot say their rate ask for it, with a suggestion; the answer reads them.
  for (const record of ['delimited-noheader', 'matlab-ptbxl-v5']) {
    assert.equal(await status(record), 'needs_input', record);
    assert.match(await page.locator(`${row(record)} .status`).innerText(), /does not say its sampling rate/);
    assert.equal(await page.locator(`${row(record)} [data-testid=ask-rate]`).inputValue(), '500');
  }
  // A wrong answer is said on the form.
  await page.fill(`${row('matlab-ptbxl-v5')} [data-testid=ask-rate]`, '0');
  await page.click(`${row('matlab-ptbxl-v5')} [data-testid=ask-submit]`);
  assert.match(await page.locator(`${row('matlab-ptbxl-v5')} [data-testid=ask-error]`).innerText(), /not plausible/);
  for (const record of ['delimited-noheader', 'matlab-ptbxl-v5']) {
    await page.fill(`${row(record)} [data-testid=ask-rate]`, '500');
    const leads = page.locator(`${row(record)} [data-testid=ask-leads]`);
    if (await leads.count()) assert.match(await leads.inputValue(), /^I,II,III,aVR,aVL,aVF,V1/);
    await page.click(`${row(record)} [data-testid=ask-submit]`);
  }
  await settled(['delimited-noheader', 'matlab-ptbxl-v5']);
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.status === 'done', row('matlab-ptbxl-v5'), { timeout: 120_000 });
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.status === 'done', row('delimited-noheader'), { timeout: 120_000 });
  await waitIdle(page);
  await shot('31-research-answered.png');

  // Every trace is drawn: a 1 kHz record, a two-lead one, a window of the long recording.
  for (const record of ['research-1khz', 'research-two-lead', 'edf-psg', 'research-long @ 00:00:30', 'hdf5-code15-gzip [2/3]']) {
    await open(record);
    assert.ok((await canvasInk(page)).dark > 1000, `${record}: the trace is drawn`);
  }
  await open('research-two-lead');
  assert.match(await text(page, 'summary'),
    /Lead set limb-6: the model read I, II, III, aVR, aVL, aVF and its other leads as zeros/);
  assert.equal(await page.locator('[data-testid=predictions] tbody tr').count(), 5);
  await open('edf-psg');
  assert.match(await text(page, 'summary'), /Lead set II: the model read II and its other leads as zeros/);
  await open('research-cinc2017');
  assert.match(await text(page, 'summary'), /Prediction withheld: the record lacks lead\(s\) I, II, III/);
  assert.match(await text(page, 'withheld'),
    /covers none of the lead sets the model serves \(12-lead, limb-6, I\+II, I, II\)/);
  assert.equal(await page.locator('[data-testid=predictions] tbody tr').count(), 0);
  await shot('32-research-withheld.png');
});

test('a long recording: the overview strip shows all of it, and a click or a key opens another window', async () => {
  // A 5-minute two-lead EDF+ Holter at 250 Hz: the worker reads it from the File a window at a time.
  await drop(['edf-holter.edf']);
  await settled(['edf-holter', 'edf-holter @ 00:04:50']);
  assert.equal(await page.locator('[data-testid=batch] tr[data-record^="edf-holter @"]').count(), 29);
  await open('edf-holter');
  const strip = page.locator('[data-testid=overview] svg');
  assert.equal(await page.locator('[data-testid=overview]').isVisible(), true);
  // A stroke per bucket (1,600 across), lead II, the window on screen marked at the start.
  const d = await page.locator('[data-testid=overview] path').getAttribute('d');
  assert.ok(d.split('M').length - 1 > 1500, `${d.split('M').length - 1} strokes`);
  assert.match(await strip.getAttribute('aria-label'), /00:05:00, lead II\): the window on screen starts at 00:00:00/);
  assert.equal(await strip.getAttribute('data-start-s'), '0.000');
  assert.equal(await page.locator('[data-testid=overview-window]').getAttribute('x'), '0.0');
  const startIs = (s) => page.waitForFunction((s) => document.querySelector('[data-testid=overview] svg')?.dataset.startS === s, s, { timeout: 60_000 });
  // Halfway along the strip: the window at 2:30.
  const box = await strip.boundingBox();
  await strip.click({ position: { x: box.width * 0.5 + 1, y: box.height / 2 } });
  await startIs('150.000');
  await waitIdle(page);
  assert.ok((await canvasInk(page)).dark > 1000, 'the window at 2:30 is drawn');
  assert.equal(await page.locator('[data-testid=overview-window]').getAttribute('x'), '800.0');
  // As a slider: the arrows step a window, End and Home go to the last and the first.
  await strip.focus();
  await page.keyboard.press('ArrowRight');
  await startIs('160.000');
  await page.keyboard.press('End');
  await startIs('290.000');
  await page.keyboard.press('Home');
  await startIs('0.000');
  await shot('33-research-overview.png');
  // The 90 s WFDB recording (read whole, kept decoded) has one too; a 10 s record has none.
  await open('research-long @ 00:00:30');
  assert.equal(await strip.getAttribute('data-start-s'), '30.000');
  await open('edf-12lead');
  assert.equal(await page.locator('[data-testid=overview]').isHidden(), true);
});

test('no network request after the page was ready, whatever was opened', async () => {
  const after = app.requests.slice(requestsAtReady).filter((r) => !r.url.startsWith('blob:') && !r.url.startsWith('data:'));
  assert.deepEqual(after.map((r) => r.url), [], 'requests after ready');
  assert.deepEqual(app.errors, [], 'console errors');
});
