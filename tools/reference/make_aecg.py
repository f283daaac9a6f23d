"""Reference values for the HL7 aECG reader (crates/ecglens-core/src/signal/aecg/), from an independent reader.

The `aecg` PyPI package (0.1.3) needs Python >= 3.12 (this environment has 3.11) and pandas/plotly/pydantic-xml,
so this script reads the file with the standard library's xml.etree instead, following the HL7 aECG
Implementation Guide: the RHYTHM series' sequence set, sampling interval from the TIME_* sequence's
<increment>, physical value = origin + scale * digit (units nV/uV/mV/V -> mV).

Writes tests/fixtures/formats/aecg.json (facts, measurements, patient) and aecg.f32 (the samples in mV,
little-endian float32, lead-major). Plot: /tmp/aecg.png (not committed).
"""

import json
import pathlib
import sys
import xml.etree.ElementTree as ET

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
FILE = ROOT / "tests/fixtures/formats/files/ecgtoolkit-example.xml"
OUT = ROOT / "tests/fixtures/formats"
NS = {"h": "urn:hl7-org:v3"}
MV_PER = {"nV": 1e-6, "uV": 1e-3, "mV": 1.0, "V": 1e3}
S_PER = {"s": 1.0, "ms": 1e-3}


def main():
    root = ET.parse(FILE).getroot()
    series = [s for s in root.findall("h:component/h:series", NS) if s.find("h:code", NS).get("code") == "RHYTHM"][0]
    seqset = series.find("h:component/h:sequenceSet", NS)
    leads, names, scales = [], [], []
    rate = None
    for seq in seqset.findall("h:component/h:sequence", NS):
        code = seq.find("h:code", NS).get("code")
        value = seq.find("h:value", NS)
        if code in ("TIME_ABSOLUTE", "TIME_RELATIVE"):
            inc = value.find("h:increment", NS)
            rate = 1.0 / (float(inc.get("value")) * S_PER[inc.get("unit")])
            continue
        origin = value.find("h:origin", NS)
        scale = value.find("h:scale", NS)
        digits = np.array([int(t) for t in value.find("h:digits", NS).text.split()], dtype=np.int64)
        o = float(origin.get("value")) * MV_PER[origin.get("unit")]
        k = float(scale.get("value")) * MV_PER[scale.get("unit")]
        leads.append(o + k * digits)
        names.append(code)
        scales.append({"origin": origin.get("value"), "scale": scale.get("value"), "unit": scale.get("unit")})
    data = np.stack(leads)

    # Global measurements: top-level annotations of the derived (representative beat) series' annotation set.
    measurements = {}
    for aset in series.findall(".//h:annotationSet", NS):
        for ann in aset.findall("h:component/h:annotation", NS):
            c = ann.find("h:code", NS).get("code")
            v = ann.find("h:value", NS)
            if c.startswith(("MDC_ECG_TIME_PD_", "MDC_ECG_ANGLE_", "MDC_ECG_HEART_RATE")) and c not in measurements:
                measurements[c] = [float(v.get("value")), v.get("unit")]
    statements = [
        a.find("h:value", NS).get("displayName")
        for a in series.findall(".//h:annotationSet/h:component/h:annotation", NS)
        if a.find("h:code", NS).get("code") == "MDC_ECG_RHY"
    ]
    subj = root.find(
        "h:componentOf/h:timepointEvent/h:componentOf/h:subjectAssignment/h:subject/h:trialSubject", NS
    )
    person = subj.find("h:subjectDemographicPerson", NS)
    dev = series.find("h:author/h:seriesAuthor", NS)
    facts = {
        "file": str(FILE.relative_to(ROOT)),
        "reader": "python xml.etree (stdlib), origin + scale * digits",
        "sample_rate_hz": rate,
        "n_samples": int(data.shape[1]),
        "lead_codes": names,
        "scales": scales,
        "measurements": measurements,
        "statements": statements,
        "patient": {
            "id": subj.find("h:id", NS).get("extension"),
            "name": person.find("h:name", NS).text.strip(),
            "sex": person.find("h:administrativeGenderCode", NS).get("code"),
            "birth_time": person.find("h:birthTime", NS).get("value"),
        },
        "device": {
            "model": dev.find("h:manufacturedSeriesDevice/h:manufacturerModelName", NS).text,
            "software": dev.find("h:manufacturedSeriesDevice/h:softwareName", NS).text,
            "maker": dev.find("h:manufacturerOrganization/h:name", NS).text,
        },
        "acquired": series.find("h:effectiveTime/h:low", NS).get("value"),
        "samples": "aecg.f32: float32 little-endian, lead-major, mV",
        "peak_abs_mv": float(np.abs(data).max()),
    }
    (OUT / "aecg.json").write_text(json.dumps(facts, indent=1) + "\n")
    data.astype("<f4").tofile(OUT / "aecg.f32")
    print(f"aecg: {len(names)} leads x {data.shape[1]} at {rate} Hz, peak {facts['peak_abs_mv']:.3f} mV")

    if "--plot" in sys.argv:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        t = np.arange(data.shape[1]) / rate
        fig, axes = plt.subplots(len(names), 1, figsize=(14, 16), sharex=True)
        for ax, name, x in zip(axes, names, data):
            ax.plot(t, x, lw=0.6)
            ax.set_ylabel(name.replace("MDC_ECG_LEAD_", ""), rotation=0, labelpad=20)
        axes[-1].set_xlabel("s")
        fig.suptitle("aECG ecgtoolkit-example.xml (mV)")
        fig.savefig("/tmp/aecg.png", dpi=70)


if __name__ == "__main__":
    main()
