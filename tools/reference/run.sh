#!/usr/bin/env bash
# Makes the reference fixtures of tests/fixtures/formats/ with independent readers (pydicom, sierraecg, ...).
# Its own virtual environment (tools/reference/.venv): never on the test path. Usage: tools/reference/run.sh
set -euo pipefail
# make_scp.py also needs BioSig's SCP decoder from Debian (not on PyPI as a wheel that builds here).
if ! /usr/bin/python3 -c 'import biosig' 2>/dev/null; then
  sudo -n true 2>/dev/null && SUDO=sudo || SUDO=
  $SUDO apt-get install -y python3-biosig
fi
here="$(cd "$(dirname "$0")" && pwd)"
if [[ ! -x "$here/.venv/bin/python" ]]; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install -q -r "$here/requirements.lock"
fi
for script in "$here"/make_*.py; do
  echo "== $(basename "$script")"
  "$here/.venv/bin/python" "$script"
done
