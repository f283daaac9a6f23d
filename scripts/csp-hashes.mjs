#!/usr/bin/env node
// Called by scripts/build-site.mjs: put the sha256 of every inline <script> of the staged index.html into its
// Content-Security-Policy meta tag (placeholder __CSP_SCRIPT_HASHES__), so script-src needs no 'unsafe-inline'.
// Usage: node scripts/csp-hashes.mjs [path/to/index.html]   (default: dist/index.html)
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const file = process.argv[2] ?? join('dist', 'index.html');
let html = readFileSync(file, 'utf8');
const PLACEHOLDER = '__CSP_SCRIPT_HASHES__';
if (!html.includes(PLACEHOLDER)) {
  console.error(`csp-hashes: no ${PLACEHOLDER} in ${file}`);
  process.exit(1);
}
const hashes = [];
// Inline scripts only: <script ...> with no src attribute. The browser hashes the exact text between the tags.
const re = /<script\b([^>]*)>([\s\S]*?)<\/script>/gi;
for (const m of html.matchAll(re)) {
  if (/\bsrc\s*=/.test(m[1])) continue;
  const digest = createHash('sha256').update(m[2], 'utf8').digest('base64');
  hashes.push(`'sha256-${digest}'`);
}
html = html.replace(PLACEHOLDER, [...new Set(hashes)].join(' '));
writeFileSync(file, html);
console.log(`csp-hashes: ${hashes.length} inline script(s) hashed in ${file}`);
