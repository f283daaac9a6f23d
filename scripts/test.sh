#!/usr/bin/env bash
# Every test: native (cargo test), wasm in headless Chromium (wasm-bindgen-test-runner + chromedriver) and
# end-to-end on the release dist/ (node --test + playwright-core driving Debian's Chromium).
# Installs what is missing first (a second run skips installs already there). `.ci/run` calls exactly this.
# Env: SKIP_BUILD=1 reuses an existing dist/.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STARTED=$SECONDS
apt_install chromium chromium-driver
ensure_build_tools
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"

if cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt >/dev/null 2>&1; then
  log "0/3 cargo fmt --check"
  cargo fmt --check
else
  log "rustfmt is not available: skipping cargo fmt --check"
fi

log "1/3 native: cargo test --locked"
cargo test --locked

log "2/3 wasm: cargo test --target wasm32-unknown-unknown --test web (headless Chromium via chromedriver)"
# wasm-bindgen-test-runner reads the driver from CHROMEDRIVER; headless is its default (no NO_HEADLESS).
WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/tests/webdriver.json" WASM_BINDGEN_TEST_TIMEOUT=180 cargo test --locked --target wasm32-unknown-unknown --test web

log "3/3 end-to-end: trunk build --release, then node --test tests/e2e/*.test.mjs"
if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f dist/index.html ]; then
  build_site
fi
mkdir -p tests/e2e/artifacts
# The CLI the e2e export test compares against: the one `cargo test` built in step 1.
export ECGLENS_CLI="${ECGLENS_CLI:-$ROOT/target/debug/ecglens}"
[ -x "$ECGLENS_CLI" ] || cargo build --locked --bin ecglens
node --test tests/e2e/*.test.mjs

log "all tests passed in $((SECONDS - STARTED)) s"
