#!/usr/bin/env bash
# Installs whatever is missing (into the clone: .tools/, node_modules/; see scripts/lib.sh), builds the release
# site into dist/ and serves it at http://127.0.0.1:8080. On a fresh machine the first run takes about 20 min
# (each step says what it installs and how long it took); later runs only rebuild.
# Usage: scripts/serve.sh [--no-build] [PORT]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BUILD=1
PORT=8080
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=0 ;;
    *) PORT="$arg" ;;
  esac
done
STARTED=$SECONDS
ensure_build_tools
if [ "$BUILD" -eq 1 ]; then
  build_site
elif [ ! -f dist/index.html ]; then
  die "--no-build, but there is no dist/index.html: run scripts/serve.sh once without it"
fi
log "ready in $((SECONDS - STARTED)) s"
log "serving dist/ (Ctrl-C to stop). Open: http://127.0.0.1:$PORT/"
exec node scripts/static-server.mjs dist "$PORT"
