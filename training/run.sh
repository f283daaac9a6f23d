#!/usr/bin/env bash
# Trains, evaluates and exports the ecglens default model, then regenerates the vendored examples and the Rust test
# fixtures. One command, from anywhere:
#
#     training/run.sh                 # full run (~25 min on 2 CPU cores)
#     EPOCHS=2 training/run.sh        # smoke test
#
# Environment: ECGLENS_VENV (default training/.venv; created with python3 -m venv + pip install -r requirements.txt
# if missing), ECGLENS_DATA (default ../shared/data next to the repository), EPOCHS, TIME_BUDGET (seconds of
# training after which it stops early, keeping the best epoch so far), THREADS (torch threads, default 2).
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
args=(all --threads "${THREADS:-2}")
[ -n "${EPOCHS:-}" ] && args+=(--epochs "$EPOCHS")
args+=(--time-budget "${TIME_BUDGET:-1260}")
start=$(date +%s)
PYTHONPATH="$here" "$venv/bin/python" -W ignore -m ecglens_train "${args[@]}" 2>&1 | tee "$here/build/run.log"
echo "run.sh wall time: $(( $(date +%s) - start )) s" | tee -a "$here/build/run.log"
