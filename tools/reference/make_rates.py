"""Reference for "any sampling rate": a real PTB-XL lead at each common ECG rate, and SciPy's resampling of it to
the default model's 100 Hz. Writes tests/fixtures/rates_reference.json.

For each rate r in RATES: x_r = resample_poly(x_500, r/g, 500/g) is the lead "recorded" at r (PTB-XL ecg_id 1,
lead II, 500 Hz original, first 4 s), and y = resample_poly(x_r, 100/g', r/g') is what ecglens must compute when
it brings that record to the model's rate (crates/ecglens-core/tests/rates.rs compares, sample by sample).
"""
import json
import math
import os

import numpy as np
import scipy
import scipy.signal
import wfdb

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SHARED = os.path.abspath(os.path.join(ROOT, "..", "shared", "data", "ptbxl"))
RATES = [125, 250, 257, 300, 360, 400, 500, 1000]
MODEL_HZ = 100

rec = wfdb.rdrecord(os.path.join(SHARED, "records500", "00000", "00001_hr"))
lead = rec.sig_name.index("II")
x500 = rec.p_signal[: 4 * 500, lead].astype(np.float64)

cases = []
for r in RATES:
    g = math.gcd(r, 500)
    x_r = scipy.signal.resample_poly(x500, r // g, 500 // g) if r != 500 else x500.copy()
    x_r = x_r.astype(np.float32).astype(np.float64)  # ecglens holds samples as f32
    g2 = math.gcd(MODEL_HZ, r)
    up, down = MODEL_HZ // g2, r // g2
    y = scipy.signal.resample_poly(x_r, up, down)
    cases.append({"rate_hz": r, "up": up, "down": down, "x_mv": x_r.tolist(), "y_mv": y.tolist()})

out = {
    "generator": "tools/reference/make_rates.py",
    "scipy": scipy.__version__,
    "source": "PTB-XL ecg_id 1 (records500/00000/00001_hr), lead II, first 4 s; CC-BY 4.0",
    "model_hz": MODEL_HZ,
    "cases": cases,
}
path = os.path.join(ROOT, "tests", "fixtures", "rates_reference.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
print(path, os.path.getsize(path), "bytes")
