// End-to-end: the clinical formats (issue 11) in the release site, in headless Chromium. Each sample file is
// dropped on the page (the vendored MIT/Apache copies; the GPL MUSE sample straight from ../shared/data, skipped
// without it unless ECGLENS_REQUIRE_SHARED_DATA=1), recognised by content, explained, and shown with the device's
// own measurements; the broken Philips files are error rows; an unknown file says what it looks like. The patient
// identity starts hidden and is in no export unless the user asks for it. The CLI (`ecglens info --json
// --show-patient`) is the oracle of what each file holds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, ROOT, canvasInk, dropFiles, launch, openApp, serveDist, text, waitIdle, waitOffline, waitReady } from './helpers.mjs';

const FILES = join(ROOT, 'tests/fixtures/formats/files');
const MUSE = join(ROOT, '../shared/data/formats/muse/example1.xml');
const requireShared = process.env.ECGLENS_REQUIRE_SHARED_DATA === '1';

// file, its batch row (three files share a stem: their rows keep the extension), the record, the format column.
const SAMPLES = [
  ['ecgtoolkit-example.dcm', 'ecgtoolkit-example.dcm', 'ecgtoolkit-example', 'DICOM'],
  ['ecgtoolkit-example.scp', 'ecgtoolkit-example.scp', 'ecgtoolkit-example', 'SCP-ECG'],
  ['ecgtoolkit-example.xml', 'ecgtoolkit-example.xml', 'ecgtoolkit-example', 'HL7 aECG'],
  ['pydicom-waveform_ecg.dcm', 'pydicom-waveform_ecg', 'pydicom-waveform_ecg', 'DICOM'],
  ['129DYPRG.XML', '129DYPRG', '129DYPRG', 'Philips XML'],
  ['3191723_ZZDEMOPTONLY_1-04_orig.xml', '3191723_ZZDEMOPTONLY_1-04_orig', '3191723_ZZDEMOPTONLY_1-04_orig', 'Philips XML'],
];

function cli(args) {
  const bin = process.env.ECGLENS_CLI;
  const argv = bin ? [bin, args] : ['cargo', ['run', '--quiet', '--locked', '-p', 'ecglens-cli', '--bin', 'ecglens', '--', ...args]];
  return execFileSync(argv[0], argv[1], { cwd: ROOT, maxBuffer: 1 << 28, encoding: 'utf8' });
}

let srv, browser, app, page;
let requestsAtReady = 0;
const shot = (name) => page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });

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

const drop = (files) => dropFiles(page, files);

const row = (record) => `[data-testid=batch] tr[data-record="${record}"]`;

async function open(rowName, record = rowName) {
  await page.click(row(rowName));
  await page.waitForFunction((r) => document.querySelector('[data-testid=summary]').innerText.includes(`Record: ${r}`), record);
  await waitIdle(page);
}

test('every clinical sample file opens by content, is segmented and predicted; broken files are error rows', async () => {
  const dropped = [
    ['ecgtoolkit-example.dcm', readFileSync(join(FILES, 'ecgtoolkit-example.dcm'))],
    ['ecgtoolkit-example.scp', readFileSync(join(FILES, 'ecgtoolkit-example.scp'))],
    ['ecgtoolkit-example.xml', readFileSync(join(FILES, 'ecgtoolkit-example.xml'))],
    ['pydicom-waveform_ecg.dcm', readFileSync(join(FILES, 'pydicom-waveform_ecg.dcm'))],
    ['129DYPRG.XML', readFileSync(join(FILES, '129DYPRG.XML'))],
    ['3191723_ZZDEMOPTONLY_1-04_orig.xml', readFileSync(join(FILES, '3191723_ZZDEMOPTONLY_1-04_orig.xml'))],
    ['invalid-doc-type.xml', readFileSync(join(FILES, 'invalid-doc-type.xml'))],
    ['invalid-doc-version.xml', readFileSync(join(FILES, 'invalid-doc-version.xml'))],
    ['report.pdf', Buffer.from('%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n')],
  ];
  await drop(dropped);
  for (const [, record] of SAMPLES) {
    await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.status === 'done', row(record), { timeout: 300_000 });
  }
  await waitIdle(page);
  for (const [, record, , format] of SAMPLES) {
    assert.equal(await page.locator(`${row(record)} [data-testid=row-format]`).innerText(), format, record);
  }
  const errorRow = async (record) => {
    assert.equal(await page.locator(row(record)).getAttribute('data-status'), 'error', record);
    return page.locator(`${row(record)} .status`).innerText();
  };
  assert.match(await errorRow('invalid-doc-type'), /invalid-doc-type\.xml \(Philips XML\): .*document type/i);
  assert.match(await errorRow('invalid-doc-version'), /invalid-doc-version\.xml \(Philips XML\): .*version/i);
  assert.match(await errorRow('report.pdf'), /report\.pdf: not an ECG format ecglens reads; it looks like a PDF document\. Supported: WFDB/);
  await shot('20-formats-batch.png');

  for (const [file, rowName, record, format] of SAMPLES) {
    await open(rowName, record);
    const info = JSON.parse(cli(['info', '--json', join(FILES, file)]).trim());
    assert.equal(await text(page, 'device-format').then((t) => t.split(' · ')[0]), format, record);
    assert.ok((await canvasInk(page)).dark > 2000, `${record}: the trace is drawn`);
    assert.ok(await page.locator('[data-testid=legend] tr[data-cluster]').count() >= 2, `${record}: clusters`);
    assert.ok(await page.locator('[data-testid=predictions] tbody tr').count() >= 2, `${record}: predictions`);
    assert.equal(await text(page, 'device-recording'), `${info.leads.length} leads · ${info.sample_rate_hz} Hz · ${info.duration_s.toFixed(2)} s`, record);
    for (const m of info.device.measurements ?? []) {
      assert.ok(await page.locator(`[data-testid=device-measurements] tr[data-measurement="${m.name}"]`).count() === 1, `${record}: the device's ${m.name}`);
    }
    for (const s of (info.device.statements ?? []).slice(0, 3)) {
      assert.ok((await text(page, 'device-statements')).includes(s), `${record}: statement ${s}`);
    }
    await shot(`21-format-${format.replace(/\W+/g, '-')}-${record}.png`);
  }
});

test('the GE MUSE sample (GPL, read from ../shared) opens with III, aVR, aVL, aVF derived and the cart\'s measurements', async (t) => {
  if (!existsSync(MUSE)) {
    assert.ok(!requireShared, `ECGLENS_REQUIRE_SHARED_DATA=1 but ${MUSE} is missing`);
    t.skip(`needs ${MUSE} (../shared/data)`);
    return;
  }
  await drop([['example1.xml', readFileSync(MUSE)]]);
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.status === 'done', row('example1'), { timeout: 300_000 });
  await waitIdle(page);
  assert.equal(await page.locator(`${row('example1')} [data-testid=row-format]`).innerText(), 'GE MUSE XML');
  await open('example1');
  assert.match(await text(page, 'device-warnings'), /III, aVR, aVL, aVF derived from I and II/);
  assert.ok(await page.locator('[data-testid=device-measurements] tr[data-measurement="QRS"]').count() === 1);
  assert.ok((await canvasInk(page)).dark > 2000);
});

test('patient identity: hidden until asked, on screen only, in no export unless the user ticks it', async () => {
  // The Philips 1.04 sample names its (demo) patient.
  const file = '3191723_ZZDEMOPTONLY_1-04_orig.xml';
  const record = '3191723_ZZDEMOPTONLY_1-04_orig';
  const info = JSON.parse(cli(['info', '--json', '--show-patient', join(FILES, file)]).trim());
  const identity = Object.values(info.patient ?? {}).filter((v) => String(v).length >= 3);
  assert.ok(identity.length >= 2, `the sample carries a patient identity: ${JSON.stringify(info.patient)}`);
  await open(record);
  assert.equal(await page.locator('[data-testid=patient-toggle]').innerText(), 'Show patient identity');
  const body = () => page.evaluate(() => document.body.innerText);
  for (const value of identity) assert.ok(!(await body()).includes(value), `"${value}" is not on screen before the toggle`);

  const save = async (testid) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid=${testid}]`)]);
    const path = join(ARTIFACTS, `patient-${download.suggestedFilename()}`);
    await download.saveAs(path);
    return readFileSync(path);
  };
  // Where an export could carry the identity: any JSON string (key or value) or CSV field holding a value of it
  // (a value that is a number, like the ID "9999", as a whole JSON number or field: as a substring it turns up
  // inside any long decimal), and the PNG's bytes (its text chunks).
  const numeric = (v) => /^\d+$/.test(String(v));
  const leaks = (testid, bytes, value) => {
    const v = String(value);
    const hit = (text) => (numeric(v) ? text === v : text.includes(v));
    if (testid === 'export-png') return bytes.includes(Buffer.from(v));
    if (testid === 'export-csv') {
      const text = bytes.toString('utf8');
      return numeric(v) ? text.split(/[,\r\n]/).some((f) => f.replace(/^"|"$/g, '') === v) : text.includes(v);
    }
    const walk = (node) => {
      if (typeof node === 'string') return hit(node);
      if (typeof node === 'number') return numeric(v) && node === Number(v);
      if (Array.isArray(node)) return node.some(walk);
      if (node && typeof node === 'object') return Object.entries(node).some(([k, x]) => hit(k) || walk(x));
      return false;
    };
    return walk(JSON.parse(bytes.toString('utf8')));
  };
  const exportsWithout = async () => {
    for (const testid of ['export-csv', 'export-json', 'export-manifest', 'export-png']) {
      const bytes = await save(testid);
      for (const value of identity) assert.ok(!leaks(testid, bytes, value), `${testid} does not contain "${value}"`);
    }
  };
  await exportsWithout();

  await page.click('[data-testid=patient-toggle]');
  const shown = await text(page, 'patient');
  for (const value of identity) assert.ok(shown.includes(value), `"${value}" shown after the toggle`);
  // Shown on screen is not "asked to export".
  await exportsWithout();
  await page.check('[data-testid=patient-export]');
  const json = JSON.parse((await save('export-json')).toString('utf8'));
  assert.deepEqual(json.patient, info.patient, 'the JSON export holds the identity once the user asked for it');
  await page.uncheck('[data-testid=patient-export]');
  await page.click('[data-testid=patient-toggle]');
  assert.equal(await page.locator('[data-testid=patient]').isHidden(), true);
});

test('no network request after the page was ready, whatever was opened', async () => {
  const after = app.requests.slice(requestsAtReady).filter((r) => !r.url.startsWith('blob:') && !r.url.startsWith('data:'));
  assert.deepEqual(after.map((r) => r.url), [], 'requests after ready');
  assert.deepEqual(app.external, []);
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'Content-Security-Policy violations');
  assert.deepEqual(app.errors, [], 'console errors');
});
