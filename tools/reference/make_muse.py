"""Reference values for the GE MUSE XML reader (crates/ecglens-core/src/signal/muse/), from independent readers.

The sample is BRAVEHEART's `Example ECGs/example1.xml` (GPL-3.0): it is NOT vendored; this script reads it from
../shared/data/formats/muse/example1.xml beside the clone and writes only numbers derived from it.

Reader 1 (always): Python's standard library: xml.etree for the document, base64 + struct for the samples
(little-endian int16 x LeadAmplitudeUnitsPerBit in LeadAmplitudeUnits -> mV, + FirstSampleBaseline as
BRAVEHEART's load_musexml.m does), zlib.crc32 over the decoded bytes for <LeadDataCRC32>. Leads III, aVR, aVL,
aVF by Einthoven/Goldberger from I and II, in float64.
Reader 2 (when installed): the `muse2wfdb` PyPI package (1.5.0, MIT; xmltodict + numpy), whose
`process_waveforms` decodes the rhythm leads and derives the same four; the script asserts both agree.

Writes tests/fixtures/formats/muse.json (facts, counts, CRCs, measurements, statements, patient) and muse.f32
(the 12 leads in mV, little-endian float32, lead-major in the order of `leads` in the JSON).
Plot with --plot: /tmp/muse.png (not committed).
"""

import base64
import json
import pathlib
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
FILE = ROOT.parent / "shared/data/formats/muse/example1.xml"
OUT = ROOT / "tests/fixtures/formats"
MV_PER = {"NANOVOLTS": 1e-6, "MICROVOLTS": 1e-3, "MILLIVOLTS": 1.0, "VOLTS": 1e3}
MEASUREMENTS = ["VentricularRate", "AtrialRate", "PRInterval", "QRSDuration", "QTInterval", "QTCorrected",
                "QTcFrederica", "PAxis", "RAxis", "TAxis"]


def text(e, path, default=None):
    f = e.find(path)
    return f.text.strip() if f is not None and f.text and f.text.strip() else default


def stdlib_reader(root):
    rhythm = [w for w in root.findall("Waveform") if text(w, "WaveformType") == "Rhythm"][0]
    rate = float(text(rhythm, "SampleBase")) * 10 ** int(text(rhythm, "SampleExponent", "0"))
    leads, facts = {}, []
    for ld in rhythm.findall("LeadData"):
        lead_id = text(ld, "LeadID")
        raw = base64.b64decode("".join(ld.find("WaveFormData").text.split()))
        n = int(text(ld, "LeadSampleCountTotal"))
        ints = np.array(struct.unpack(f"<{n}h", raw[: 2 * n]), dtype=np.float64)
        per_bit = float(text(ld, "LeadAmplitudeUnitsPerBit"))
        unit = text(ld, "LeadAmplitudeUnits")
        baseline = int(text(ld, "FirstSampleBaseline", "0"))
        leads[lead_id] = (ints + baseline) * per_bit * MV_PER[unit]
        facts.append({
            "lead": lead_id,
            "sample_count": n,
            "byte_count": int(text(ld, "LeadByteCountTotal")),
            "decoded_bytes": len(raw),
            "units_per_bit": per_bit,
            "units": unit,
            "crc32_stated": int(text(ld, "LeadDataCRC32")),
            "crc32_of_decoded_bytes": zlib.crc32(raw),
        })
    one, two = leads["I"], leads["II"]
    leads["III"] = two - one
    leads["aVR"] = -(one + two) / 2
    leads["aVL"] = one - two / 2
    leads["aVF"] = two - one / 2
    return rhythm, rate, leads, facts


def muse2wfdb_reader():
    try:
        from muse2wfdb import converter
    except ImportError:
        return None
    ecg = converter.read_muse_file(str(FILE))
    return converter.process_waveforms(converter.select_waveform(ecg))


def statements(diagnosis):
    """StmtText pieces joined until a statement flagged ENDSLINE (ECGToolkit's reading); one line each without."""
    if diagnosis is None:
        return []
    all_s = diagnosis.findall("DiagnosisStatement")
    flagged = any(f.text == "ENDSLINE" for s in all_s for f in s.findall("StmtFlag"))
    lines, line = [], []
    for s in all_s:
        line += [" ".join("".join(t.itertext()).split()) for t in s.findall("StmtText")]
        if not flagged or any(f.text == "ENDSLINE" for f in s.findall("StmtFlag")):
            if [x for x in line if x]:
                lines.append(" ".join(x for x in line if x))
            line = []
    if [x for x in line if x]:
        lines.append(" ".join(x for x in line if x))
    return lines


def main():
    if not FILE.is_file():
        print(f"muse: {FILE} is missing (../shared/data beside the clone); fixture not rewritten")
        return
    root = ET.fromstring(FILE.read_bytes())
    rhythm, rate, leads, facts = stdlib_reader(root)
    order = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
    data = np.stack([leads[name] for name in order])

    other = muse2wfdb_reader()
    if other is not None:
        worst = max(float(np.abs(np.asarray(other[name], dtype=np.float64) - leads[name]).max()) for name in order)
        assert worst == 0.0, f"muse2wfdb disagrees by {worst} mV"
        print("muse2wfdb agrees exactly on all 12 leads")

    measured = root.find("RestingECGMeasurements")
    demo = root.find("PatientDemographics")
    test = root.find("TestDemographics")
    out = {
        "file": "../shared/data/formats/muse/example1.xml (BIVectors/BRAVEHEART, GPL-3.0; not vendored)",
        "readers": ["python stdlib xml.etree + base64 + struct + zlib.crc32"]
        + (["muse2wfdb 1.5.0 process_waveforms (agrees exactly)"] if other is not None else []),
        "muse_version": text(root, "MuseInfo/MuseVersion"),
        "waveform_types": [text(w, "WaveformType") for w in root.findall("Waveform")],
        "sample_rate_hz": rate,
        "n_samples": int(data.shape[1]),
        "leads": order,
        "stored_leads": facts,
        "measurements": {k: float(text(measured, k)) for k in MEASUREMENTS if text(measured, k) is not None},
        "global_rr_ms": float(text(root, "QRSTimesTypes/GlobalRR")),
        "statements": statements(root.find("Diagnosis") if root.find("Diagnosis") is not None
                                 else root.find("OriginalDiagnosis")),
        "patient": {} if demo is None else {k: text(demo, k) for k in
                                            ["PatientID", "PatientLastName", "PatientFirstName", "DateofBirth",
                                             "Gender", "PatientAge", "AgeUnits"]},
        "test_demographics": test is not None,
        "pharma_cart_id": text(root, "PharmaData/PharmaCartID"),
        "samples": "muse.f32: float32 little-endian, lead-major in the order of `leads`, mV",
        "peak_abs_mv": float(np.abs(data).max()),
    }
    (OUT / "muse.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    data.astype("<f4").tofile(OUT / "muse.f32")
    print(f"muse: {len(order)} leads x {data.shape[1]} at {rate} Hz, peak {out['peak_abs_mv']:.3f} mV")

    if "--plot" in sys.argv:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        t = np.arange(data.shape[1]) / rate
        fig, axes = plt.subplots(len(order), 1, figsize=(14, 16), sharex=True)
        for ax, name, x in zip(axes, order, data):
            ax.plot(t, x, lw=0.6)
            ax.set_ylabel(name, rotation=0, labelpad=20)
            ax.grid(alpha=0.3)
        axes[-1].set_xlabel("s")
        fig.suptitle("GE MUSE example1.xml, rhythm (mV)")
        fig.savefig("/tmp/muse.png", dpi=70)


if __name__ == "__main__":
    main()
