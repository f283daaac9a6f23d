#!/usr/bin/env bash
# Trains, evaluates and exports the ecglens default model, then regenerates the vendored examples and the Rust test
# fixtures. One command, from anywhere:
#
#     training/run.sh                 # full run (~55 min on 2 CPU cores)
#     EPOCHS=1 TIME_BUDGET=60 training/run.sh   # smoke test (~5 min)
#
# Environment: ECGLENS_VENV (default training/.venv; created with python3 -m venv + pip install -r requirements.txt
# if missing), ECGLENS_DATA (default ../shared/data next to the repository), EPOCHS, TIME_BUDGET (seconds of
# training per input variant after which it stops, keeping the best epoch so far; default 3000), THREADS (torch
# threads of the data and finish steps, default 2).
# Writes: www/models/default.onnx, www/models/default.card.json, www/examples/*, tests/fixtures/preprocess_reference.json,
# tests/fixtures/fold10_inputs.f32, tests/fixtures/fold10_reference.json; logs and caches in training/build/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
venv="${ECGLENS_VENV:-$here/.venv}"
if [ ! -x "$venv/bin/python" ]; then
  echo "creating venv $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --upgrade pip >/dev/null
  "$venv/bin/pip" install -r "$here/requirements.txt"
fi
export ECGLENS_DATA="${ECGLENS_DATA:-$(cd "$root/.." && pwd)/shared/data}"
export PYTHONHASHSEED=0 OMP_NUM_THREADS="${THREADS:-2}" MKL_NUM_THREADS="${THREADS:-2}"
mkdir -p "$here/build"
cd "$here"
budget="${TIME_BUDGET:-3000}"
ep=()
[ -n "${EPOCHS:-}" ] && ep=(--epochs "$EPOCHS")
start=$(date +%s)
py() { PYTHONPATH="$here" "$venv/bin/python" -W ignore -m ecglens_train "$@"; }
{
  py data --threads 2
  # The two input variants train at once, one thread each (on 2 cores that is ~1.3x the throughput of one
  # after the other with 2 threads); finish keeps the one that wins on fold 9.
  for v in zscore zscore+scale; do
    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 py train --variant "$v" --threads 1 --time-budget "$budget" "${ep[@]}" \
      >"$here/build/train-$v.log" 2>&1 &
  done
  fail=0
  for job in $(jobs -p); do wait "$job" || fail=1; done
  for v in zscore zscore+scale; do echo "--- train $v"; cat "$here/build/train-$v.log"; done
  [ "$fail" = 0 ] || { echo "a training run failed" >&2; exit 1; }
  py finish --threads "${THREADS:-2}"
  PYTHONPATH="$here" "$venv/bin/python" -W ignore -m ecglens_train.bootstrap
} 2>&1 | tee "$here/build/run.log"
echo "run.sh wall time: $(( $(date +%s) - start )) s" | tee -a "$here/build/run.log"
