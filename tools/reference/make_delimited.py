"""Test files and reference values for the delimited-text reader (crates/ecglens-core/src/signal/delimited.rs).

The files are MADE here from real PTB-XL records (wfdb.rdsamp, mV) with Python's csv module and pandas.to_csv;
the REFERENCE values come from reading each written file back with pandas.read_csv (never from ecglens).

Files (tests/fixtures/formats/files/delimited-*):
  delimited-comma-time.csv     csv module: "time,I,II,...,V6", time in s, mV with 3 decimals; 00011_lr (100 Hz)
  delimited-semicolon-uv.csv   pandas.to_csv(sep=";", decimal=","), header "I [µV]", ..., µV with 1 decimal, UTF-8;
                               the first 2 s of 00012_hr (500 Hz): the rate is not in the file
  delimited-noheader.tsv       csv module, tab, no header row, mV; 00013_lr (100 Hz): rate and leads not in the file
Fixtures (tests/fixtures/formats/delimited-<name>.json + .f32): lead names, rate, n_samples, samples in mV
(little-endian f32, lead-major), and the options the test must give.

Run: tools/reference/.venv/bin/python tools/reference/make_delimited.py
"""

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
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
    assert fields["units"] == ["mV"] * 12
    return signal, fields["fs"], name


def fixture(stem, leads_mv, facts):
    leads_mv = np.asarray(leads_mv, dtype=np.float64)
    facts["n_samples"] = int(leads_mv.shape[1])
    (OUT / f"{stem}.json").write_text(json.dumps(facts, indent=1, ensure_ascii=False) + "\n")
    leads_mv.astype("<f4").tofile(OUT / f"{stem}.f32")
    print(stem, json.dumps({k: v for k, v in facts.items() if k != "leads"}, ensure_ascii=False))


def main():
    # 1. Comma, time column in seconds, mV.
    sig, fs, src = record(11, False)
    path = FILES / "delimited-comma-time.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["time"] + STANDARD)
        for k, row in enumerate(sig):
            w.writerow([f"{k / fs:.2f}"] + [f"{v:.3f}" for v in row])
    df = pd.read_csv(path)
    assert list(df.columns) == ["time"] + STANDARD
    rate = 1.0 / float(np.median(np.diff(df["time"].to_numpy())))
    fixture("delimited-comma-time", df[STANDARD].to_numpy().T, {
        "file": path.name, "source": src, "leads": STANDARD, "sample_rate_hz": round(rate, 6),
        "options": {}})

    # 2. Semicolon, decimal comma, µV in the header; no rate in the file.
    sig, fs, src = record(12, True)
    path = FILES / "delimited-semicolon-uv.csv"
    uv = pd.DataFrame(np.round(sig[:1000] * 1000, 1), columns=[f"{n} [µV]" for n in STANDARD])
    uv.to_csv(path, sep=";", decimal=",", index=False, float_format="%.1f", encoding="utf-8")
    df = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8")
    assert df.shape == (1000, 12) and df.columns[0] == "I [µV]"
    fixture("delimited-semicolon-uv", df.to_numpy().T / 1000.0, {
        "file": path.name, "source": src + " [0:1000]", "leads": STANDARD, "sample_rate_hz": float(fs),
        "options": {"sample_rate_hz": float(fs)}})

    # 3. TSV without a header row, mV; neither rate nor leads in the file.
    sig, fs, src = record(13, False)
    path = FILES / "delimited-noheader.tsv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f, delimiter="\t")
        for row in sig:
            w.writerow([f"{v:.3f}" for v in row])
    df = pd.read_csv(path, sep="\t", header=None)
    assert df.shape == (1000, 12)
    fixture("delimited-noheader", df.to_numpy().T, {
        "file": path.name, "source": src, "leads": STANDARD, "sample_rate_hz": float(fs),
        "options": {"sample_rate_hz": float(fs), "leads": STANDARD, "units": "mV"}})

    for f in sorted(FILES.glob("delimited-*")):
        assert f.stat().st_size < 300 * 1024, f
        print(f.name, f.stat().st_size)


if __name__ == "__main__":
    main()
