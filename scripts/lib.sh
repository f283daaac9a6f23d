# Shared by scripts/serve.sh, scripts/test.sh and the benchmarks: installs what is missing, builds the site.
# Everything comes from a package registry (crates.io, npm, Debian); nothing downloads a tool by itself.
#
# Where the tools go, and why CI cannot hide a broken install:
# - Rust tools (wasm-bindgen, wasm-bindgen-test-runner) are installed into the clone's own `.tools/`
#   (git-ignored), never into ~/.cargo/bin, and only `.tools/bin` is looked at. A clean clone has no `.tools/`,
#   so every CI run (`.ci/run` on a clean clone) installs them from the registry exactly as a fresh machine does.
# - npm tools (binaryen's wasm-opt, playwright-core) go into the clone's `node_modules/` by `npm ci`, same reason.
# - Machine-level packages (Debian's chromium + chromium-driver, rustup's wasm32 target) cannot live in a clone;
#   they are checked on every run, and in CI Chromium follows the mirror as a fresh machine would (see below).
# Every tool version is exact, except Chromium's (why: see ensure_chromium). See tools/wasm-bindgen-cli/Cargo.toml for why wasm-bindgen is not installed with its
# published lockfile.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TOOLS="$ROOT/.tools"
export PATH="$TOOLS/bin:$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

WASM_OPT_VERSION="132"

log() { printf '\033[1m[ecglens]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[ecglens] error:\033[0m %s\n' "$*" >&2; exit 1; }

# Runs a step and says how long it took: "name ... done in N s".
timed() {
  local what="$1" started=$SECONDS
  shift
  log "$what"
  "$@"
  log "  done in $((SECONDS - started)) s"
}

# The version of a package in a Cargo.lock.
lock_version() { awk -v n="$2" '$0 == "name = \"" n "\"" { getline; gsub(/version = |"/, ""); print; exit }' "$1"; }

# wasm-bindgen must be one version everywhere: the crate (Cargo.lock) and the CLI that post-processes it
# (tools/wasm-bindgen-cli, pinned `=X` and locked). A mismatch makes wasm-bindgen fail late with a cryptic
# schema error, so refuse before building anything.
WASM_BINDGEN_VERSION="$(lock_version Cargo.lock wasm-bindgen)"
check_wasm_bindgen_pins() {
  local cli
  cli="$(lock_version tools/wasm-bindgen-cli/Cargo.lock wasm-bindgen-cli)"
  [ -n "$WASM_BINDGEN_VERSION" ] || die "no wasm-bindgen in Cargo.lock"
  if [ "$cli" != "$WASM_BINDGEN_VERSION" ]; then
    die "wasm-bindgen versions disagree: Cargo.lock has $WASM_BINDGEN_VERSION, tools/wasm-bindgen-cli/Cargo.lock \
has ${cli:-none}. Make both equal (see tools/wasm-bindgen-cli/Cargo.toml)."
  fi
}

# The installed CLI must be the pinned one; anything else is refused with both versions named.
check_wasm_bindgen_cli() {
  local got
  got="$("$TOOLS/bin/wasm-bindgen" --version 2>/dev/null | awk '{ print $2 }' || true)"
  [ "$got" = "$WASM_BINDGEN_VERSION" ] || die "the installed wasm-bindgen CLI is ${got:-missing} but Cargo.lock \
has wasm-bindgen $WASM_BINDGEN_VERSION: remove .tools/ and run this script again"
}

APT_UPDATED=0
sudo_if_needed() { if [ "$(id -u)" -ne 0 ]; then sudo "$@"; else "$@"; fi; }
apt_update_once() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    timed "apt-get update" sudo_if_needed apt-get update -qq
    APT_UPDATED=1
  fi
}
installed_version() { { dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null || true; } | sed -n 's/^install ok installed //p'; }

# Packages at any version (Node.js when the machine has none).
apt_install() {
  local missing=()
  for pkg in "$@"; do
    [ -n "$(installed_version "$pkg")" ] || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  apt_update_once
  timed "apt-get install ${missing[*]} (about a minute)" \
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}

# Chromium and chromium-driver from Debian, at one exact version for both (checked: a driver of another build
# refuses the browser). Why not a fixed version here: Debian's security archive serves only its current Chromium
# build (on 2026-12-01 the machine's stale lists offered 148.0.7778.167, and after `apt-get update` the mirror
# had only 156.0.8078.114 and 150.0.7871.100), so any exact pin breaks every fresh machine within weeks: the
# very failure this script exists to prevent. Instead: the mirror's current build, at least major
# $CHROMIUM_MIN_MAJOR (what playwright-core's protocol and the e2e tests need), the same for both packages.
# In CI (ECGLENS_CI=1) the lists are refreshed every run and the machine follows the mirror's candidate, as a
# fresh machine would install it; the version used is printed.
CHROMIUM_MIN_MAJOR=148
ensure_chromium() {
  local browser driver candidate
  browser="$(installed_version chromium)"
  driver="$(installed_version chromium-driver)"
  if [ -z "$browser" ] || [ -z "$driver" ] || [ "$browser" != "$driver" ] || [ "${ECGLENS_CI:-0}" = 1 ]; then
    apt_update_once
    candidate="$(apt-cache policy chromium | sed -n 's/^  Candidate: //p')"
    [ -n "$candidate" ] && [ "$candidate" != "(none)" ] || die "Debian's mirror offers no chromium package"
    if [ "$browser" != "$candidate" ] || [ "$driver" != "$candidate" ]; then
      timed "apt-get install chromium=$candidate chromium-driver=$candidate (1-2 min)" \
        sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        "chromium=$candidate" "chromium-driver=$candidate"
    fi
    browser="$(installed_version chromium)"
    driver="$(installed_version chromium-driver)"
  fi
  [ "$browser" = "$driver" ] || die "chromium $browser and chromium-driver $driver differ"
  [ "${browser%%.*}" -ge "$CHROMIUM_MIN_MAJOR" ] 2>/dev/null \
    || die "chromium $browser is older than major $CHROMIUM_MIN_MAJOR"
  log "chromium and chromium-driver $browser"
}

ensure_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt_install nodejs npm
  fi
}

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    timed "rustup target add wasm32-unknown-unknown (under a minute)" rustup target add wasm32-unknown-unknown
  fi
}

ensure_wasm_bindgen() {
  check_wasm_bindgen_pins
  if ! "$TOOLS/bin/wasm-bindgen" --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$" \
     || [ ! -x "$TOOLS/bin/wasm-bindgen-test-runner" ]; then
    timed "cargo install wasm-bindgen $WASM_BINDGEN_VERSION (tools/wasm-bindgen-cli, our lockfile) into .tools/ (about 4 min, once per clone)" \
      cargo install --path tools/wasm-bindgen-cli --locked --root "$TOOLS" --target-dir "$TOOLS/build"
  fi
  check_wasm_bindgen_cli
}

# npm's binaryen (wasm-opt) and playwright-core, exactly as package-lock.json says.
ensure_npm_packages() {
  ensure_node
  if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] \
     || ! node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q "version $WASM_OPT_VERSION"; then
    timed "npm ci: binaryen $WASM_OPT_VERSION (wasm-opt) and playwright-core (under a minute)" npm ci --no-audit --no-fund
  fi
}

ensure_build_tools() {
  check_wasm_bindgen_pins
  ensure_wasm_target
  ensure_npm_packages
  ensure_wasm_bindgen
}

# Release build of the static site into dist/ (scripts/build-site.mjs: cargo, wasm-bindgen, wasm-opt; no Trunk).
build_site() {
  timed "cargo fetch --locked" cargo fetch --locked
  timed "release site into dist/: both wasm binaries, wasm-bindgen, wasm-opt -Oz (5-10 min cold)" \
    node scripts/build-site.mjs --offline
}
