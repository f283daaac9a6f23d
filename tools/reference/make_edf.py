"""Sample files and reference values for the EDF/BDF reader (crates/ecglens-core/src/signal/edf/).

The files are MADE here from real PTB-XL records (wfdb.rdsamp, CC BY 4.0) with an independent writer, and the
reference values come from reading them back with an independent reader, pyedflib (the C library EDFlib by
Teunis van Beelen): `EdfReader.readSignal` (physical values) and `readAnnotations`. Nothing comes from ecglens.

Files (tests/fixtures/formats/files/):
  edf-12lead.edf   EDF+C, PTB-XL ecg_id 1 at 500 Hz, 12 leads named I..V6, 10 s, 1 s records, pyedflib EdfWriter.
  edf-3lead.bdf    BDF+C (24-bit), PTB-XL ecg_id 2 at 100 Hz, leads I, II, V2 as "ECG I", "ECG II", "ECG V2",
                   0.5 s records (fractional), pyedflib EdfWriter.
  edf-psg.edf      EDF+C "polysomnography-like": "ECG II" (ecg_id 3, lead II, 500 Hz) and "ECG V1" (ecg_id 3,
                   lead V1 at 100 Hz, from records100: different samples per record), plus non-ECG channels:
                   "EEG Fpz-Cz" = lead V5 of ecg_id 4 at 100 Hz relabelled (a real signal, not EEG), "EOG horizontal"
                   = lead aVL of ecg_id 4 at 100 Hz relabelled, "Resp oro-nasal" = a 0.25 Hz sine (synthetic) at
                   10 Hz, "SpO2" = a constant 97 % at 1 Hz; annotations "Lights off", "Arousal" (with a duration),
                   "Lights on". pyedflib EdfWriter.
  edf-discontinuous.edf  EDF+D: PTB-XL ecg_id 5 at 500 Hz, leads I and II, 10 records of 1 s whose time-keeping
                   TALs put a 12 s gap after record 4 and a 2.5 s gap after record 7; one annotation. pyedflib
                   cannot write EDF+D, so this file's bytes are written here with `struct`, by the EDF+ spec
                   (https://www.edfplus.info/specs/edfplus.html); pyedflib reads it back for the reference.
  edf-holter.edf   EDF+C, a 5-minute two-lead "Holter" at 250 Hz: leads II and V1 of PTB-XL ecg_id 10..39 (500 Hz,
                   resampled 2:1 with scipy.signal.resample_poly) one after another, 1 s records, pyedflib
                   EdfWriter. Its reference (edf-holter.overview.json) is the overview strip's envelope computed from
                   pyedflib's samples (per bucket: min and max) and the samples of one window (120-130 s).
Vendored from pyedflib 0.1.42's test data (BSD 2-clause, written by EDFlib/other software, not ECG):
  edf-pyedflib-test_subsecond.edf  EDF+C, one "Fp1" EEG channel at 128 Hz, a start time with a fraction of a
                   second, 4 annotations.
  edf-pyedflib-test_generator_datarec_generator_2.bdf  BDF+C, 2 s records, 5 generated signals at 500, 400, 250,
                   487.5, 499.5 Hz.

Each file gets tests/fixtures/formats/edf-<name>.json (facts, annotations) and .f32 (lead-major little-endian f32
in mV, the leads ecglens is expected to return, in its order).
Run: tools/reference/.venv/bin/python tools/reference/make_edf.py
"""

import datetime as dt
import json
import shutil
import struct
import warnings
from pathlib import Path

import numpy as np
import pyedflib
import scipy.signal
import wfdb

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "tests/fixtures/formats/files"
OUT = ROOT / "tests/fixtures/formats"
PTBXL = Path("/work/shared/data/ptbxl")
PYEDFLIB_DATA = Path(pyedflib.__file__).parent / "tests/data"

CANONICAL = {"AVR": "aVR", "AVL": "aVL", "AVF": "aVF"}
warnings.simplefilter("ignore")  # pyedflib warns when a record duration is forced


def ptbxl(ecg_id, rate):
    folder = "records500" if rate == 500 else "records100"
    suffix = "hr" if rate == 500 else "lr"
    signal, fields = wfdb.rdsamp(str(PTBXL / folder / "00000" / f"{ecg_id:05d}_{suffix}"))
    return {name: signal[:, k] for k, name in enumerate(fields["sig_name"])}, fields


def ecg_header(label, rate, record_s, bdf=False):
    # PTB-XL's leads are in mV with 1 µV resolution; written in µV so one digital step is ~ 1 µV in EDF.
    digital = (-8388608, 8388607) if bdf else (-32768, 32767)
    return {
        "label": label, "dimension": "uV", "sample_frequency": rate,
        "physical_min": -32768.0, "physical_max": 32767.0,
        "digital_min": digital[0], "digital_max": digital[1],
        "transducer": "AgAgCl electrode", "prefilter": "HP:0.05Hz LP:150Hz",
    }


def read_back(path, labels, names, extra=None):
    """pyedflib's physical values (converted to mV) of the signals `labels`, returned as leads `names`."""
    r = pyedflib.EdfReader(str(path))
    all_labels = r.getSignalLabels()
    rates = r.getSampleFrequencies()
    target = max(rates[all_labels.index(lab)] for lab in labels)
    leads, resampled = [], []
    for lab in labels:
        k = all_labels.index(lab)
        dim = r.getPhysicalDimension(k).strip()
        scale = {"uV": 1e-3, "mV": 1.0, "V": 1e3}[dim]
        x = r.readSignal(k) * scale
        if rates[k] != target:
            # scipy.signal.resample_poly, like ecglens's resample.rs
            from fractions import Fraction
            f = Fraction(float(target) / float(rates[k])).limit_denominator(10000)
            x = scipy.signal.resample_poly(x, f.numerator, f.denominator)
            resampled.append(lab)
        leads.append(x)
    n = min(len(x) for x in leads)
    onsets, durations, texts = r.readAnnotations()
    facts = {
        "file": f"files/{path.name}",
        "reference": "pyedflib %s (EDFlib) EdfReader.readSignal, physical values, converted to mV" % pyedflib.__version__,
        "filetype": ["EDF", "EDF+C", "BDF", "BDF+C", "EDF+D", "BDF+D"][r.filetype] if r.filetype < 6 else str(r.filetype),
        "labels": all_labels,
        "sample_frequencies": [float(v) for v in rates],
        "record_duration_s": r.datarecord_duration,
        "n_records": r.datarecords_in_file,
        "leads": names,
        "sample_rate_hz": float(target),
        "n_samples": n,
        "resampled": resampled,
        "annotations": [
            {"onset_s": float(o), "duration_s": float(d), "text": t} for o, d, t in zip(onsets, durations, texts)
        ],
        "startdatetime": r.getStartdatetime().isoformat(),
        "patient": {"code": r.getPatientCode(), "name": r.getPatientName(), "sex": r.getSex() if hasattr(r, "getSex") else "",
                    "birthdate": r.getBirthdate()},
        "equipment": r.getEquipment(),
    }
    if extra:
        facts.update(extra)
    r.close()
    samples = np.concatenate([x[:n] for x in leads]).astype("<f4")
    return facts, samples, leads


def save(stem, facts, samples):
    (OUT / f"{stem}.json").write_text(json.dumps(facts, indent=1, ensure_ascii=False) + "\n")
    samples.tofile(OUT / f"{stem}.f32")
    print(f"{stem}: {facts['filetype']}, {len(facts['leads'])} leads, {facts['n_samples']} samples at "
          f"{facts['sample_rate_hz']} Hz, {len(facts['annotations'])} annotations")


def make_12lead():
    leads, _ = ptbxl(1, 500)
    path = FILES / "edf-12lead.edf"
    labels = list(leads)  # PTB-XL's names: I, II, III, AVR, AVL, AVF, V1..V6
    names = [CANONICAL.get(n, n) for n in labels]
    w = pyedflib.EdfWriter(str(path), len(names), file_type=pyedflib.FILETYPE_EDFPLUS)
    w.setSignalHeaders([ecg_header(n, 500, 1.0) for n in labels])
    w.setPatientCode("ptbxl-00001")
    w.setPatientName("Test_Patient")
    w.setSex(1)
    w.setBirthdate(dt.date(1950, 3, 14))
    w.setEquipment("PTB-XL_via_pyedflib")
    w.setStartdatetime(dt.datetime(1984, 11, 9, 9, 17, 34))
    w.writeSamples([leads[n] * 1000.0 for n in labels])  # mV -> µV
    w.writeAnnotation(2.0, -1, "Test annotation")
    w.close()
    facts, samples, _ = read_back(path, labels, names, {"ptbxl": "records500 ecg_id 1"})
    save("edf-12lead", facts, samples)


def make_bdf():
    leads, _ = ptbxl(2, 100)
    path = FILES / "edf-3lead.bdf"
    labels = ["ECG I", "ECG II", "ECG V2"]
    src = ["I", "II", "V2"]
    w = pyedflib.EdfWriter(str(path), 3, file_type=pyedflib.FILETYPE_BDFPLUS)
    w.setDatarecordDuration(0.5)
    w.setSignalHeaders([ecg_header(lab, 100, 0.5, bdf=True) for lab in labels])
    w.setStartdatetime(dt.datetime(2001, 2, 3, 4, 5, 6))
    w.writeSamples([leads[s] * 1000.0 for s in src])
    w.close()
    facts, samples, _ = read_back(path, labels, src, {"ptbxl": "records100 ecg_id 2"})
    save("edf-3lead", facts, samples)


def make_psg():
    ecg500, _ = ptbxl(3, 500)
    ecg100, _ = ptbxl(3, 100)
    other, _ = ptbxl(4, 100)
    path = FILES / "edf-psg.edf"
    t10 = np.arange(100) / 10.0
    channels = [
        ("EEG Fpz-Cz", 100, other["V5"] * 1000.0, "uV"),
        ("ECG II", 500, ecg500["II"] * 1000.0, "uV"),
        ("EOG horizontal", 100, other["AVL"] * 1000.0, "uV"),
        ("ECG V1", 100, ecg100["V1"] * 1000.0, "uV"),
        ("Resp oro-nasal", 10, 200.0 * np.sin(2 * np.pi * 0.25 * t10), "uV"),
        ("SpO2", 1, np.full(10, 97.0), "%"),
    ]
    w = pyedflib.EdfWriter(str(path), len(channels), file_type=pyedflib.FILETYPE_EDFPLUS)
    headers = []
    for label, rate, _, dim in channels:
        h = ecg_header(label, rate, 1.0)
        h["dimension"] = dim
        if dim == "%":
            h.update(physical_min=0.0, physical_max=100.0, transducer="finger probe", prefilter="")
        if not label.startswith("ECG"):
            h.update(transducer="", prefilter="")
        headers.append(h)
    w.setSignalHeaders(headers)
    w.setPatientCode("X")
    w.setEquipment("PSG_like_test")
    w.setStartdatetime(dt.datetime(2020, 1, 2, 22, 30, 0))
    w.writeSamples([c[2] for c in channels])
    w.writeAnnotation(0.5, -1, "Lights off")
    w.writeAnnotation(4.25, 3.5, "Arousal")
    w.writeAnnotation(9.0, -1, "Lights on")
    w.close()
    facts, samples, _ = read_back(path, ["ECG II", "ECG V1"], ["II", "V1"],
                                  {"ptbxl": "records500 + records100 ecg_id 3 (ECG), records100 ecg_id 4 (EEG/EOG stand-ins)",
                                   "left_out": ["EEG Fpz-Cz", "EOG horizontal", "Resp oro-nasal", "SpO2"]})
    save("edf-psg", facts, samples)


def edf_field(text, width):
    b = text.encode("ascii")
    assert len(b) <= width, text
    return b + b" " * (width - len(b))


def make_discontinuous():
    """EDF+D by hand: 2 ECG signals at 500 Hz + 'EDF Annotations', 1 s records with gaps in their start times."""
    leads, _ = ptbxl(5, 500)
    path = FILES / "edf-discontinuous.edf"
    labels = ["ECG I", "ECG II"]
    src = ["I", "II"]
    spr, n_records, annot_spr = 500, 10, 30
    starts, t = [], 0.0
    for k in range(n_records):
        starts.append(t)
        t += 1.0
        if k == 4:
            t += 12.0
        if k == 7:
            t += 2.5
    ns = 3
    header = (edf_field("0", 8) + edf_field("X M 01-JAN-1960 X", 80)
              + edf_field("Startdate 05-MAY-2005 X X hand_written_EDF+D", 80)
              + edf_field("05.05.05", 8) + edf_field("13.14.15", 8) + edf_field(str(256 * (ns + 1)), 8)
              + edf_field("EDF+D", 44) + edf_field(str(n_records), 8) + edf_field("1", 8) + edf_field(str(ns), 4))
    sig = [("ECG I", "uV", -32768, 32767, -32768, 32767, spr), ("ECG II", "uV", -32768, 32767, -32768, 32767, spr),
           ("EDF Annotations", "", -1, 1, -32768, 32767, annot_spr)]
    header += b"".join(edf_field(s[0], 16) for s in sig)
    header += b"".join(edf_field("AgAgCl electrode" if s[6] == spr else "", 80) for s in sig)
    header += b"".join(edf_field(s[1], 8) for s in sig)
    header += b"".join(edf_field(str(s[2]), 8) for s in sig)
    header += b"".join(edf_field(str(s[3]), 8) for s in sig)
    header += b"".join(edf_field(str(s[4]), 8) for s in sig)
    header += b"".join(edf_field(str(s[5]), 8) for s in sig)
    header += b"".join(edf_field("", 80) for s in sig)
    header += b"".join(edf_field(str(s[6]), 8) for s in sig)
    header += b"".join(edf_field("", 32) for s in sig)
    assert len(header) == 256 * (ns + 1)
    body = b""
    digital = {s: np.round(leads[s] * 1000.0).astype(np.int16) for s in src}
    for k in range(n_records):
        for s in src:
            body += digital[s][k * spr:(k + 1) * spr].astype("<i2").tobytes()
        tal = f"+{starts[k]:g}\x14\x14\x00".encode()
        if k == 6:
            tal += f"+{starts[k] + 0.25:g}\x15{0.5:g}\x14Electrode check\x14\x00".encode()
        assert len(tal) <= 2 * annot_spr
        body += tal + b"\x00" * (2 * annot_spr - len(tal))
    path.write_bytes(header + body)
    # EDFlib (so pyedflib) refuses EDF+D ("The file is discontinuous and cannot be read"): the reference reads a
    # copy whose reserved field says plain EDF, where the records are simply concatenated (what ecglens does too)
    # and "EDF Annotations" is an ordinary signal; the annotations are the ones written above.
    plain = Path("/tmp/edf-discontinuous-as-plain-edf.edf")
    patched = bytearray(header + body)
    patched[192:236] = edf_field("", 44)
    plain.write_bytes(bytes(patched))
    facts, samples, _ = read_back(plain, labels, src, {
        "ptbxl": "records500 ecg_id 5",
        "record_starts_s": starts,
        "gaps": [{"trace_s": 5.0, "at_s": 5.0, "length_s": 12.0}, {"trace_s": 8.0, "at_s": 20.0, "length_s": 2.5}],
        "written_annotations": [{"onset_s": starts[6] + 0.25, "duration_s": 0.5, "text": "Electrode check"}],
    })
    facts["file"] = f"files/{path.name}"
    facts["filetype"] = "EDF+D"
    facts["reference"] += " (of a copy marked plain EDF: EDFlib refuses EDF+D)"
    save("edf-discontinuous", facts, samples)


def vendor_pyedflib():
    shutil.copy(PYEDFLIB_DATA / "test_subsecond.edf", FILES / "edf-pyedflib-test_subsecond.edf")
    facts, samples, _ = read_back(FILES / "edf-pyedflib-test_subsecond.edf", ["Fp1"], ["Fp1"],
                                  {"source": "pyedflib 0.1.42 pyedflib/tests/data/test_subsecond.edf (BSD 2-clause)"})
    save("edf-pyedflib-test_subsecond", facts, samples)
    name = "test_generator_datarec_generator_2.bdf"
    shutil.copy(PYEDFLIB_DATA / name, FILES / f"edf-pyedflib-{name}")
    facts, samples, _ = read_back(FILES / f"edf-pyedflib-{name}", ["sine 2.5Hz", "ramp 3.5Hz"],
                                  ["sine 2.5Hz", "ramp 3.5Hz"],
                                  {"source": f"pyedflib 0.1.42 pyedflib/tests/data/{name} (BSD 2-clause)"})
    save(f"edf-pyedflib-{Path(name).stem}", facts, samples)


def plot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    stems = ["edf-12lead", "edf-3lead", "edf-psg", "edf-discontinuous"]
    fig, axes = plt.subplots(len(stems), 1, figsize=(12, 10))
    for ax, stem in zip(axes, stems):
        facts = json.loads((OUT / f"{stem}.json").read_text())
        x = np.fromfile(OUT / f"{stem}.f32", dtype="<f4").reshape(len(facts["leads"]), -1)
        t = np.arange(x.shape[1]) / facts["sample_rate_hz"]
        for k, name in enumerate(facts["leads"][:3]):
            ax.plot(t, x[k] - 2 * k, lw=0.6, label=name)
        ax.set_title(f"{stem} (reference, pyedflib)")
        ax.legend(loc="right", fontsize=7)
    fig.tight_layout()
    fig.savefig("/tmp/edf_reference.png", dpi=80)


def make_holter():
    ids = range(10, 40)
    parts = [ptbxl(i, 500)[0] for i in ids]
    names = ["II", "V1"]
    x = {n: scipy.signal.resample_poly(np.concatenate([p[n] for p in parts]), 1, 2) for n in names}
    path = FILES / "edf-holter.edf"
    w = pyedflib.EdfWriter(str(path), 2, file_type=pyedflib.FILETYPE_EDFPLUS)
    w.setSignalHeaders([ecg_header(n, 250, 1.0) for n in names])
    w.setPatientCode("ptbxl-00010-00039")
    w.setEquipment("made by tools/reference/make_edf.py")
    w.writeSamples([x[n] * 1000.0 for n in names])  # µV
    w.close()
    r = pyedflib.EdfReader(str(path))
    assert r.getSignalLabels() == names and list(r.getSampleFrequencies()) == [250.0, 250.0]
    leads = [r.readSignal(k) * 1e-3 for k in range(2)]  # mV
    r.close()
    n = len(leads[0])
    rate = 250.0
    buckets = 200
    per_bucket = n / buckets  # duration × rate / buckets, as signal/overview.rs
    b = np.minimum((np.arange(n) / per_bucket).astype(np.int64), buckets - 1)
    envelope = []
    for name, v in zip(names, leads):
        lo = np.full(buckets, np.inf)
        hi = np.full(buckets, -np.inf)
        np.minimum.at(lo, b, v)
        np.maximum.at(hi, b, v)
        envelope.append({"name": name, "min_mv": lo.tolist(), "max_mv": hi.tolist()})
    start, end = int(120 * rate), int(130 * rate)
    facts = {
        "file": f"files/{path.name}",
        "reference": "pyedflib %s (EDFlib) EdfReader.readSignal, physical values in mV; envelope by numpy" % pyedflib.__version__,
        "sample_rate_hz": rate,
        "n_samples": n,
        "duration_s": n / rate,
        "buckets": buckets,
        "leads": envelope,
        "window": {"start_s": 120.0, "duration_s": 10.0, "II": leads[0][start:end].tolist()},
    }
    (OUT / "edf-holter.overview.json").write_text(json.dumps(facts) + "\n")
    print(f"edf-holter: {n} samples at {rate} Hz ({n / rate:.0f} s), {path.stat().st_size} bytes")


if __name__ == "__main__":
    make_holter()
    make_12lead()
    make_bdf()
    make_psg()
    make_discontinuous()
    vendor_pyedflib()
    plot()
