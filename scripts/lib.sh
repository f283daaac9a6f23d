# Shared by scripts/serve.sh, scripts/test.sh and the benchmarks: installs what is missing, builds the site.
# Everything comes from a package registry (crates.io, npm, Debian); Trunk never downloads tools itself.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"

TRUNK_VERSION="0.21.14"
# wasm-bindgen-cli must equal the wasm-bindgen of Cargo.lock (and Trunk.toml's [tools] wasm_bindgen).
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
WASM_OPT_VERSION="132"

log() { printf '\033[1m[ecglens]\033[0m %s\n' "$*" >&2; }

APT_UPDATED=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if [ "$APT_UPDATED" -eq 0 ]; then
    $sudo apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}

ensure_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt_install nodejs npm
  fi
}

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_trunk() {
  if ! trunk --version 2>/dev/null | grep -q "trunk $TRUNK_VERSION\$"; then
    log "cargo install trunk --version $TRUNK_VERSION --locked (a few minutes, once)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
}

ensure_wasm_bindgen() {
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$" \
     || ! command -v wasm-bindgen-test-runner >/dev/null; then
    log "cargo install wasm-bindgen-cli --version =$WASM_BINDGEN_VERSION --locked (a few minutes, once)"
    cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION" --locked
  fi
}

# npm's binaryen (wasm-opt) and playwright-core, exactly as package-lock.json says.
ensure_npm_packages() {
  ensure_node
  if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] \
     || ! node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q "version $WASM_OPT_VERSION"; then
    log "npm ci (binaryen $WASM_OPT_VERSION, playwright-core)"
    npm ci --no-audit --no-fund
  fi
}

ensure_build_tools() {
  ensure_wasm_target
  ensure_npm_packages
  ensure_trunk
  ensure_wasm_bindgen
}

# Release build of the static site into dist/.
build_site() {
  log "cargo fetch"
  cargo fetch --locked
  log "trunk build --release (both wasm binaries, wasm-opt from npm)"
  trunk build --release --offline
}
