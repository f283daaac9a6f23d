#!/usr/bin/env bash
# Build benchmarks for BENCHMARKS.md:
#   scripts/bench-build.sh clean        release site from an empty target dir (target/bench-clean), dependencies fetched
#   scripts/bench-build.sh incremental  after touching crates/ecglens-core/src/lib.rs (one crate recompiled, both wasm binaries relinked)
#   scripts/bench-build.sh size         raw and gzip -9 size of the release .wasm files in dist/
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_build_tools

what="${1:-size}"
case "$what" in
  clean)
    export CARGO_TARGET_DIR="$ROOT/target/bench-clean"
    rm -rf "$CARGO_TARGET_DIR"
    cargo fetch --locked
    start=$EPOCHREALTIME
    node scripts/build-site.mjs --offline 2>/dev/null
    echo "clean release build: $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s (nproc=$(nproc))"
    ;;
  incremental)
    node scripts/build-site.mjs --offline 2>/dev/null
    touch crates/ecglens-core/src/lib.rs
    start=$EPOCHREALTIME
    node scripts/build-site.mjs --offline 2>/dev/null
    echo "incremental release build (touch crates/ecglens-core/src/lib.rs): $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s (nproc=$(nproc))"
    ;;
  size)
    for f in dist/*.wasm; do
      raw=$(stat -c %s "$f")
      gz=$(gzip -9 -c "$f" | wc -c)
      awk -v f="$(basename "$f")" -v r="$raw" -v g="$gz" 'BEGIN { printf "%-40s raw %9d B (%.2f MB)  gzip -9 %9d B (%.2f MB)\n", f, r, r / 1e6, g, g / 1e6 }'
    done
    ;;
  *) echo "usage: $0 clean|incremental|size" >&2; exit 2 ;;
esac
