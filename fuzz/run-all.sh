#!/usr/bin/env bash
# Runs every reader's fuzz target for RUNS executions (default 1,000,000) from the seeds in fuzz/seeds/<target>/
# (small real files), new inputs going to a scratch corpus outside the repo. Prints each target's last libFuzzer
# status line ("Done N runs in S second(s)") into fuzz/last-run.txt. Needs cargo-fuzz (`cargo install cargo-fuzz`).
# Usage: fuzz/run-all.sh [target...]
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${RUNS:-1000000}
CORPUS=${CORPUS:-${TMPDIR:-/tmp}/ecglens-fuzz-corpus}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(wfdb dicom aecg muse philips scp edf delimited numpy matlab hdf5 sniff)
for t in "${targets[@]}"; do
  mkdir -p "$CORPUS/$t" "seeds/$t"
  seeds=(seeds/$t)
  [ "$t" = wfdb ] && seeds=(corpus/wfdb)
  log="$CORPUS/$t.log"
  # SCP-ECG decodes every sample of every lead: a 34 KB seed takes ~4 ms an execution with debug assertions, so
  # its inputs are capped at 4 KB (still several leads of Huffman data) to reach a million runs in minutes.
  max_len=65536
  [ "$t" = scp ] && max_len=4096
  # The research readers' seeds are whole recordings (up to 240 KB): 8 KB inputs still hold a header, several
  # signals and data records, and run 10-20× faster.
  case "$t" in edf|delimited|numpy|hdf5|matlab|sniff) max_len=8192 ;; esac
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" -s none "$CORPUS/$t" "${seeds[@]}" -- \
    -runs="$RUNS" -max_len="$max_len" -rss_limit_mb=4096 -timeout=10 > "$log" 2>&1
  echo "$t: $(grep -aE '^Done [0-9]+ runs' "$log" | tail -1)" | tee -a last-run.txt
done
