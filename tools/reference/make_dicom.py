"""Reference fixtures for the DICOM waveform reader (crates/ecglens-core/src/signal/dicom/), made with pydicom.

For each sample file: the facts of its RHYTHM multiplex group (rate, samples, channel codes, sensitivity, units),
the patient and device fields, the waveform annotations, as JSON; and the samples in mV from pydicom's own
`Dataset.waveform_array(index)` (sensitivity x correction + baseline, in the sensitivity units, here uV),
as little-endian float32, lead-major. Run: tools/reference/.venv/bin/python tools/reference/make_dicom.py
"""

import json
import pathlib
import sys

import numpy as np
import pydicom

ROOT = pathlib.Path(__file__).resolve().parents[2]
FILES = ROOT / "tests/fixtures/formats/files"
OUT = ROOT / "tests/fixtures/formats"
MV_PER_UNIT = {"uV": 1e-3, "mV": 1.0, "V": 1e3}
# EN 1064 lead numbers of the 12 standard leads (codes "5.6.3-9-N" / "2:N").
LEADS = {1: "I", 2: "II", 61: "III", 62: "aVR", 63: "aVL", 64: "aVF",
         3: "V1", 4: "V2", 5: "V3", 6: "V4", 7: "V5", 8: "V6"}


def text(ds, keyword):
    v = ds.get(keyword)
    return str(v).strip() if v not in (None, "") else None


def make(dcm_name, out_stem, plot=None):
    ds = pydicom.dcmread(FILES / dcm_name)
    groups = list(ds.WaveformSequence)
    index = next(i for i, g in enumerate(groups) if str(g.get("MultiplexGroupLabel", "")).strip() == "RHYTHM")
    g = groups[index]
    values = ds.waveform_array(index)  # (samples, channels), in the channels' sensitivity units
    leads, channels = [], []
    for j, ch in enumerate(g.ChannelDefinitionSequence):
        src = ch.ChannelSourceSequence[0]
        unit = ch.ChannelSensitivityUnitsSequence[0].CodeValue
        number = int(src.CodeValue.split("-")[-1])
        leads.append(LEADS[number])
        channels.append({"code": src.CodeValue, "meaning": src.CodeMeaning, "sensitivity": float(ch.ChannelSensitivity),
                         "correction": float(ch.get("ChannelSensitivityCorrectionFactor", 1.0)),
                         "baseline": float(ch.get("ChannelBaseline", 0.0)), "unit": unit})
        values[:, j] *= MV_PER_UNIT[unit]
    mv = np.ascontiguousarray(values.T.astype("<f4"))
    (OUT / f"{out_stem}.f32").write_bytes(mv.tobytes())
    measurements, statements = [], []
    for a in ds.get("WaveformAnnotationSequence", []):
        if "UnformattedTextValue" in a:
            statements.append(str(a.UnformattedTextValue).strip())
        elif "NumericValue" in a and "ConceptNameCodeSequence" in a:
            unit = a.MeasurementUnitsCodeSequence[0].CodeValue if "MeasurementUnitsCodeSequence" in a else ""
            measurements.append({"meaning": a.ConceptNameCodeSequence[0].CodeMeaning,
                                 "value": float(a.NumericValue), "unit": unit})
    facts = {
        "file": dcm_name, "made_by": f"pydicom {pydicom.__version__} Dataset.waveform_array",
        "sop_class": str(ds.SOPClassUID), "transfer_syntax": str(ds.file_meta.TransferSyntaxUID),
        "groups": [str(x.get("MultiplexGroupLabel", "")) for x in groups], "group_index": index,
        "sample_rate_hz": float(g.SamplingFrequency), "n_samples": int(g.NumberOfWaveformSamples),
        "bits": int(g.WaveformBitsAllocated), "interpretation": str(g.WaveformSampleInterpretation),
        "leads": leads, "channels": channels,
        "first5_lead_I_mv": [float(x) for x in mv[leads.index("I"), :5]],
        "patient": {"name": text(ds, "PatientName"), "id": text(ds, "PatientID"),
                    "birth_date": text(ds, "PatientBirthDate"), "sex": text(ds, "PatientSex"),
                    "age": text(ds, "PatientAge")},
        "manufacturer": text(ds, "Manufacturer"), "model": text(ds, "ManufacturerModelName"),
        "acquisition_date_time": text(ds, "AcquisitionDateTime"),
        "measurements": measurements, "statements": statements,
    }
    (OUT / f"{out_stem}.json").write_text(json.dumps(facts, indent=1) + "\n")
    print(out_stem, facts["sample_rate_hz"], mv.shape, "lead I first 5 mV:", facts["first5_lead_I_mv"],
          "peak |mV|:", float(np.abs(mv).max()))
    if plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        t = np.arange(mv.shape[1]) / facts["sample_rate_hz"]
        fig, axes = plt.subplots(12, 1, figsize=(14, 18), sharex=True)
        for ax, name, y in zip(axes, leads, mv):
            ax.plot(t, y, lw=0.6)
            ax.set_ylabel(f"{name}\nmV")
        axes[-1].set_xlabel("s")
        fig.tight_layout()
        fig.savefig(plot, dpi=60)


if __name__ == "__main__":
    plots = "--plot" in sys.argv
    make("ecgtoolkit-example.dcm", "dicom", "/tmp/dicom-ecgtoolkit.png" if plots else None)
    make("pydicom-waveform_ecg.dcm", "dicom-pydicom-waveform_ecg", "/tmp/dicom-pydicom.png" if plots else None)
