// Shared by the e2e tests and benchmarks: serve dist/ on 127.0.0.1, drive Debian's Chromium with playwright-core,
// and record every network request (browser side and server side).
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../scripts/static-server.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = join(ROOT, 'dist');
export const ARTIFACTS = join(ROOT, 'tests/e2e/artifacts');
export const EXAMPLES = join(ROOT, 'www/examples');
mkdirSync(ARTIFACTS, { recursive: true });

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Starts the static server on dist/ (port 0 = any free one) and records what it serves. */
export async function serveDist(options = {}) {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error('no dist/index.html: run `node scripts/build-site.mjs` (or scripts/serve.sh) first');
  const hits = [];
  const { server, url } = await startServer(DIST, 0, '127.0.0.1', options);
  server.on('request', (req) => hits.push({ url: req.url, t: performance.now() }));
  return { server, url, hits, close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(ok); }) };
}

/** Launches Chromium (fresh profile: playwright makes a new temporary user-data-dir per launch). */
export async function launch() {
  const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A page on the served site with request recording:
 * `requests` (every request the browser made: page, worker and service worker), `external` (any not to our
 * origin), `csp` (Content-Security-Policy violations), `errors` (console errors and page errors).
 * Service workers are allowed (the app registers one for offline use), so no request interception: Playwright's
 * routing would bypass the service worker. External requests are recorded, and the page's CSP blocks them.
 */
export async function openApp(browser, url, { viewport = { width: 1400, height: 1000 }, deviceScaleFactor = 1 } = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor, acceptDownloads: true, serviceWorkers: 'allow' });
  const origin = new URL(url).origin;
  const requests = [];
  const external = [];
  context.on('request', (r) => {
    const u = r.url();
    requests.push({ url: u, t: performance.now(), type: r.resourceType(), sw: Boolean(r.serviceWorker()) });
    if (!u.startsWith(origin + '/') && !u.startsWith('blob:') && !u.startsWith('data:')) external.push(u);
  });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return { context, page, requests, external, errors, origin };
}

/** Waits until the service worker has stored the site (body[data-offline] leaves `pending`); returns the state. */
export async function waitOffline(page, timeout = 180_000) {
  await page.waitForFunction(() => (document.body.dataset.offline ?? 'pending') !== 'pending', null, { timeout, polling: 20 });
  return page.evaluate(() => document.body.dataset.offline);
}

/** Waits until body[data-state] is ready (throws with the page's fatal message if it becomes error). */
export async function waitReady(page, timeout = 180_000) {
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state), null, { timeout, polling: 20 });
  const state = await page.evaluate(() => document.body.dataset.state);
  if (state !== 'ready') {
    const fatal = await page.evaluate(() => document.getElementById('fatal')?.textContent ?? '');
    throw new Error(`app state is ${state}: ${fatal}`);
  }
}

/** Waits for the state to leave ready (a job started) and come back. */
export async function waitIdle(page, timeout = 180_000) {
  await page.waitForFunction(() => document.body.dataset.state !== 'busy' && document.body.dataset.state !== 'loading', null, { timeout, polling: 20 });
  return waitReady(page, timeout);
}

/** Dark (trace) pixels on the ECG canvas, and their bounding box in CSS px. */
export async function canvasInk(page) {
  return page.evaluate(() => {
    const c = document.querySelector('[data-testid=ecg-canvas]');
    const ctx = c.getContext('2d');
    const { width: w, height: h } = c;
    const d = ctx.getImageData(0, 0, w, h).data;
    let n = 0, x0 = w, y0 = h, x1 = 0, y1 = 0;
    for (let y = 0; y < h; y += 1) for (let x = 0; x < w; x += 1) {
      const i = 4 * (y * w + x);
      if (d[i + 3] > 0 && d[i] < 60 && d[i + 1] < 60 && d[i + 2] < 60) {
        n += 1; if (x < x0) x0 = x; if (y < y0) y0 = y; if (x > x1) x1 = x; if (y > y1) y1 = y;
      }
    }
    const s = w / c.getBoundingClientRect().width;
    return { dark: n, width: w, height: h, box: n ? [x0 / s, y0 / s, x1 / s, y1 / s] : null };
  });
}

export const text = (page, testid) => page.locator(`[data-testid=${testid}]`).first().innerText();

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Drops `n` renamed copies of example record `base` (`<prefix>000.hea` with its `.dat`, ...) on the drop zone. */
export async function dropCopies(page, base, n, prefix, digits = 3) {
  const hea = readFileSync(join(EXAMPLES, `${base}.hea`), 'latin1');
  const dat = [...readFileSync(join(EXAMPLES, `${base}.dat`))];
  await page.evaluate(({ hea, dat, base, n, prefix, digits }) => {
    const dt = new DataTransfer();
    const bytes = new Uint8Array(dat);
    for (let i = 0; i < n; i += 1) {
      const name = `${prefix}${String(i).padStart(digits, '0')}`;
      dt.items.add(new File([hea.split(base).join(name)], `${name}.hea`));
      dt.items.add(new File([bytes], `${name}.dat`));
    }
    document.querySelector('[data-testid=dropzone]').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, { hea, dat, base, n, prefix, digits });
}

// Drops `files` ([name, bytes] pairs) on the page's drop zone, as a user dragging them from a file manager would.
export async function dropFiles(page, files) {
  await page.evaluate((files) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
    const zone = document.querySelector('[data-testid=dropzone]');
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files.map(([name, bytes]) => ({ name, bytes: [...bytes] })));
}
