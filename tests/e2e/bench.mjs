#!/usr/bin/env node
// Browser benchmarks of the release site in headless Chromium (results for BENCHMARKS.md).
//   node tests/e2e/bench.mjs first-draw [N=10]   navigation → first drawn ECG (fresh browser context each run)
//   node tests/e2e/bench.mjs drop [N=20]         file chosen → its segmentation drawn, one record
//   node tests/e2e/bench.mjs batch [N=100]       a batch of N records (copies of an example): total time, memory
//   node tests/e2e/bench.mjs pan [FRAMES=120]    frame times while dragging the 12×1 layout
//   node tests/e2e/bench.mjs parse [N=20] FILE... the worker's parse time per file (body[data-parse-ms]), median of N
//   node tests/e2e/bench.mjs holter [HOURS=24] [WINDOWS=200] [wfdb]  a two-lead 250 Hz EDF of HOURS (written
//                                                into target/bench/; `wfdb`: the same as a WFDB record): first window
//                                                + overview, then WINDOWS more; the page's and the worker's memory
// Needs dist/ (node scripts/build-site.mjs). Prints one JSON line per benchmark.
import * as fs from 'node:fs';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES, ROOT, dropCopies, launch, median, openApp, serveDist, waitIdle, waitReady } from './helpers.mjs';

const [what = 'first-draw', nArg] = process.argv.slice(2);
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: +median(s).toFixed(1), p95: +q(0.95).toFixed(1), min: +s[0].toFixed(1), max: +s.at(-1).toFixed(1) };
};
const index = JSON.parse(readFileSync(join(EXAMPLES, 'index.json'), 'utf8'));
const entries = Array.isArray(index) ? index : index.examples;
const recordOf = (e) => e.file ?? e.name ?? e.record;
const filesOf = (record) => readdirSync(EXAMPLES).filter((f) => f.startsWith(`${record}.`)).map((f) => join(EXAMPLES, f));

// A plain EDF of `hours`: leads II and V1 of the example 00203_hr (500 Hz, µV) taken every second sample (250 Hz),
// its 10 s repeated; 1 s data records, 16-bit, physical = digital = µV. Written once into target/bench/.
// `wfdb`: the same samples as a WFDB record (format 16, 1000/mV), which the worker reads whole.
function holterFile(hours, wfdb) {
  const path = join(ROOT, 'target', 'bench', `holter-${hours}h${wfdb ? '-wfdb' : ''}.${wfdb ? 'hea' : 'edf'}`);
  if (existsSync(path)) return path;
  mkdirSync(join(ROOT, 'target', 'bench'), { recursive: true });
  const dat = readFileSync(join(EXAMPLES, '00203_hr.dat'));
  const frames = dat.length / 24; // 12 leads × 2 bytes
  const lead = (k) => Int16Array.from({ length: frames / 2 }, (_, i) => dat.readInt16LE((2 * i) * 24 + 2 * k));
  const leads = [lead(1), lead(6)]; // II, V1
  const rate = 250, records = Math.round(hours * 3600);
  if (wfdb) {
    const stem = `holter-${hours}h-wfdb`;
    const n = records * rate;
    const { writeFileSync } = fs;
    writeFileSync(path, `${stem} 2 ${rate} ${n}\n${stem}.dat 16 1000/mV 16 0 0 0 0 II\n${stem}.dat 16 1000/mV 16 0 0 0 0 V1\n`);
    const fd = openSync(join(ROOT, 'target', 'bench', `${stem}.dat`), 'w');
    const block = Buffer.alloc(leads[0].length * 4);
    for (let i = 0; i < leads[0].length; i += 1) {
      block.writeInt16LE(leads[0][i], 4 * i);
      block.writeInt16LE(leads[1][i], 4 * i + 2);
    }
    for (let i = 0; i < n; i += leads[0].length) writeSync(fd, block, 0, Math.min(leads[0].length, n - i) * 4);
    closeSync(fd);
    return path;
  }
  const field = (text, n) => text.padEnd(n, ' ').slice(0, n);
  const signal = (f) => ['II', 'V1'].map(f).join('');
  const header = field('0', 8) + field('X X X X', 80) + field('Startdate 01-JAN-2026 X ecglens-bench X', 80)
    + field('01.01.26', 8) + field('00.00.00', 8) + field(String(256 * 3), 8) + field('', 44) + field(String(records), 8)
    + field('1', 8) + field('2', 4)
    + signal((l) => field(`ECG ${l}`, 16)) + signal(() => field('AgAgCl electrode', 80)) + signal(() => field('uV', 8))
    + signal(() => field('-32768', 8)) + signal(() => field('32767', 8)) + signal(() => field('-32768', 8))
    + signal(() => field('32767', 8)) + signal(() => field('HP:0.05Hz LP:40Hz', 80)) + signal(() => field(String(rate), 8))
    + signal(() => field('', 32));
  const fd = openSync(path, 'w');
  writeSync(fd, Buffer.from(header, 'latin1'));
  const perLead = leads[0].length; // 2,500 samples: 10 records
  const block = Buffer.alloc(10 * 2 * rate * 2);
  for (let r = 0; r < 10; r += 1) {
    for (let k = 0; k < 2; k += 1) {
      for (let i = 0; i < rate; i += 1) block.writeInt16LE(leads[k][(r * rate + i) % perLead], ((r * 2 + k) * rate + i) * 2);
    }
  }
  for (let r = 0; r < records; r += 10) writeSync(fd, block, 0, Math.min(10, records - r) * 2 * rate * 2);
  closeSync(fd);
  return path;
}

// The app, ready, with DevTools' performance metrics on and the page's wasm instance at `window.__wasm`.
async function openWithMetrics() {
  const app = await openApp(browser, srv.url);
  const cdp = await app.context.newCDPSession(app.page);
  await cdp.send('Performance.enable');
  await app.page.addInitScript(() => addEventListener('ecglens-page-started', (e) => { window.__wasm = e.detail.wasm; }));
  await app.page.goto(srv.url);
  await waitReady(app.page);
  return { app, cdp };
}

const srv = await serveDist();
const browser = await launch();
try {
  if (what === 'parse') {
    const n = Number(nArg ?? 20);
    const app = await openApp(browser, srv.url);
    await app.page.goto(srv.url);
    await waitReady(app.page);
    await waitIdle(app.page);
    for (const file of process.argv.slice(4)) {
      const times = [];
      for (let i = 0; i < n; i += 1) {
        await app.page.evaluate(() => { delete document.body.dataset.parseMs; });
        // A WFDB header goes with its .dat.
        await app.page.setInputFiles('[data-testid=file-input]', file.endsWith('.hea') ? [file, file.replace(/\.hea$/, '.dat')] : [file]);
        await app.page.waitForFunction(() => document.body.dataset.parseMs !== undefined, null, { polling: 5, timeout: 300_000 });
        times.push(Number(await app.page.evaluate(() => document.body.dataset.parseMs)));
        await waitIdle(app.page);
      }
      console.log(JSON.stringify({ bench: 'worker-parse-ms', file: file.split('/').at(-1), bytes: readFileSync(file).length, ...stats(times) }));
    }
  } else if (what === 'first-draw') {
    const n = Number(nArg ?? 10);
    const times = [];
    for (let i = 0; i < n; i += 1) {
      const app = await openApp(browser, srv.url);
      await app.page.goto(srv.url);
      await waitReady(app.page);
      times.push(Number(await app.page.evaluate(() => document.body.dataset.firstDrawMs)));
      await app.context.close();
    }
    console.log(JSON.stringify({ bench: 'navigation-to-first-drawn-ECG-ms', ...stats(times) }));
  } else if (what === 'drop') {
    const n = Number(nArg ?? 20);
    const app = await openApp(browser, srv.url);
    await app.page.goto(srv.url);
    await waitReady(app.page);
    const files = filesOf(recordOf(entries[0]));
    const times = [];
    for (let i = 0; i < n; i += 1) {
      await app.page.evaluate(() => { delete document.body.dataset.dropToDrawnMs; });
      await app.page.setInputFiles('[data-testid=file-input]', files);
      await app.page.waitForFunction(() => document.body.dataset.dropToDrawnMs !== undefined, null, { polling: 5 });
      await waitIdle(app.page);
      times.push(Number(await app.page.evaluate(() => document.body.dataset.dropToDrawnMs)));
    }
    const sr = entries[0].sample_rate_hz ?? '';
    console.log(JSON.stringify({ bench: 'file-to-drawn-segmentation-ms', record: recordOf(entries[0]), sample_rate_hz: sr, ...stats(times) }));
  } else if (what === 'batch') {
    const n = Number(nArg ?? 100);
    const { app, cdp } = await openWithMetrics();
    const base = recordOf(entries[0]);
    const t0 = performance.now();
    await dropCopies(app.page, base, n, 'b', 4);
    // The table renders at most 500 rows: progress says when all n are through.
    await app.page.waitForFunction((n) => document.querySelector('[data-testid=progress-text]').textContent === `${n} / ${n}`, n, { timeout: 600_000, polling: 50 });
    await waitIdle(app.page, 600_000);
    const total = performance.now() - t0;
    const done = await app.page.evaluate(() => document.querySelectorAll('[data-testid=batch] tr[data-status=done]').length);
    if (done !== Math.min(n, 500)) throw new Error(`${done} rows done of ${n}`);
    const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    console.log(JSON.stringify({ bench: 'batch', records: n, record: base, total_ms: Math.round(total), per_record_ms: +(total / n).toFixed(1),
      page_js_heap_used_mb: +(metrics.JSHeapUsedSize / 2 ** 20).toFixed(1), page_js_heap_total_mb: +(metrics.JSHeapTotalSize / 2 ** 20).toFixed(1),
      page_wasm_memory_mb: +((await app.page.evaluate(() => window.__wasm?.memory?.buffer.byteLength ?? 0)) / 2 ** 20).toFixed(1) }));
  } else if (what === 'pan') {
    // Real (trusted) input through the DevTools protocol, as a mouse would send it: Chromium aligns mousemove
    // with animation frames, so each frame handles the moves since the last one. A frame is "over budget" when the rAF-to-rAF
    // interval misses a vsync (> 1.5 × 16.7 ms); the redraw's own time is read from body[data-draw-ms].
    const frames = Number(nArg ?? 120);
    const app = await openApp(browser, srv.url, { viewport: { width: 1600, height: 1000 } });
    await app.page.goto(srv.url);
    await waitReady(app.page);
    await app.page.selectOption('[data-testid=layout]', '12x1');
    await waitIdle(app.page);
    const box = await app.page.locator('[data-testid=paper]').boundingBox();
    const y = box.y + 100;
    let x = box.x + box.width / 2;
    await app.page.mouse.move(x, y);
    for (let i = 0; i < 8; i += 1) await app.page.mouse.wheel(0, -120);
    await waitIdle(app.page);
    await app.page.evaluate(() => {
      window.__frames = [];
      window.__draws = [];
      window.__recording = true;
      const loop = (t) => { window.__frames.push(t); if (window.__recording) requestAnimationFrame(loop); };
      requestAnimationFrame(loop);
      new MutationObserver(() => window.__draws.push(Number(document.body.dataset.drawMs)))
        .observe(document.body, { attributes: true, attributeFilter: ['data-draw-ms'] });
    });
    await app.page.mouse.down();
    // A mouse reports at 125 Hz: one move every 8 ms for `frames` × 16.7 ms, not waiting for each to be handled
    // (Chromium coalesces them into one per frame, as for a real mouse).
    const cdp = await app.context.newCDPSession(app.page);
    const sent = [];
    const moves = Math.round((frames * 1000) / 60 / 8);
    let dir = -1;
    for (let i = 0; i < moves; i += 1) {
      x += dir * 6;
      if (x < box.x + 50 || x > box.x + box.width - 50) dir = -dir;
      sent.push(cdp.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y, button: 'left', buttons: 1 }));
      await new Promise((ok) => setTimeout(ok, 8));
    }
    await Promise.all(sent);
    await app.page.mouse.up();
    const result = await app.page.evaluate(() => { window.__recording = false; return { frames: window.__frames, draws: window.__draws }; });
    const deltas = result.frames.slice(1).map((t, i) => t - result.frames[i]);
    const s = stats(deltas);
    const d = stats(result.draws);
    console.log(JSON.stringify({ bench: 'pan-12x1', moves: Math.round((frames * 1000) / 60 / 8), redraws: result.draws.length, frame_ms: s, draw_ms: d,
      frames: deltas.length, frames_missing_a_vsync: deltas.filter((t) => t > 25).length, draws_over_16ms: result.draws.filter((t) => t > 16).length,
      load_average: (await import('node:os')).loadavg()[0].toFixed(2) }));
  } else if (what === 'holter') {
    const hours = Number(nArg ?? 24);
    const more = Number(process.argv[4] ?? 200);
    const wfdb = process.argv[5] === 'wfdb';
    const file = holterFile(hours, wfdb);
    const files = wfdb ? [file, file.replace(/\.hea$/, '.dat')] : [file];
    const { app, cdp } = await openWithMetrics();
    await waitIdle(app.page);
    const mb = (bytes) => +(bytes / 2 ** 20).toFixed(1);
    const memory = async () => {
      const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
      const worker = app.page.workers()[0];
      return {
        page_js_heap_used_mb: mb(metrics.JSHeapUsedSize),
        page_wasm_memory_mb: mb(await app.page.evaluate(() => window.__wasm?.memory?.buffer.byteLength ?? 0)),
        worker_wasm_memory_mb: mb(await worker.evaluate(() => wasm_bindgen.wasm_memory_bytes())),
      };
    };
    const before = await memory();
    const name = file.split('/').at(-1).replace(/\.(edf|hea)$/, '');
    const t0 = performance.now();
    await app.page.setInputFiles('[data-testid=file-input]', files);
    const done = (record) => app.page.waitForFunction((r) => document.querySelector(`[data-testid=batch] tr[data-record="${r}"]`)?.dataset.status === 'done', record, { timeout: 600_000, polling: 20 });
    await done(name);
    const firstMs = performance.now() - t0;
    await app.page.waitForSelector('[data-testid=overview] svg', { timeout: 60_000 });
    const afterFirst = await memory();
    const t1 = performance.now();
    await app.page.waitForFunction((n) => document.querySelectorAll('[data-testid=batch] tr[data-status=done]').length >= n + 1, more, { timeout: 600_000, polling: 50 });
    const perWindow = (performance.now() - t1) / more;
    const afterMore = await memory();
    await app.page.click('[data-testid=cancel]');
    const bytes = files.reduce((sum, f) => sum + fs.statSync(f).size, 0);
    console.log(JSON.stringify({ bench: 'holter', format: wfdb ? 'WFDB (read whole)' : 'EDF (a piece at a time)', hours, file_mb: mb(bytes), windows: 1 + more,
      first_window_with_overview_ms: Math.round(firstMs), per_window_ms: +perWindow.toFixed(1),
      memory_before: before, memory_after_first: afterFirst, memory_after_windows: afterMore }));
  } else {
    throw new Error(`unknown benchmark ${what}`);
  }
} finally {
  await browser.close();
  await srv.close();
}
