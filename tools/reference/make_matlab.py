"""Sample files and reference values for the MATLAB reader (crates/ecglens-core/src/signal/matlab/).

Independent of ecglens: the files are written by scipy.io.savemat from real PTB-XL records (read with
wfdb.rdsamp), and every reference value is scipy.io.loadmat of the written file (or of the real files in
../shared/data/formats/mat/), converted to millivolts here with the unit the test gives or expects.

Writes, in tests/fixtures/formats/files/ (each < 300 KB; PTB-XL is CC-BY 4.0, see README-matlab.md):
  matlab-ptbxl-v5.mat        level 5, uncompressed: `data` 1000 x 12 double (samples x leads, mV), no rate
                             (PTB-XL 00001_lr, 100 Hz, 10 s)
  matlab-ptbxl-cpsc.mat      level 5, compressed: CPSC 2018-style struct `ECG` (sex, age, data 12 x 2500 double mV)
                             (PTB-XL 00002_hr, first 5 s at 500 Hz; sex and age from ptbxl_database.csv)
  matlab-ptbxl-v4.mat        level 4: CinC-style `val` 12 x 1000 int16 ADU (1000 per mV) (PTB-XL 00003_lr)
  matlab-ptbxl-fs-leads.mat  level 5: `sig` 2500 x 8 single in uV, `fs` = 500, `leads` a cell array of PTB-XL's
                             own lead names (I, II, V1..V6) (PTB-XL 00004_hr, first 5 s)
  matlab-ptbxl-batch.mat     level 5, compressed: `x` 3 x 1000 x 12 double mV (records x samples x leads),
                             `fs` = 100, `leads` a 12 x 3 char matrix (PTB-XL 00005_lr, 00006_lr, 00007_lr)
and in tests/fixtures/formats/: matlab_<name>.json (facts) + matlab_<name>.f32 (expected samples in mV,
little-endian f32, lead-major), for the files above and for the real files example_ecg.mat (all of it) and
S0001.mat (its first 5000 samples, and per-lead integer sums of all of them).
Run: tools/reference/.venv/bin/python tools/reference/make_matlab.py
"""

import csv
import json
from pathlib import Path

import numpy as np
import scipy
import scipy.io as sio
import wfdb

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "tests/fixtures/formats/files"
OUT = ROOT / "tests/fixtures/formats"
SHARED = ROOT.parent / "shared/data"
PTBXL = SHARED / "ptbxl"
REAL = SHARED / "formats/mat"
STANDARD_12 = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
CANONICAL = {"AVR": "aVR", "AVL": "aVL", "AVF": "aVF"}


def ptbxl(record, rate):
    folder = "records100" if rate == 100 else "records500"
    suffix = "lr" if rate == 100 else "hr"
    path = PTBXL / folder / "00000" / f"{record:05d}_{suffix}"
    signal, fields = wfdb.rdsamp(str(path))
    assert fields["fs"] == rate
    return signal, fields["sig_name"], path


def patient(ecg_id):
    with open(PTBXL / "ptbxl_database.csv", newline="") as f:
        for row in csv.DictReader(f):
            if int(row["ecg_id"]) == ecg_id:
                return ("Female" if row["sex"] == "1" else "Male"), int(float(row["age"]))
    raise KeyError(ecg_id)


def fixture(name, facts, leads_mv):
    """leads_mv: (n_leads, n_samples) float array in mV."""
    leads_mv = np.asarray(leads_mv, dtype=np.float64)
    facts = dict(facts, n_samples=int(leads_mv.shape[1]), scipy=scipy.__version__)
    (OUT / f"matlab_{name}.json").write_text(json.dumps(facts, indent=1) + "\n")
    leads_mv.astype("<f4").tofile(OUT / f"matlab_{name}.f32")
    print(f"matlab_{name}: {leads_mv.shape[0]} leads x {leads_mv.shape[1]}, peak {np.abs(leads_mv).max():.3f} mV")


def written(name, variables, **kwargs):
    path = FILES / f"matlab-{name}.mat"
    sio.savemat(path, variables, **kwargs)
    size = path.stat().st_size
    assert size < 300_000, f"{path.name} is {size} bytes"
    print(f"{path.name}: {size} bytes")
    return sio.loadmat(path)


def main():
    # 1. level 5, uncompressed, samples x leads, no rate: the reader must ask for it.
    sig, names, src = ptbxl(1, 100)
    back = written("ptbxl-v5", {"data": sig})
    data = back["data"]
    assert data.shape == (1000, 12)
    fixture("ptbxl_v5", {"file": "matlab-ptbxl-v5.mat", "source": str(src.relative_to(SHARED)), "sample_rate_hz": 100.0,
                         "leads": STANDARD_12, "units": "mV", "shape": list(data.shape)}, data.T)

    # 2. CPSC 2018-style struct, compressed.
    sig, names, src = ptbxl(2, 500)
    sex, age = patient(2)
    ecg = {"sex": sex, "age": age, "data": np.ascontiguousarray(sig[:2500].T)}
    back = written("ptbxl-cpsc", {"ECG": ecg}, do_compression=True)
    st = back["ECG"][0, 0]
    data = st["data"]
    assert data.shape == (12, 2500)
    fixture("ptbxl_cpsc", {"file": "matlab-ptbxl-cpsc.mat", "source": str(src.relative_to(SHARED)), "sample_rate_hz": 500.0,
                           "leads": STANDARD_12, "units": "mV", "sex": str(st["sex"][0]), "age": int(st["age"][0, 0]),
                           "shape": list(data.shape)}, data)

    # 3. level 4, CinC-style int16 `val` in ADU (PTB-XL's gain: 1000 per mV).
    sig, names, src = ptbxl(3, 100)
    val = np.round(sig.T * 1000).astype(np.int16)
    back = written("ptbxl-v4", {"val": val}, format="4")
    val = back["val"]
    assert val.dtype == np.int16 and val.shape == (12, 1000)
    fixture("ptbxl_v4", {"file": "matlab-ptbxl-v4.mat", "source": str(src.relative_to(SHARED)), "sample_rate_hz": 100.0,
                         "leads": STANDARD_12, "units": {"raw": 1000.0}, "shape": list(val.shape)},
            val.astype(np.float64) / 1000.0)

    # 4. `fs` and a `leads` cell array; single precision in uV, samples x 8 leads.
    sig, names, src = ptbxl(4, 500)
    keep = [names.index(n) for n in ["I", "II", "V1", "V2", "V3", "V4", "V5", "V6"]]
    sig_uv = (sig[:2500, keep] * 1000).astype(np.float32)
    leads = np.array([names[k] for k in keep], dtype=object)
    back = written("ptbxl-fs-leads", {"sig": sig_uv, "fs": 500, "leads": leads})
    s = back["sig"]
    assert s.dtype == np.float32 and s.shape == (2500, 8)
    got_names = [str(c[0]) for c in back["leads"].ravel()]
    fixture("ptbxl_fs_leads", {"file": "matlab-ptbxl-fs-leads.mat", "source": str(src.relative_to(SHARED)),
                               "sample_rate_hz": float(back["fs"][0, 0]),
                               "leads": [CANONICAL.get(n, n) for n in got_names], "file_lead_names": got_names,
                               "units": "uV", "peak_uv": float(np.abs(s).max()), "shape": list(s.shape)},
            s.T.astype(np.float64) / 1000.0)

    # 5. a 3-D batch: records x samples x leads, with `fs` and a char matrix of lead names.
    batch, sources = [], []
    for rec in (5, 6, 7):
        sig, names, src = ptbxl(rec, 100)
        batch.append(sig)
        sources.append(str(src.relative_to(SHARED)))
    x = np.stack(batch)  # (3, 1000, 12)
    back = written("ptbxl-batch", {"x": x, "fs": 100.0, "leads": np.array(names)}, do_compression=True)
    x = back["x"]
    assert x.shape == (3, 1000, 12)
    got_names = [n.strip() for n in back["leads"]]
    item = 1
    fixture("ptbxl_batch", {"file": "matlab-ptbxl-batch.mat", "sources": sources, "sample_rate_hz": 100.0,
                            "leads": [CANONICAL.get(n, n) for n in got_names], "file_lead_names": got_names,
                            "units": "mV", "item": item, "count": int(x.shape[0]), "label": f"x({item + 1},:,:)",
                            "first_samples_mv": {str(r): [float(v) for v in x[r, :5, 0]] for r in range(3)},
                            "shape": list(x.shape)}, x[item].T)

    # 6. the real files (MIT, dy1901/ecg_plot), read from ../shared.
    m = sio.loadmat(REAL / "example_ecg.mat")
    data = m["data"]
    assert data.shape == (12, 5000) and data.dtype == np.float64
    fixture("example_ecg", {"file": "example_ecg.mat", "sample_rate_hz": 500.0, "leads": STANDARD_12, "units": "mV",
                            "header": m["__header__"].decode(), "shape": list(data.shape)}, data)
    m = sio.loadmat(REAL / "S0001.mat")
    val = m["val"]
    header = wfdb.rdheader(str(REAL / "S0001"))
    assert val.dtype == np.int16 and val.shape == (12, 38400)
    fixture("s0001", {"file": "S0001.mat", "sample_rate_hz": float(header.fs), "leads": header.sig_name,
                      "units": {"raw": 1000.0}, "shape": list(val.shape), "total_samples": int(val.shape[1]),
                      "adu_sums": [int(v) for v in val.astype(np.int64).sum(axis=1)],
                      "adu_min": [int(v) for v in val.min(axis=1)], "adu_max": [int(v) for v in val.max(axis=1)],
                      "header_gain_per_mv": float(header.adc_gain[0])},
            val[:, :5000].astype(np.float64) / 1000.0)

    plot()


def plot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(5, 1, figsize=(12, 14))
    for ax, name in zip(axes, ["ptbxl_v5", "ptbxl_cpsc", "ptbxl_v4", "ptbxl_fs_leads", "ptbxl_batch"]):
        facts = json.loads((OUT / f"matlab_{name}.json").read_text())
        n = facts["n_samples"]
        x = np.fromfile(OUT / f"matlab_{name}.f32", dtype="<f4").reshape(-1, n)
        t = np.arange(n) / facts["sample_rate_hz"]
        for k in range(min(3, x.shape[0])):
            ax.plot(t, x[k] - 2 * k, lw=0.6, label=facts["leads"][k])
        ax.set_title(f"reference {name} (scipy.io.loadmat)")
        ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig("/tmp/matlab_reference.png", dpi=80)


if __name__ == "__main__":
    main()
