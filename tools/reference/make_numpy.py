"""Test files and reference values for the NumPy reader (crates/ecglens-core/src/signal/numpy/).

The files are MADE here from real PTB-XL records (wfdb.rdsamp, physical units = mV) with numpy's own writer
(numpy.save, numpy.lib.format.write_array, numpy.savez, numpy.savez_compressed); the REFERENCE values come from
reading each written file back with numpy.load (never from ecglens), the record the test reads converted to mV.

Files (tests/fixtures/formats/files/numpy-*):
  numpy-12x5000-f4.npy        00001_hr, (12, 5000) float32, leads x samples, v1.0
  numpy-2500x12-f8.npy        00002_hr first 5 s, (2500, 12) float64, samples x leads (5000 rows would be 480 KB)
  numpy-12x1000-f8-fortran.npy 00003_lr, (12, 1000) float64 in Fortran order
  numpy-lead-ii-v2-be.npy     00004_lr lead II, (1000,) big-endian float32, format version 2.0
  numpy-batch-3x1000x12-f8.npy 00005..00007_lr, (3, 1000, 12) float64 mV 100 Hz, like the PTB-XL benchmark's
                              X_test; with its sidecar numpy-batch-3x1000x12-f8.json (rate, leads, units)
  numpy-x-fs-leads.npz        savez_compressed: X (2, 1000, 12) float32 (00008, 00009_lr), fs = 100,
                              leads = the 12 names as '<U3'
  numpy-int16-stored.npz      savez (stored): ecg (12, 1000) int16 in uV (00010_lr), sampling_rate = 100.0,
                              lead_names '|S3', units = 'uV'
Fixtures (tests/fixtures/formats/numpy-<name>.json + .f32): lead names, rate, n_samples, which record
(item), the numpy shape/dtype/fortran flag, and the samples in mV (little-endian f32, lead-major).

Run: tools/reference/.venv/bin/python tools/reference/make_numpy.py
"""

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import wfdb

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "tests/fixtures/formats/files"
OUT = ROOT / "tests/fixtures/formats"
PTBXL = ROOT.parent / "shared/data/ptbxl"
if not PTBXL.is_dir():
    PTBXL = Path("/work/shared/data/ptbxl")
STANDARD = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]


def record(ecg_id, hr):
    folder = "records500" if hr else "records100"
    name = f"{ecg_id:05d}_{'hr' if hr else 'lr'}"
    signal, fields = wfdb.rdsamp(str(PTBXL / folder / "00000" / name))
    assert fields["units"] == ["mV"] * 12, fields["units"]
    assert [n.upper() for n in fields["sig_name"]] == [n.upper() for n in STANDARD], fields["sig_name"]
    return signal, fields["fs"], name  # (samples, 12) float64 mV


def fixture(stem, leads_mv, facts):
    """leads_mv: (leads, samples) in mV, from numpy.load of the written file."""
    leads_mv = np.asarray(leads_mv, dtype=np.float64)
    facts["n_samples"] = int(leads_mv.shape[1])
    (OUT / f"{stem}.json").write_text(json.dumps(facts, indent=1) + "\n")
    leads_mv.astype("<f4").tofile(OUT / f"{stem}.f32")
    print(stem, json.dumps({k: v for k, v in facts.items() if k != "leads"}))
    return leads_mv


def main():
    FILES.mkdir(parents=True, exist_ok=True)
    plots = []

    # 1. (12, 5000) float32, leads x samples.
    sig, fs, src = record(1, True)
    path = FILES / "numpy-12x5000-f4.npy"
    np.save(path, np.ascontiguousarray(sig.T, dtype=np.float32))
    back = np.load(path)
    assert back.dtype == np.float32 and back.shape == (12, 5000) and back.flags.c_contiguous
    plots.append(("numpy-12x5000-f4", fixture("numpy-12x5000-f4", back, {
        "file": path.name, "source": src, "shape": list(back.shape), "descr": back.dtype.str,
        "fortran_order": False, "leads": STANDARD, "sample_rate_hz": fs, "item": None})))

    # 2. (2500, 12) float64, samples x leads.
    sig, fs, src = record(2, True)
    path = FILES / "numpy-2500x12-f8.npy"
    np.save(path, sig[:2500])
    back = np.load(path)
    assert back.dtype == np.float64 and back.shape == (2500, 12)
    fixture("numpy-2500x12-f8", back.T, {
        "file": path.name, "source": src + " [0:2500]", "shape": list(back.shape), "descr": back.dtype.str,
        "fortran_order": False, "leads": STANDARD, "sample_rate_hz": fs, "item": None})

    # 3. (12, 1000) float64 in Fortran order.
    sig, fs, src = record(3, False)
    path = FILES / "numpy-12x1000-f8-fortran.npy"
    np.save(path, np.asfortranarray(sig.T))
    back = np.load(path)
    assert back.flags.f_contiguous and not back.flags.c_contiguous
    fixture("numpy-12x1000-f8-fortran", back, {
        "file": path.name, "source": src, "shape": list(back.shape), "descr": back.dtype.str,
        "fortran_order": True, "leads": STANDARD, "sample_rate_hz": fs, "item": None})

    # 4. One lead, big-endian float32, format version 2.0.
    sig, fs, src = record(4, False)
    path = FILES / "numpy-lead-ii-v2-be.npy"
    with open(path, "wb") as f:
        np.lib.format.write_array(f, sig[:, 1].astype(">f4"), version=(2, 0))
    back = np.load(path)
    assert back.dtype.str == ">f4" and open(path, "rb").read(8)[6:8] == b"\x02\x00"
    fixture("numpy-lead-ii-v2-be", back[None, :], {
        "file": path.name, "source": src + " lead II", "shape": list(back.shape), "descr": back.dtype.str,
        "fortran_order": False, "leads": ["II"], "sample_rate_hz": fs, "item": None})

    # 5. A batch like the PTB-XL benchmark's X_test: (records, samples, leads) float64 mV at 100 Hz + sidecar.
    batch = np.stack([record(i, False)[0] for i in (5, 6, 7)])
    path = FILES / "numpy-batch-3x1000x12-f8.npy"
    np.save(path, batch)
    sidecar = {"sample_rate_hz": 100, "leads": STANDARD, "units": "mV"}
    (FILES / "numpy-batch-3x1000x12-f8.json").write_text(json.dumps(sidecar) + "\n")
    back = np.load(path)
    assert back.shape == (3, 1000, 12)
    for item in range(3):
        arr = fixture(f"numpy-batch-item{item}", back[item].T, {
            "file": path.name, "source": f"{5 + item:05d}_lr", "shape": list(back.shape), "descr": back.dtype.str,
            "fortran_order": False, "leads": STANDARD, "sample_rate_hz": 100.0, "item": item,
            "part": {"index": item, "count": 3, "label": f"numpy-batch-3x1000x12-f8[{item}]"}})
        if item == 1:
            plots.append(("numpy-batch[1]", arr))

    # 6. savez_compressed: X, fs, leads (<U3).
    x = np.stack([record(i, False)[0] for i in (8, 9)]).astype(np.float32)
    path = FILES / "numpy-x-fs-leads.npz"
    np.savez_compressed(path, X=x, fs=100, leads=np.array(STANDARD))
    with zipfile.ZipFile(path) as z:
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
    with np.load(path) as npz:
        assert npz["leads"].dtype.str == "<U3"
        back, rate, names = npz["X"], float(npz["fs"]), [str(s) for s in npz["leads"]]
    for item in range(2):
        fixture(f"numpy-npz-item{item}", back[item].T, {
            "file": path.name, "source": f"{8 + item:05d}_lr", "shape": list(back.shape), "descr": back.dtype.str,
            "fortran_order": False, "leads": names, "sample_rate_hz": rate, "item": item,
            "part": {"index": item, "count": 2, "label": f"X[{item}]"}})

    # 7. savez (stored): int16 uV, sampling_rate float64, lead_names |S3, units 'uV'.
    sig, fs, src = record(10, False)
    digital = np.ascontiguousarray(np.round(sig.T * 1000), dtype=np.int16)
    path = FILES / "numpy-int16-stored.npz"
    np.savez(path, ecg=digital, sampling_rate=np.float64(fs), lead_names=np.array(STANDARD, dtype="S3"),
             units=np.array("uV"))
    with zipfile.ZipFile(path) as z:
        assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
    with np.load(path) as npz:
        back, rate = npz["ecg"], float(npz["sampling_rate"])
        names = [s.decode() for s in npz["lead_names"]]
        assert str(npz["units"]) == "uV"
    fixture("numpy-npz-int16", back.astype(np.float64) / 1000.0, {
        "file": path.name, "source": src, "shape": list(back.shape), "descr": back.dtype.str,
        "fortran_order": False, "leads": names, "sample_rate_hz": rate, "item": None})

    for f in sorted(FILES.glob("numpy-*")):
        assert f.stat().st_size < 300 * 1024, f
        print(f.name, f.stat().st_size)

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(12, 2, figsize=(16, 16), sharex="col")
        for col, (title, arr) in enumerate(plots):
            for k in range(12):
                axes[k, col].plot(arr[k], lw=0.6)
                axes[k, col].set_ylabel(STANDARD[k])
            axes[0, col].set_title(f"reference (numpy.load): {title}")
        fig.tight_layout()
        fig.savefig("/tmp/numpy_reference.png", dpi=70)
    except ImportError:
        pass


if __name__ == "__main__":
    main()
