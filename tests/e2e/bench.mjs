#!/usr/bin/env node
// Browser benchmarks of the release site in headless Chromium (results for BENCHMARKS.md).
//   node tests/e2e/bench.mjs first-draw [N=10]   navigation → first drawn ECG (fresh browser context each run)
//   node tests/e2e/bench.mjs drop [N=20]         file chosen → its segmentation drawn, one record
//   node tests/e2e/bench.mjs batch [N=100]       a batch of N records (copies of an example): total time, memory
//   node tests/e2e/bench.mjs pan [FRAMES=120]    frame times while dragging the 12×1 layout
//   node tests/e2e/bench.mjs parse [N=20] FILE... the worker's parse time per file (body[data-parse-ms]), median of N
// Needs dist/ (node scripts/build-site.mjs). Prints one JSON line per benchmark.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES, dropCopies, launch, median, openApp, serveDist, waitIdle, waitReady } from './helpers.mjs';

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
    const app = await openApp(browser, srv.url);
    const cdp = await app.context.newCDPSession(app.page);
    await cdp.send('Performance.enable');
    await app.page.addInitScript(() => addEventListener('ecglens-page-started', (e) => { window.__wasm = e.detail.wasm; }));
    await app.page.goto(srv.url);
    await waitReady(app.page);
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
  } else {
    throw new Error(`unknown benchmark ${what}`);
  }
} finally {
  await browser.close();
  await srv.close();
}
