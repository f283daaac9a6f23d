#!/usr/bin/env bash
# Every test: native (cargo test), wasm in headless Chromium (wasm-bindgen-test-runner + chromedriver) and
# end-to-end on the release dist/ (node --test + playwright-core driving Debian's Chromium).
# Installs what is missing first, into the clone (.tools/, node_modules/; see scripts/lib.sh). `.ci/run` calls
# exactly this, on a clean clone, with ECGLENS_REQUIRE_SHARED_DATA=1.
# Env: SKIP_BUILD=1 reuses an existing dist/.
#      ECGLENS_REQUIRE_SHARED_DATA=1 fails unless ../shared/data is there (its tests are then always run).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STARTED=$SECONDS
ensure_chromium
ensure_build_tools
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"

# Tests that read ../shared/data (real PTB-XL and LUDB records, real files of other software) are
# `#[ignore = "needs ../shared/data"]`: without the folder the runner lists them as ignored. With it, they run.
SHARED="$ROOT/../shared/data"
IGNORED=()
if [ -d "$SHARED/ptbxl" ] && [ -d "$SHARED/ludb" ]; then
  IGNORED=(-- --include-ignored)
  log "../shared/data is present: the tests that need it run too"
elif [ "${ECGLENS_REQUIRE_SHARED_DATA:-0}" = 1 ]; then
  die "ECGLENS_REQUIRE_SHARED_DATA=1 but $SHARED (ptbxl/, ludb/) is missing"
else
  log "../shared/data is absent: the tests that need it are reported as ignored"
fi

cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt clippy
timed "0/3 cargo fmt --check" cargo fmt --check
# clippy on every crate, natively for the three native ones and for wasm32 for the page and the worker (which
# do not build natively: their code is wasm32-only).
timed "0/3 cargo clippy (native crates) -D warnings" \
  cargo clippy --locked --workspace --exclude ecglens-web --exclude ecglens-worker --all-targets -- -D warnings
timed "0/3 cargo clippy (wasm32: ecglens-web, ecglens-worker) -D warnings" \
  cargo clippy --locked --target wasm32-unknown-unknown -p ecglens-web -p ecglens-worker --all-targets -- -D warnings

timed "1/3 native: cargo test --locked (ecglens-core, ecglens-engine, ecglens-cli)" cargo test --locked "${IGNORED[@]}"

# wasm-bindgen-test-runner reads the driver from CHROMEDRIVER; headless is its default (no NO_HEADLESS).
timed "2/3 wasm: cargo test --target wasm32-unknown-unknown -p ecglens-web -p ecglens-worker (headless Chromium via chromedriver)" \
  env WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/tests/webdriver.json" WASM_BINDGEN_TEST_TIMEOUT=180 \
  cargo test --locked --target wasm32-unknown-unknown -p ecglens-web -p ecglens-worker

if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f dist/index.html ]; then
  build_site
fi
mkdir -p tests/e2e/artifacts
# The CLI the e2e export test compares against: the one `cargo test` built in step 1.
export ECGLENS_CLI="${ECGLENS_CLI:-$ROOT/target/debug/ecglens}"
[ -x "$ECGLENS_CLI" ] || cargo build --locked -p ecglens-cli --bin ecglens
timed "3/3 end-to-end: node --test tests/e2e/*.test.mjs (release dist/ in headless Chromium)" node --test tests/e2e/*.test.mjs

log "all tests passed in $((SECONDS - STARTED)) s"
