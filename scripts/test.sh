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

{ cargo fmt --version && rustup which clippy-driver; } >/dev/null 2>&1 || rustup component add rustfmt clippy
timed "0/3 cargo fmt --check" cargo fmt --check
# Clippy runs inside the test builds, not as builds of their own: `cargo test` with clippy-driver as the compiler
# of the workspace's own crates (RUSTC_WORKSPACE_WRAPPER and CLIPPY_ARGS, what `cargo clippy` sets, but building
# instead of only checking). So every crate is linted, -D warnings, for each target it is built for: natively, and
# for wasm32 the page, the worker and the core under them; every target of theirs (lib, bins, tests: the workspace
# has no examples or benches). A separate `cargo clippy` checked all the dependencies once more per target: 16 of a
# cold CI run's minutes.
CLIPPY_DRIVER="$(rustup which clippy-driver)"
linted=(env RUSTC_WORKSPACE_WRAPPER="$CLIPPY_DRIVER" CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__")

timed "1/3 native: cargo test --locked (ecglens-core, ecglens-engine, ecglens-cli), linted by clippy -D warnings" \
  "${linted[@]}" cargo test --locked "${IGNORED[@]}"

# wasm-bindgen-test-runner reads the driver from CHROMEDRIVER; headless is its default (no NO_HEADLESS).
timed "2/3 wasm: cargo test --target wasm32-unknown-unknown -p ecglens-web -p ecglens-worker (headless Chromium via chromedriver), linted by clippy -D warnings" \
  "${linted[@]}" WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/tests/webdriver.json" WASM_BINDGEN_TEST_TIMEOUT=180 \
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
