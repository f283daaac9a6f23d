#!/usr/bin/env bash
# Installs whatever is missing, builds the release site into dist/ and serves it at http://127.0.0.1:8080.
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
ensure_build_tools
[ "$BUILD" -eq 1 ] && build_site
log "serving dist/ at http://127.0.0.1:$PORT (Ctrl-C to stop)"
exec node scripts/static-server.mjs dist "$PORT"
