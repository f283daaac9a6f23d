"""WFDB records that are not a clean 12-lead 10 s strip, made from real PTB-XL records (CC-BY 4.0) for the tests of
issue 12 ("any rate, any lead set, any length"). Writes into tests/fixtures/formats/files/:

* research-cinc2017.hea + .mat: one lead at 300 Hz in a MATLAB v4 `val` file named by its header (format 16+24),
  the header's checksum written as 0 — as the PhysioNet/CinC 2017 challenge's records are (PTB-XL ecg_id 1,
  lead I, resampled 500 → 300 Hz with scipy.signal.resample_poly).
* research-1khz.hea/.dat: 12 leads at 1000 Hz (ecg_id 2, 500 → 1000 Hz), format 16, written by wfdb-python.
* research-two-lead.hea/.dat: leads I and II only at 500 Hz (ecg_id 3), as CinC 2021's two-lead set.
* research-long.hea/.dat: 12 leads at 100 Hz, 90 s: ecg_id 1..9's 100 Hz records one after another (a long
  recording, joined at the records' ends; said in its header comment).
"""
import os

import numpy as np
import scipy.io
import scipy.signal
import wfdb

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
PTB = os.path.abspath(os.path.join(ROOT, "..", "shared", "data", "ptbxl"))
OUT = os.path.join(ROOT, "tests", "fixtures", "formats", "files")


def hr(ecg_id):
    return wfdb.rdrecord(os.path.join(PTB, "records500", f"{ecg_id // 1000 * 1000:05d}", f"{ecg_id:05d}_hr"))


def lr(ecg_id):
    return wfdb.rdrecord(os.path.join(PTB, "records100", f"{ecg_id // 1000 * 1000:05d}", f"{ecg_id:05d}_lr"))


# CinC 2017 style: 300 Hz, one lead, gain 1000/mV, int16 in a v4 .mat, checksum 0.
r = hr(1)
lead_i = scipy.signal.resample_poly(r.p_signal[:, r.sig_name.index("I")], 3, 5)
val = np.round(lead_i * 1000).astype(np.int16).reshape(1, -1)
mat = os.path.join(OUT, "research-cinc2017.mat")
scipy.io.savemat(mat, {"val": val.astype(np.int16)}, format="4")
with open(mat, "rb") as f:
    head = f.read(24)
assert head[20:24] == b"val\x00", head  # the samples start at byte 24: format 16+24
with open(os.path.join(OUT, "research-cinc2017.hea"), "w") as f:
    f.write(f"research-cinc2017 1 300 {val.shape[1]} 05:05:15 1/05/2000\n")
    f.write(f"research-cinc2017.mat 16+24 1000/mV 16 0 {int(val[0, 0])} 0 0 ECG\n")

# 1 kHz, 12 leads.
r = hr(2)
x = scipy.signal.resample_poly(r.p_signal, 2, 1, axis=0)
wfdb.wrsamp("research-1khz", fs=1000, units=["mV"] * 12, sig_name=r.sig_name, p_signal=x, fmt=["16"] * 12,
            adc_gain=[1000.0] * 12, baseline=[0] * 12, write_dir=OUT)

# Two leads, I and II, 500 Hz.
r = hr(3)
idx = [r.sig_name.index("I"), r.sig_name.index("II")]
wfdb.wrsamp("research-two-lead", fs=500, units=["mV"] * 2, sig_name=["I", "II"], p_signal=r.p_signal[:, idx],
            fmt=["16"] * 2, adc_gain=[1000.0] * 2, baseline=[0] * 2, write_dir=OUT)

# 90 s, 12 leads, 100 Hz: nine records joined.
parts = [lr(i) for i in range(1, 10)]
x = np.concatenate([p.p_signal for p in parts], axis=0)
wfdb.wrsamp("research-long", fs=100, units=["mV"] * 12, sig_name=parts[0].sig_name, p_signal=x, fmt=["16"] * 12,
            adc_gain=[1000.0] * 12, baseline=[0] * 12, write_dir=OUT,
            comments=["PTB-XL ecg_id 1..9 (records100) one after another: a 90 s test recording"])
for name in sorted(os.listdir(OUT)):
    if name.startswith("research-"):
        print(name, os.path.getsize(os.path.join(OUT, name)))
