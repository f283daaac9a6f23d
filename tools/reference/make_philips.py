"""Reference values for the Philips Sierra ECG XML reader (crates/ecglens-core/src/signal/philips/).

Independent reader: the `sierraecg` package (sixlettervariables/sierra-ecg-tools, pysierraecg) decodes the XLI
waveforms; the resolution (µV per unit) is read with the standard library's ElementTree. Writes, per file,
tests/fixtures/formats/philips_<stem>.json (format facts) and philips_<stem>.f32 (samples in mV, float32 LE,
lead after lead), and a plot to /tmp/philips_<stem>.png (not committed).

Run: tools/reference/.venv/bin/python tools/reference/make_philips.py
"""

import json
import pathlib
import xml.etree.ElementTree as ET

import numpy as np
import sierraecg

ROOT = pathlib.Path(__file__).resolve().parents[2]
FILES = ROOT / "tests/fixtures/formats/files"
OUT = ROOT / "tests/fixtures/formats"
NS = "{http://www3.medical.philips.com}"


def resolution_uv(path: pathlib.Path) -> float:
    root = ET.parse(path).getroot()
    signal = root.find(f"{NS}dataacquisition/{NS}signalcharacteristics")
    for tag in ("resolution", "signalresolution"):
        element = signal.find(NS + tag)
        if element is not None and element.text:
            return float(element.text)
    raise ValueError(f"{path}: no resolution")


def main() -> None:
    for name in ["129DYPRG.XML", "3191723_ZZDEMOPTONLY_1-04_orig.xml"]:
        path = FILES / name
        ecg = sierraecg.read_file(str(path))
        res = resolution_uv(path)
        stem = "philips_" + path.stem.lower().replace("-", "_")
        raw = np.stack([lead.samples.astype(np.int64) for lead in ecg.leads])
        mv = (raw.astype(np.float64) * res / 1000.0).astype(np.float32)
        mv.astype("<f4").tofile(OUT / f"{stem}.f32")
        facts = {
            "file": name,
            "reader": f"sierraecg {sierraecg.__version__}",
            "document_type": ecg.doc_type,
            "document_version": ecg.doc_ver,
            "leads": [lead.label for lead in ecg.leads],
            "sample_rate_hz": ecg.leads[0].sampling_freq,
            "duration_ms": ecg.leads[0].duration,
            "n_samples": int(raw.shape[1]),
            "resolution_uv": res,
            "raw_first_samples": {lead.label: [int(v) for v in lead.samples[:8]] for lead in ecg.leads},
            "raw_min": {lead.label: int(lead.samples.min()) for lead in ecg.leads},
            "raw_max": {lead.label: int(lead.samples.max()) for lead in ecg.leads},
            "samples_file": f"{stem}.f32 (float32 LE, mV, lead-major: {raw.shape[0]} x {raw.shape[1]})",
        }
        (OUT / f"{stem}.json").write_text(json.dumps(facts, indent=1) + "\n")
        plot(mv, facts, pathlib.Path(f"/tmp/{stem}.png"))
        print(f"{name}: {raw.shape[0]} leads x {raw.shape[1]} samples at {facts['sample_rate_hz']} Hz, {res} uV/unit")


def plot(mv: np.ndarray, facts: dict, png: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = np.arange(mv.shape[1]) / facts["sample_rate_hz"]
    fig, axes = plt.subplots(len(mv), 1, figsize=(14, 18), sharex=True)
    for ax, lead, label in zip(axes, mv, facts["leads"]):
        ax.plot(t, lead, lw=0.6)
        ax.set_ylabel(f"{label}\nmV")
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("s")
    fig.suptitle(facts["file"])
    fig.tight_layout()
    fig.savefig(png, dpi=70)
    plt.close(fig)


if __name__ == "__main__":
    main()
