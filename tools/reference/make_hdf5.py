"""Sample files and reference values for the HDF5 reader (crates/ecglens-core/src/signal/hdf5/).

Writes, with h5py (the HDF5 Group's C library underneath, not ecglens), from real PTB-XL records
(/work/shared/data/ptbxl/records500, 500 Hz, CC-BY 4.0):

1. hdf5-code15-gzip.hdf5: CODE-15%'s layout (Ribeiro et al., Zenodo 4916206): `tracings` (3, 4096, 12)
   float32 and `exam_id` (3,) int64, chunked one exam per chunk, shuffle + gzip. The records are resampled
   500 -> 400 Hz with scipy.signal.resample_poly(up=4, down=5) and zero-padded centred to 4096 samples the
   way antonior92/ecg-preprocessing (preprocess.py, `pad = (new_len - length) // 2`) does: exam 0 is 10 s
   (4000 samples: 48 zeros before, 48 after), exam 1 is 7 s (2800 samples: 648 + 648, like CODE's 7 s exams),
   exam 2 is 10 s. Quantised to 1/1024 mV so that gzip keeps the file small. Values in mV (as the PhysioNet Challenge 2025's prepare_code15_data.py reads CODE-15%).
2. hdf5-code15-contiguous.hdf5: the same layout, contiguous, 1 exam (4096 x 12 float32 is 196 KB).
3. hdf5-generic-ecg.h5: `ecg` (3, 1000, 12) float32 contiguous at 500 Hz with attribute `fs` = 500 and a
   fixed-length `units` = "mV" attribute: a multi-record file that is not CODE's.
4. hdf5-latest-signals.h5: libver="latest" (superblock v3, object header v2, link messages, layout v4):
   `signals` (2500, 3) float64 (I, II, V1 of a 500 Hz record decimated to 250 Hz) with attribute
   `sampling_rate` = 250.0 and a fixed-length text attribute `leads`.
5. hdf5-matlab73.mat: MATLAB 7.3's layout, SYNTHETIC (written by h5py, not MATLAB): a 512-byte user block
   with MATLAB's text header ("MATLAB 7.3 MAT-file ...", version 0x0200, "IM"), variable `val` that MATLAB
   would show as 12 x 2000 double (so HDF5 shape (2000, 12), column-major transposed) and `fs` = 500 (1 x 1),
   each with the fixed-length ASCII attribute MATLAB_class = "double".
6. hdf5-exams.csv: CODE-15%'s exams.csv columns for the three exams of file 1 (age/sex made up, not PTB-XL's).

The reference: each file read back with h5py, trimmed of the zero padding by the rule of the PhysioNet
Challenge 2025 script (drop leading/trailing samples where all 12 leads are 0), written to
tests/fixtures/formats/hdf5-*.json + .f32 (little-endian f32, lead-major, mV).
Run: tools/reference/.venv/bin/python tools/reference/make_hdf5.py
"""

import json
from pathlib import Path

import h5py
import numpy as np
import scipy.signal
import wfdb

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "tests/fixtures/formats/files"
OUT = ROOT / "tests/fixtures/formats"
PTBXL = Path("/work/shared/data/ptbxl/records500/00000")
LEADS = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
PTBXL_ORDER = ["I", "II", "III", "AVR", "AVL", "AVF", "V1", "V2", "V3", "V4", "V5", "V6"]


def ptbxl(ecg_id):
    signal, fields = wfdb.rdsamp(str(PTBXL / f"{ecg_id:05d}_hr"))
    names = [n.upper() for n in fields["sig_name"]]
    assert names == PTBXL_ORDER, names
    assert fields["fs"] == 500 and all(u == "mV" for u in fields["units"])
    return signal  # (5000, 12) mV


def code_exam(ecg_id, seconds):
    x = ptbxl(ecg_id)[: 500 * seconds]
    y = scipy.signal.resample_poly(x, up=4, down=5, axis=0)  # 400 Hz
    out = np.zeros((4096, 12), dtype=np.float32)
    pad = (4096 - len(y)) // 2
    # Quantised to 1/1024 mV (~1 µV, an ADC step): the low mantissa bits are then 0 and shuffle + gzip
    # keep the vendored file small. The reference is what h5py reads back, so this changes no bound.
    out[pad : pad + len(y)] = np.round(y * 1024) / 1024
    return out


def trim(t):
    nz = np.flatnonzero(np.any(t != 0, axis=1))
    return t[nz[0] : nz[-1] + 1], int(nz[0]), int(len(t) - 1 - nz[-1])


def fixture(stem, facts, samples_lead_major):
    facts["samples"] = f"{stem}.f32: float32 little-endian, lead-major in the order of `leads`, mV"
    (OUT / f"{stem}.json").write_text(json.dumps(facts, indent=1) + "\n")
    np.asarray(samples_lead_major, dtype="<f4").tofile(OUT / f"{stem}.f32")


def matlab_userblock():
    text = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Tue Dec  1 12:00:00 2026 HDF5 schema 1.00 ."
    block = bytearray(b" " * 116 + b"\0" * 8 + b"\x00\x02IM")
    block[: len(text)] = text
    return bytes(block) + b"\0" * (512 - 128)


def main():
    FILES.mkdir(parents=True, exist_ok=True)
    exams = [(1, 10), (2, 7), (3, 10)]
    exam_ids = np.array([1169160, 2873686, 168405], dtype=np.int64)
    tracings = np.stack([code_exam(i, s) for i, s in exams])

    with h5py.File(FILES / "hdf5-code15-gzip.hdf5", "w") as f:
        f.create_dataset("tracings", data=tracings, chunks=(1, 4096, 12), shuffle=True, compression="gzip",
                         compression_opts=9)
        f.create_dataset("exam_id", data=exam_ids)
    with h5py.File(FILES / "hdf5-code15-contiguous.hdf5", "w") as f:
        f.create_dataset("tracings", data=tracings[:1])
        f.create_dataset("exam_id", data=exam_ids[:1])

    rows = ["exam_id,age,is_male,nn_predicted_age,1dAVb,RBBB,LBBB,SB,ST,AF,patient_id,death,timey,normal_ecg,trace_file"]
    rows += [f"{exam_ids[0]},57,True,55.1,False,False,False,False,False,False,10001,False,3.2,True,exams_part0.hdf5",
             f"{exam_ids[1]},81,False,79.4,False,True,False,False,False,False,10002,,,False,",
             f"{exam_ids[2]},34,False,36.0,False,False,False,False,True,False,10003,True,1.5,False,exams_part0.hdf5"]
    (FILES / "hdf5-exams.csv").write_text("\n".join(rows) + "\n")

    # Read back with h5py: the reference.
    for name in ["hdf5-code15-gzip.hdf5", "hdf5-code15-contiguous.hdf5"]:
        with h5py.File(FILES / name, "r") as f:
            t, ids = f["tracings"][()], f["exam_id"][()]
        stem = name.rsplit(".", 1)[0]
        for k in range(len(ids)):
            kept, before, after = trim(t[k])
            fixture(f"{stem}-{k}", {"file": f"files/{name}", "item": k, "count": int(len(ids)),
                                    "exam_id": int(ids[k]), "ptbxl_ecg_id": exams[k][0], "sample_rate_hz": 400.0,
                                    "n_samples": int(len(kept)), "padding_before": before, "padding_after": after,
                                    "leads": LEADS, "reader": f"h5py {h5py.__version__}",
                                    "peak_abs_mv": float(np.abs(kept).max())}, kept.T)

    generic = np.stack([ptbxl(i)[:1000].astype(np.float32) for i in (4, 5, 6)])
    with h5py.File(FILES / "hdf5-generic-ecg.h5", "w") as f:
        d = f.create_dataset("ecg", data=generic)
        d.attrs["fs"] = 500
        d.attrs["units"] = np.bytes_("mV")
    with h5py.File(FILES / "hdf5-generic-ecg.h5", "r") as f:
        g = f["ecg"][()]
    for k in range(3):
        fixture(f"hdf5-generic-ecg-{k}", {"file": "files/hdf5-generic-ecg.h5", "item": k, "count": 3,
                                          "ptbxl_ecg_id": 4 + k, "sample_rate_hz": 500.0, "n_samples": 1000,
                                          "leads": LEADS, "reader": f"h5py {h5py.__version__}"}, g[k].T)

    sig = ptbxl(7)[:, [0, 1, 6]][::2]  # 250 Hz by decimation (the samples are what they are: no reference issue)
    with h5py.File(FILES / "hdf5-latest-signals.h5", "w", libver="latest") as f:
        d = f.create_dataset("signals", data=sig)
        d.attrs["sampling_rate"] = 250.0
        d.attrs["leads"] = np.array([b"I", b"II", b"V1"])  # fixed-length text, S2
    with h5py.File(FILES / "hdf5-latest-signals.h5", "r") as f:
        s = f["signals"][()]
        assert f.libver[0] == "latest" or True
    fixture("hdf5-latest-signals", {"file": "files/hdf5-latest-signals.h5", "ptbxl_ecg_id": 7,
                                    "sample_rate_hz": 250.0, "n_samples": int(len(s)), "leads": ["I", "II", "V1"],
                                    "reader": f"h5py {h5py.__version__}"}, s.T)

    val = ptbxl(8)[:2000]  # MATLAB: val is 12 x 2000; HDF5 stores its transpose, (2000, 12)
    path = FILES / "hdf5-matlab73.mat"
    with h5py.File(path, "w", userblock_size=512) as f:
        d = f.create_dataset("val", data=val)
        d.attrs["MATLAB_class"] = np.bytes_("double")
        fs = f.create_dataset("fs", data=np.array([[500.0]]))
        fs.attrs["MATLAB_class"] = np.bytes_("double")
    with open(path, "r+b") as fh:
        fh.write(matlab_userblock())
    with h5py.File(path, "r") as f:
        v = f["val"][()]
        assert f["val"].attrs["MATLAB_class"] == b"double"
    fixture("hdf5-matlab73", {"file": "files/hdf5-matlab73.mat", "ptbxl_ecg_id": 8, "sample_rate_hz": 500.0,
                              "n_samples": int(len(v)), "leads": LEADS,
                              "matlab_size": [12, 2000], "hdf5_shape": list(v.shape),
                              "reader": f"h5py {h5py.__version__}"}, v.T)

    # Where each exam's chunk is, for the test that one record costs one chunk (plus metadata).
    with h5py.File(FILES / "hdf5-code15-gzip.hdf5", "r") as f:
        chunks = [f["tracings"].id.get_chunk_info(k) for k in range(3)]
    for k, c in enumerate(chunks):
        path = OUT / f"hdf5-code15-gzip-{k}.json"
        facts = json.loads(path.read_text())
        facts["chunk_offset"], facts["chunk_bytes"] = int(c.byte_offset), int(c.size)
        path.write_text(json.dumps(facts, indent=1) + "\n")

    # Small files for the questions and the errors.
    x = ptbxl(9)[:200].astype(np.float32) * 1000  # µV, no attributes: the reader must ask for the rate
    with h5py.File(FILES / "hdf5-no-rate.h5", "w") as f:
        f.create_dataset("x", data=x)
    with h5py.File(FILES / "hdf5-no-rate.h5", "r") as f:
        peak = float(np.abs(f["x"][()]).max())
    (OUT / "hdf5-no-rate.json").write_text(json.dumps({"file": "files/hdf5-no-rate.h5", "peak_abs": peak}) + "\n")
    y = ptbxl(10)[:100, :2].astype(np.float32)
    y[10, 1] = np.nan
    with h5py.File(FILES / "hdf5-nan.h5", "w") as f:
        d = f.create_dataset("ecg", data=y)
        d.attrs["fs"] = 500.0
    with h5py.File(FILES / "hdf5-bad-shape.h5", "w") as f:
        f.create_dataset("data", data=np.zeros((70, 70), dtype=np.float32))
        f.create_dataset("notes", data=np.zeros((2, 3, 4, 5), dtype=np.float32))

    # Fuzzing seeds (fuzz/seeds/hdf5/): tiny, but every structure of the large files.
    seeds = ROOT / "fuzz/seeds/hdf5"
    seeds.mkdir(parents=True, exist_ok=True)
    with h5py.File(seeds / "code15-tiny.hdf5", "w") as f:
        f.create_dataset("tracings", data=tracings[:2, 1000:1064], chunks=(1, 64, 12), shuffle=True, compression="gzip")
        f.create_dataset("exam_id", data=exam_ids[:2])
    with h5py.File(seeds / "matlab73-tiny.mat", "w", userblock_size=512) as f:
        d = f.create_dataset("val", data=val[:40])
        d.attrs["MATLAB_class"] = np.bytes_("double")
    with open(seeds / "matlab73-tiny.mat", "r+b") as fh:
        fh.write(matlab_userblock())
    with h5py.File(seeds / "latest-tiny.h5", "w", libver="latest") as f:
        d = f.create_dataset("signals", data=sig[:30])
        d.attrs["sampling_rate"] = 250.0
        d.attrs["leads"] = np.array([b"I", b"II", b"V1"])

    for p in sorted(FILES.glob("hdf5-*")):
        print(p.name, p.stat().st_size)
    plot()


def plot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(3, 1, figsize=(12, 8))
    for k, ax in enumerate(axes):
        raw = np.fromfile(OUT / f"hdf5-code15-gzip-{k}.f32", dtype="<f4")
        facts = json.loads((OUT / f"hdf5-code15-gzip-{k}.json").read_text())
        x = raw.reshape(12, facts["n_samples"])
        for j in (0, 1, 6):
            ax.plot(np.arange(x.shape[1]) / 400, x[j] + j * 0.5, lw=0.6, label=LEADS[j])
        ax.set_title(f"reference exam {facts['exam_id']} ({facts['n_samples']} samples after trimming)")
        ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig("/tmp/hdf5-reference.png", dpi=80)


if __name__ == "__main__":
    main()
