"""Times scikit-learn's KMeans on the exact matrix `ecglens bench kmeans --dump FILE` fitted with linfa.

Usage: python scripts/bench_kmeans_sklearn.py FILE K N_INIT   (run by scripts/bench-core.sh)
"""
import json
import sys
import time

import numpy as np
from sklearn.cluster import KMeans

path, k, n_init = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
shape = json.load(open(path.rsplit(".", 1)[0] + ".json"))
x = np.fromfile(path, dtype="<f4").reshape(shape["rows"], shape["channels"])
times, inertia = [], None
for seed in range(3):
    start = time.perf_counter()
    model = KMeans(n_clusters=k, n_init=n_init, init="k-means++", max_iter=300, tol=1e-4, algorithm="lloyd", random_state=seed).fit(x)
    times.append((time.perf_counter() - start) * 1000)
    inertia = model.inertia_ / len(x)
print(json.dumps({"implementation": "scikit-learn KMeans (k-means++, lloyd)", "rows": len(x), "channels": x.shape[1], "k": k,
                  "n_init": n_init, "median_ms": sorted(times)[1], "mean_sq_distance": inertia,
                  "threads": __import__("os").environ.get("OMP_NUM_THREADS", "default")}))
