#!/usr/bin/env node
// Builds the release site into dist/: both wasm binaries, wasm-bindgen, wasm-opt -Oz, the static files with
// content-hashed names, index.html from its template, then the CSP hashes and the service worker's file list.
//
// Why not Trunk (which built the site until 2026-12): installing Trunk from crates.io took 8–19 min of every cold
// CI run on this 2-core machine (a third of CI), for what is four commands and one template here. The steps are
// Trunk 0.21's, with the same arguments (see the comments at each step), so dist/ has the same shape.
//
// The template: index.html at the repository root; each `<link data-site ...>` element in it is replaced:
//   rel="icon" href=F      F copied as <stem>-<hash>.<ext>, with a <link rel="icon"> and its integrity
//   rel="css" href=F       the same, as a stylesheet
//   rel="page" crate=C     the page: cargo build --release (bin C), wasm-bindgen --target=web, wasm-opt -Oz;
//                          an inline module script that starts it (its sha256 goes into the CSP) and preloads
//   rel="worker" crate=C   a Web Worker: --target=no-modules, unhashed names, and `C_loader.js`, which the
//                          page starts (`new Worker("./C_loader.js")`); the service worker's version covers it
//   rel="copy-dir" href=D  D copied as dist/<basename D>
//   rel="copy-file" href=F F copied as dist/<basename F>
//
// Usage: node scripts/build-site.mjs [--offline]   (scripts/lib.sh `build_site` calls it; tools from PATH:
// cargo, wasm-bindgen from .tools/bin, wasm-opt from node_modules/.bin)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const DIST = join(ROOT, 'dist');
const STAGE = join(ROOT, 'dist.staging');
const TARGET_DIR = process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target');
const WASM_TARGET = 'wasm32-unknown-unknown';
const offline = process.argv.includes('--offline');

function run(command, args) {
  console.error(`[build-site] ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.error) throw new Error(`${command}: ${result.error.message} (is it on PATH? scripts/lib.sh installs it)`);
  if (result.status !== 0) throw new Error(`${command} failed with status ${result.status}`);
}

const sha384 = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const shortHash = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

function attributes(text) {
  return Object.fromEntries([...text.matchAll(/([a-z-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

// A file copied under a content-hashed name (as Trunk's `filehash = true`), so a new build never meets a stale
// cached copy.
function copyHashed(relPath) {
  const bytes = readFileSync(join(ROOT, relPath));
  const ext = extname(relPath);
  const name = `${basename(relPath, ext)}-${shortHash(bytes)}${ext}`;
  writeFileSync(join(STAGE, name), bytes);
  return { name, integrity: sha384(bytes) };
}

// cargo build, wasm-bindgen, wasm-opt: Trunk's `cargo build --release --target wasm32-unknown-unknown --bin C`
// (one crate per invocation, so each binary's dependencies get only its own features),
// `wasm-bindgen --target=T --out-dir --out-name=C --no-typescript` and `wasm-opt --output=OUT -Oz IN`.
function buildWasm(crate, bindgenTarget) {
  run('cargo', ['build', '--release', '--locked', ...(offline ? ['--offline'] : []), '--target', WASM_TARGET,
    '--manifest-path', `crates/${crate}/Cargo.toml`, '--bin', crate]);
  const bindgenOut = join(TARGET_DIR, 'wasm-bindgen', 'release');
  mkdirSync(bindgenOut, { recursive: true });
  run('wasm-bindgen', [`--target=${bindgenTarget}`, `--out-dir=${bindgenOut}`, `--out-name=${crate}`, '--no-typescript',
    join(TARGET_DIR, WASM_TARGET, 'release', `${crate}.wasm`)]);
  const optimized = join(bindgenOut, `${crate}_bg.opt.wasm`);
  run('wasm-opt', [`--output=${optimized}`, '-Oz', join(bindgenOut, `${crate}_bg.wasm`)]);
  return { js: readFileSync(join(bindgenOut, `${crate}.js`)), wasm: readFileSync(optimized) };
}

function page(crate) {
  const { js, wasm } = buildWasm(crate, 'web');
  const base = `${crate}-${shortHash(Buffer.concat([js, wasm]))}`;
  writeFileSync(join(STAGE, `${base}.js`), js);
  writeFileSync(join(STAGE, `${base}_bg.wasm`), wasm);
  // The event lets a benchmark reach the page's wasm memory (tests/e2e/bench.mjs).
  const script = `
<script type="module">
import init from './${base}.js';
const wasm = await init({ module_or_path: './${base}_bg.wasm' });
dispatchEvent(new CustomEvent('ecglens-page-started', { detail: { wasm } }));
</script>`;
  const preload = `
<link rel="modulepreload" href="./${base}.js" crossorigin="anonymous" integrity="${sha384(js)}">`
    + `<link rel="preload" href="./${base}_bg.wasm" crossorigin="anonymous" integrity="${sha384(wasm)}" as="fetch" type="application/wasm">`;
  return { element: script, head: preload };
}

function worker(crate) {
  const { js, wasm } = buildWasm(crate, 'no-modules');
  writeFileSync(join(STAGE, `${crate}.js`), js);
  writeFileSync(join(STAGE, `${crate}_bg.wasm`), wasm);
  // Trunk's loader shim for a no-modules worker, with the initialiser's current (object) argument.
  writeFileSync(join(STAGE, `${crate}_loader.js`),
    `importScripts("./${crate}.js");wasm_bindgen({ module_or_path: "./${crate}_bg.wasm" });`);
  return { element: '', head: '' };
}

function build() {
  rmSync(STAGE, { recursive: true, force: true });
  mkdirSync(STAGE, { recursive: true });
  let html = readFileSync(join(ROOT, 'index.html'), 'utf8');
  const heads = [];
  const elements = [...html.matchAll(/<link data-site\b([^>]*?)\/?>/g)];
  if (elements.length === 0) throw new Error('index.html has no <link data-site ...> element');
  for (const match of elements) {
    const attrs = attributes(match[1]);
    let replacement;
    switch (attrs.rel) {
      case 'icon': {
        const { name, integrity } = copyHashed(attrs.href);
        replacement = `<link rel="icon" href="./${name}" integrity="${integrity}"/>`;
        break;
      }
      case 'css': {
        const { name, integrity } = copyHashed(attrs.href);
        replacement = `<link rel="stylesheet" href="./${name}" integrity="${integrity}"/>`;
        break;
      }
      case 'page': {
        const built = page(attrs.crate);
        heads.push(built.head);
        replacement = built.element;
        break;
      }
      case 'worker':
        replacement = worker(attrs.crate).element;
        break;
      case 'copy-dir':
        cpSync(join(ROOT, attrs.href), join(STAGE, basename(attrs.href)), { recursive: true });
        replacement = '';
        break;
      case 'copy-file':
        copyFileSync(join(ROOT, attrs.href), join(STAGE, basename(attrs.href)));
        replacement = '';
        break;
      default:
        throw new Error(`index.html: unknown <link data-site rel="${attrs.rel}">`);
    }
    html = html.replace(match[0], replacement);
  }
  html = html.replace('</head>', `${heads.join('')}</head>`);
  writeFileSync(join(STAGE, 'index.html'), html);
  // CSP hashes of the inline script(s), then the service worker's list and version (which covers index.html).
  run(process.execPath, [join(ROOT, 'scripts', 'csp-hashes.mjs'), join(STAGE, 'index.html')]);
  run(process.execPath, [join(ROOT, 'scripts', 'sw-precache.mjs'), STAGE]);
  rmSync(DIST, { recursive: true, force: true });
  renameSync(STAGE, DIST);
  console.error('[build-site] dist/ is ready');
}

try {
  build();
} catch (error) {
  console.error(`[build-site] error: ${error.message}`);
  process.exit(1);
}
