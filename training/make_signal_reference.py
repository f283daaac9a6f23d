"""Writes the reference numbers the Rust `signal` module is checked against.

Run:  /work/venv/train/bin/python training/make_signal_reference.py

Outputs (all small, committed):
  tests/fixtures/signal_reference.json   scipy.signal.resample_poly / sosfiltfilt on random signals
  tests/fixtures/signal_wfdb/            tiny WFDB records written by the `wfdb` package in formats
                                         16, 212, 80, 61, 160, 24, 32, 310, 311 (and multi-file), plus
                                         the values `wfdb.rdsamp` reads back
  tests/fixtures/signal_wfdb_real.json   `wfdb.rdsamp` / `wfdb.rdann` on one PTB-XL and one LUDB record
                                         from ../shared/data (only if that folder exists; a few samples
                                         per lead and a checksum of all of them)
"""
import json
import os
import sys

import numpy as np
import scipy
import scipy.signal as ss
import wfdb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "tests", "fixtures")
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")


def f(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def reference():
    rng = np.random.default_rng(20240611)
    signals = {
        "noise_37": rng.standard_normal(37),
        "noise_500": rng.standard_normal(500),
        "ecg_like_1000": np.cumsum(rng.standard_normal(1000)) * 0.05
        + np.sin(2 * np.pi * 1.2 * np.arange(1000) / 500.0),
        "short_3": np.array([1.0, -2.0, 0.5]),
        "single_1": np.array([2.5]),
    }
    cases = []
    for name, x in signals.items():
        for up, down in [(1, 5), (2, 5), (5, 1), (1, 2), (4, 5), (100, 257), (5, 18), (2, 4)]:
            if len(x) > 600 and up == 100:
                x_use = x[:300]
            else:
                x_use = x
            y = ss.resample_poly(x_use, up, down)
            cases.append({"signal": name, "n": len(x_use), "up": up, "down": down, "y": f(y)})
    filters = {
        "butter4_bandpass_0.5_40_fs100": ss.butter(4, [0.5, 40], "band", fs=100, output="sos"),
        "butter4_bandpass_0.5_40_fs500": ss.butter(4, [0.5, 40], "band", fs=500, output="sos"),
        "butter2_lowpass_0.2": ss.butter(2, 0.2, output="sos"),
        "cheby1_3_lowpass_0.3": ss.cheby1(3, 1, 0.3, output="sos"),
    }
    fcases = []
    for fname, sos in filters.items():
        for name in ["noise_500", "ecg_like_1000"]:
            x = signals[name]
            y = ss.sosfiltfilt(sos, x)
            fcases.append({"filter": fname, "sos": [f(r) for r in sos], "signal": name, "y": f(y),
                           "padlen": 3 * (2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum())))})
    out = {
        "generator": "training/make_signal_reference.py",
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "signals": {k: f(v) for k, v in signals.items()},
        "resample_poly": cases,
        "sosfiltfilt": fcases,
        "firwin_kaiser": [
            {"numtaps": 2 * 10 * m + 1, "cutoff": 1.0 / m, "h": f(ss.firwin(2 * 10 * m + 1, 1.0 / m, window=("kaiser", 5.0)))}
            for m in (2, 5)
        ],
    }
    path = os.path.join(FIX, "signal_reference.json")
    with open(path, "w") as fh:
        json.dump(out, fh, separators=(",", ":"))
    print("wrote", path, os.path.getsize(path), "bytes")


def tiny_records():
    d = os.path.join(FIX, "signal_wfdb")
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(7)
    n = 50
    t = np.arange(n) / 250.0
    expected = {}
    for fmt, res in [("16", 16), ("212", 12), ("80", 8), ("61", 16), ("160", 16), ("24", 24), ("32", 32), ("310", 10), ("311", 10)]:
        lim = 2 ** (res - 1) - 1
        # three leads, digital values spanning the format's range (excluding its "invalid" code)
        d_sig = np.stack([
            np.round(np.sin(2 * np.pi * 3 * t) * lim * 0.9),
            np.round(rng.uniform(-lim, lim, n)),
            np.round(np.linspace(-lim, lim, n)),
        ], axis=1).astype(np.int64)
        name = f"fmt{fmt}"
        native = fmt in ("16", "212", "80", "24", "32")  # formats the wfdb package writes itself
        wfdb.wrsamp(name, fs=250, units=["mV", "mV", "uV"], sig_name=["I", "aVR", "V1"], d_signal=d_sig,
                    fmt=[fmt if native else "16"] * 3, adc_gain=[200.0, 1000.0, 3.5], baseline=[0, 7, -3],
                    write_dir=d, comments=["tiny test record", f"format {fmt}"])
        if not native:
            # Pack the samples ourselves (WFDB spec, signal(5)); wfdb.rdrecord reads them back below.
            v = d_sig.ravel().astype(np.int64)  # frame-interleaved
            if fmt == "61":
                raw = v.astype(">i2").tobytes()
            elif fmt == "160":
                raw = (v + 32768).astype("<u2").tobytes()
            else:
                u = (v & 0x3FF).astype(np.uint32)
                u = np.concatenate([u, np.zeros((-len(u)) % 3, dtype=np.uint32)]).reshape(-1, 3)
                if fmt == "311":
                    raw = (u[:, 0] | (u[:, 1] << 10) | (u[:, 2] << 20)).astype("<u4").tobytes()
                else:  # 310
                    w0 = (u[:, 0] << 1) | ((u[:, 2] & 0x1F) << 11)
                    w1 = (u[:, 1] << 1) | ((u[:, 2] >> 5) << 11)
                    raw = np.stack([w0, w1], axis=1).astype("<u2").tobytes()
            with open(os.path.join(d, name + ".dat"), "wb") as fh:
                fh.write(raw)
            hp = os.path.join(d, name + ".hea")
            with open(hp) as fh:
                lines = fh.read().split("\n")
            lines = [l.replace(f"{name}.dat 16 ", f"{name}.dat {fmt} ", 1).replace(" 16 0 ", f" {res} 0 ", 1) if l.startswith(name + ".dat") else l for l in lines]
            with open(hp, "w") as fh:
                fh.write("\n".join(lines))
        rec = wfdb.rdrecord(os.path.join(d, name))
        expected[name] = {"fs": rec.fs, "sig_name": rec.sig_name, "units": rec.units,
                          "p_signal_mv": [f(rec.p_signal[:, j] * (0.001 if rec.units[j] == "uV" else 1.0)) for j in range(3)],
                          "d_signal": [[int(v) for v in rec.adc()[:, j]] for j in range(3)], "comments": rec.comments}
        assert (rec.adc() == d_sig).all(), fmt
    # Several files: leads split over two .dat files of different formats, with a byte offset hand-made.
    d_sig = np.stack([np.arange(-20, 20), np.arange(20, -20, -1), (np.arange(40) * 7) % 100 - 50], axis=1).astype(np.int64)
    rec = wfdb.Record(record_name="multi", n_sig=3, fs=500, sig_len=40, file_name=["multi_a.dat", "multi_a.dat", "multi_b.dat"],
                      fmt=["16", "16", "212"], adc_gain=[100.0, 100.0, 50.0], baseline=[0, 0, 0], units=["mV"] * 3,
                      sig_name=["II", "III", "V6"], d_signal=d_sig, adc_res=[16, 16, 12], adc_zero=[0, 0, 0],
                      block_size=[0, 0, 0], comments=["two files"])
    rec.set_d_features(do_adc=False)
    rec.wrsamp(write_dir=d)
    back = wfdb.rdrecord(os.path.join(d, "multi"))
    expected["multi"] = {"fs": back.fs, "sig_name": back.sig_name, "units": back.units,
                         "p_signal_mv": [f(back.p_signal[:, j]) for j in range(3)],
                         "d_signal": [[int(v) for v in back.adc()[:, j]] for j in range(3)], "comments": back.comments}
    # Byte offset: prepend 6 junk bytes to a copy of fmt16.dat and say so in its header.
    with open(os.path.join(d, "fmt16.dat"), "rb") as fh:
        raw = fh.read()
    with open(os.path.join(d, "offset.dat"), "wb") as fh:
        fh.write(b"JUNK!!" + raw)
    with open(os.path.join(d, "fmt16.hea")) as fh:
        hea = fh.read()
    hea = hea.replace("fmt16 ", "offset ", 1).replace("fmt16.dat 16", "offset.dat 16+6")
    with open(os.path.join(d, "offset.hea"), "w") as fh:
        fh.write(hea)
    back = wfdb.rdrecord(os.path.join(d, "offset"))
    expected["offset"] = {"fs": back.fs, "sig_name": back.sig_name, "units": back.units,
                          "p_signal_mv": [f(back.p_signal[:, j] * (0.001 if back.units[j] == "uV" else 1.0)) for j in range(3)],
                          "d_signal": [[int(v) for v in back.adc()[:, j]] for j in range(3)], "comments": back.comments}
    path = os.path.join(FIX, "signal_wfdb", "expected.json")
    with open(path, "w") as fh:
        json.dump({"generator": "training/make_signal_reference.py", "wfdb": wfdb.__version__, "records": expected}, fh)
    print("wrote", d)


def real_records():
    out = {"generator": "training/make_signal_reference.py", "wfdb": wfdb.__version__}
    ptb = os.path.join(DATA, "ptbxl", "records500", "00000", "00001_hr")
    ludb = os.path.join(DATA, "ludb", "data", "1")
    if not os.path.exists(ptb + ".hea") or not os.path.exists(ludb + ".hea"):
        print("no ../shared/data: real-record reference not written")
        return
    for key, path in [("ptbxl_00001_hr", ptb), ("ludb_1", ludb)]:
        sig, fields = wfdb.rdsamp(path)
        idx = [0, 1, 2, 100, 2500, sig.shape[0] - 1]
        out[key] = {"path": os.path.relpath(path, DATA), "fs": fields["fs"], "sig_len": fields["sig_len"],
                    "sig_name": fields["sig_name"], "units": fields["units"], "comments": fields["comments"],
                    "indices": idx, "values": [[float(sig[i, j]) for i in idx] for j in range(sig.shape[1])],
                    "sum": [float(np.sum(sig[:, j])) for j in range(sig.shape[1])],
                    "sum_abs": [float(np.sum(np.abs(sig[:, j]))) for j in range(sig.shape[1])]}
    anns = {}
    for lead in ["i", "v6"]:
        a = wfdb.rdann(ludb, lead)
        anns[lead] = {"sample": [int(s) for s in a.sample], "symbol": list(a.symbol),
                      "chan": [int(c) for c in a.chan], "num": [int(c) for c in a.num], "subtype": [int(c) for c in a.subtype],
                      "aux_note": list(a.aux_note)}
    out["ludb_1_annotations"] = anns
    # Every LUDB annotation file: count, sum of sample indices, and counts per symbol (as wfdb.rdann reads them).
    summary = {}
    ldir = os.path.join(DATA, "ludb", "data")
    for rec in sorted({n.split(".")[0] for n in os.listdir(ldir) if n.endswith(".hea")}, key=int):
        for lead in ["i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6"]:
            if not os.path.exists(os.path.join(ldir, f"{rec}.{lead}")):
                continue
            a = wfdb.rdann(os.path.join(ldir, rec), lead)
            syms = {}
            for sym in a.symbol:
                syms[sym] = syms.get(sym, 0) + 1
            summary[f"{rec}.{lead}"] = {"n": len(a.sample), "sum": int(np.sum(a.sample)), "symbols": syms}
    out["ludb_all_annotations"] = summary
    path = os.path.join(FIX, "signal_wfdb_real.json")
    with open(path, "w") as fh:
        json.dump(out, fh)
    print("wrote", path)


if __name__ == "__main__":
    reference()
    tiny_records()
    real_records()
    sys.exit(0)
