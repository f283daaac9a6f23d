#!/usr/bin/env bash
# Makes the reference fixtures of tests/fixtures/formats/ with independent readers (pydicom, sierraecg, ...).
# Its own virtual environment (tools/reference/.venv): never on the test path. Usage: tools/reference/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ ! -x "$here/.venv/bin/python" ]]; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install -q -r "$here/requirements.lock"
fi
for script in "$here"/make_*.py; do
  echo "== $(basename "$script")"
  "$here/.venv/bin/python" "$script"
done
