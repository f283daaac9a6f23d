#!/usr/bin/env node
// Called by scripts/build-site.mjs: fill www/sw.js's placeholders in the staged site with the list of every file of the
// build (the service worker precaches them) and a version that is the SHA-256 of all their names and bytes.
// Runs after csp-hashes.mjs, so the version covers the final index.html.
// Usage: node scripts/sw-precache.mjs [SITE_DIR]   (default: dist)
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const site = process.argv[2] ?? 'dist';
const SW = 'sw.js';

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

const files = walk(site)
  .map((path) => relative(site, path).split(sep).join('/'))
  .filter((name) => name !== SW && !name.startsWith('.'))
  .sort();
const hash = createHash('sha256');
for (const name of files) {
  hash.update(name).update('\0').update(readFileSync(join(site, name))).update('\0');
}
const version = hash.digest('hex').slice(0, 16);

const swPath = join(site, SW);
let sw = readFileSync(swPath, 'utf8');
for (const placeholder of ['__ECGLENS_SW_VERSION__', '__ECGLENS_SW_FILES__']) {
  if (!sw.includes(placeholder)) {
    console.error(`sw-precache: no ${placeholder} in ${swPath}`);
    process.exit(1);
  }
}
// `./` is the address people open; the fetch handler answers every navigation with index.html.
const urls = ['./', ...files.map((name) => `./${name.split('/').map(encodeURIComponent).join('/')}`)];
sw = sw.replace('__ECGLENS_SW_VERSION__', version).replace('__ECGLENS_SW_FILES__', JSON.stringify(urls, null, 2));
writeFileSync(swPath, sw);
console.log(`sw-precache: ${files.length} files, version ${version}, in ${swPath}`);
