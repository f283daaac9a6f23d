#!/usr/bin/env bash
# Core benchmarks (issue 4), written to target/bench-core.json and printed as Markdown for BENCHMARKS.md:
#  1. explain one 12-lead 10 s record end to end natively (parse → preprocess → logits, clusters, entropy)
#  2. fit the atlas on the whole reference set (ecglens fit, fixed K)
#  3. k-means: linfa vs scikit-learn on the same activation matrix, same K and restarts, in the same run.
# Needs ../shared/data (or DATA=...) and, for scikit-learn, the training venv (training/run.sh creates it).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
PY=${PY:-/work/venv/train/bin/python}
cargo build --profile native -p ecglens-cli --bin ecglens
BIN=target/native/ecglens
RECORD=www/examples/$(node -e 'console.log(require("./www/examples/index.json").examples[0].file)').hea
echo "## explain one record ($RECORD)"
"$BIN" bench explain "$RECORD" --repeat 50 | tee target/bench-explain.json
echo "## fit on the reference set"
start=$(date +%s.%N)
"$BIN" fit --data "$DATA" --k 8 --out target/bench-atlas.json > target/bench-fit.txt
end=$(date +%s.%N)
echo "{\"fit_seconds\": $(echo "$end - $start" | bc)}" | tee target/bench-fit.json
echo "## k-means: linfa vs scikit-learn (same matrix, K=8, n_init=3, one thread each)"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
"$BIN" bench kmeans --data "$DATA" --layer block2 --k 8 --runs 3 --dump target/kmeans-matrix.f32 | tee target/bench-kmeans-linfa.json
"$PY" scripts/bench_kmeans_sklearn.py target/kmeans-matrix.f32 8 3 | tee target/bench-kmeans-sklearn.json
node -e '
const l=require("./target/bench-kmeans-linfa.json"), s=require("./target/bench-kmeans-sklearn.json");
console.log(`linfa ${l.median_ms.toFixed(0)} ms, scikit-learn ${s.median_ms.toFixed(0)} ms: ratio linfa/sklearn = ${(l.median_ms/s.median_ms).toFixed(2)}; mean squared distance ${l.mean_sq_distance.toFixed(3)} vs ${s.mean_sq_distance.toFixed(3)}`)'
