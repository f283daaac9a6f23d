#!/usr/bin/env bash
# Parse time per file and per format (issues 11 and 12), median of 20, natively (`ecglens bench parse`, the native
# profile) and in the browser's Web Worker (release dist/, headless Chromium: tests/e2e/bench.mjs parse), in the
# same run, with the ratio worker / native. Needs dist/ (node scripts/build-site.mjs); the GE MUSE sample is read from
# ../shared/data when it is there.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-20}
FILES=(tests/fixtures/formats/files/ecgtoolkit-example.dcm tests/fixtures/formats/files/pydicom-waveform_ecg.dcm
  tests/fixtures/formats/files/ecgtoolkit-example.scp
  tests/fixtures/formats/files/ecgtoolkit-example.xml tests/fixtures/formats/files/129DYPRG.XML
  tests/fixtures/formats/files/3191723_ZZDEMOPTONLY_1-04_orig.xml)
F=tests/fixtures/formats/files
FILES+=($F/edf-12lead.edf $F/edf-3lead.bdf $F/delimited-comma-time.csv $F/numpy-x-fs-leads.npz
  $F/matlab-ptbxl-cpsc.mat $F/hdf5-code15-gzip.hdf5 $F/research-1khz.hea)
[ -f ../shared/data/formats/muse/example1.xml ] && FILES+=(../shared/data/formats/muse/example1.xml)
FILES+=("www/examples/$(node -e 'console.log(require("./www/examples/index.json").examples[0].file)').hea")
cargo build --quiet --profile native -p ecglens-cli --bin ecglens
target/native/ecglens bench parse --repeat "$N" "${FILES[@]}" > target/bench-parse-native.jsonl
node tests/e2e/bench.mjs parse "$N" "${FILES[@]}" > target/bench-parse-worker.jsonl
node -e '
const fs = require("fs");
const lines = (f) => fs.readFileSync(f, "utf8").trim().split("\n").map(JSON.parse);
const native = lines("target/bench-parse-native.jsonl"), worker = lines("target/bench-parse-worker.jsonl");
console.log("| file | format | bytes | native median ms | worker median ms | worker / native |");
console.log("|---|---|---|---|---|---|");
for (const n of native) {
  const name = n.file.split("/").at(-1);
  const w = worker.find((w) => w.file === name);
  const wm = w ? w.median : NaN;
  console.log(`| ${name} | ${n.format} | ${n.bytes} | ${n.parse_median_ms.toFixed(3)} | ${wm.toFixed(3)} | ${(wm / n.parse_median_ms).toFixed(2)} |`);
}'
