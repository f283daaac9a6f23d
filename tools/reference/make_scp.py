"""Reference values for the SCP-ECG reader (crates/ecglens-core/src/signal/scp/).

Three independent sources, none of them ecglens:

1. BioSig (the C library libbiosig, Debian package `python3-biosig`, 2.5.0; its SCP decoder is
   biosig's `t210/sopen_scp_read.c` + the OpenECG `scp-decode.cpp`). It is not on PyPI as a wheel that builds
   here, so it is run with the system Python (`/usr/bin/python3`, `apt-get install python3-biosig`) in a
   subprocess; its samples (µV) go to the fixture's `.f32`.
2. What the file states, read here with `struct` as plainly as possible: the section 0 pointers, section 3 lead
   codes and sample ranges, section 6 AVM / sample interval / difference flag / byte counts, section 7
   measurements, section 1 tags; plus a minimal decoding of every lead with the default Huffman table (table
   19999) and second differences, written straight from the standard's table, which must agree with BioSig.
3. A cross-check: ECGToolkit's HL7 aECG (`ecgtoolkit-example.xml`, stdlib XML: digits x scale + origin) and
   DICOM (`ecgtoolkit-example.dcm`, pydicom) examples hold the same recording; the max |difference| per lead
   in µV is recorded in the fixture.

Writes tests/fixtures/formats/scp.json and scp.f32 (little-endian f32, lead-major, mV), and a plot in /tmp.
Run: tools/reference/.venv/bin/python tools/reference/make_scp.py
"""

import json
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "tests/fixtures/formats/files"
OUT = ROOT / "tests/fixtures/formats"
SCP = FILES / "ecgtoolkit-example.scp"

LEAD_CODES = {1: "I", 2: "II", 3: "V1", 4: "V2", 5: "V3", 6: "V4", 7: "V5", 8: "V6",
              61: "III", 62: "aVR", 63: "aVL", 64: "aVF"}


def u8(b, o):
    return b[o]


def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def i16(b, o):
    return struct.unpack_from("<h", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def crc_ccitt(data):
    """CRC-CCITT as the standard defines it: polynomial 0x1021, initial value 0xFFFF, no reflection."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def sections(b):
    """Section 0's pointer table: {id: (start offset, length)} of the sections that are present."""
    assert u16(b, 8) == 0, "section 0 must follow the record header"
    length0 = u32(b, 10)
    out = {}
    for o in range(6 + 16, 6 + length0, 10):
        sid, length, index = u16(b, o), u32(b, o + 2), u32(b, o + 6)
        if length > 0 and index > 0:
            out[sid] = (index - 1, length)
    return out


def bits(data):
    for byte in data:
        for k in range(7, -1, -1):
            yield (byte >> k) & 1


def decode_default_huffman(data, n):
    """The standard's default table (19999): 0 -> '0'; +-k (k = 1..8) -> k ones, a zero, a sign bit (1 = negative);
    nine ones then '0' + 8 bits or '1' + 16 bits (two's complement) for any other value."""
    it = bits(data)
    out = []
    while len(out) < n:
        ones = 0
        while ones < 9 and next(it) == 1:
            ones += 1
        if ones == 0:
            out.append(0)
        elif ones < 9:
            out.append(-ones if next(it) == 1 else ones)
        else:
            width = 16 if next(it) == 1 else 8
            v = 0
            for _ in range(width):
                v = (v << 1) | next(it)
            if v >= 1 << (width - 1):
                v -= 1 << width
            out.append(v)
    return out


def undo_differences(d, order):
    x = list(d)
    if order == 1:
        for i in range(1, len(x)):
            x[i] = x[i - 1] + d[i]
    elif order == 2:
        for i in range(2, len(x)):
            x[i] = 2 * x[i - 1] - x[i - 2] + d[i]
    return x


def text(raw):
    return raw.split(b"\0")[0].decode("latin-1").strip()


def section1(b, start, length):
    tags = {}
    o = start + 16
    while o + 3 <= start + length:
        tag, ln = b[o], u16(b, o + 1)
        if tag == 255:
            break
        tags.setdefault(tag, b[o + 3:o + 3 + ln])
        o += 3 + ln
    return tags


def biosig_samples_uv():
    code = (
        "import sys, numpy as np, biosig\n"
        "d = biosig.data(sys.argv[1])\n"
        "np.save(sys.argv[2], d)\n"
    )
    tmp = Path("/tmp/ecglens_scp_biosig.npy")
    subprocess.run(["/usr/bin/python3", "-c", code, str(SCP), str(tmp)], check=True, stderr=subprocess.DEVNULL)
    return np.load(tmp).T  # leads x samples, µV


def aecg_rhythm_uv():
    ns = {"h": "urn:hl7-org:v3"}
    root = ET.parse(FILES / "ecgtoolkit-example.xml").getroot()
    out = {}
    for series in root.iter("{urn:hl7-org:v3}series"):
        code = series.find("h:code", ns)
        if code is None or code.get("code") != "RHYTHM":
            continue
        # Only the series' own sequences: the representative beat is a nested series (a derivation) of it.
        for comp in series.findall("h:component/h:sequenceSet/h:component/h:sequence", ns):
            c = comp.find("h:code", ns).get("code")
            if not c.startswith("MDC_ECG_LEAD_"):
                continue
            value = comp.find("h:value", ns)
            origin = float(value.find("h:origin", ns).get("value"))
            scale = float(value.find("h:scale", ns).get("value"))
            assert value.find("h:scale", ns).get("unit") == "uV"
            digits = np.array([float(t) for t in value.find("h:digits", ns).text.split()])
            name = c[len("MDC_ECG_LEAD_"):].replace("AVR", "aVR").replace("AVL", "aVL").replace("AVF", "aVF")
            out[name] = digits * scale + origin
    return out


def dicom_rhythm_uv():
    import pydicom

    ds = pydicom.dcmread(FILES / "ecgtoolkit-example.dcm")
    group = ds.WaveformSequence[0]
    arr = ds.waveform_array(0)  # samples x channels, in the channel sensitivity unit (with correction)
    out = {}
    for k, ch in enumerate(group.ChannelDefinitionSequence):
        meaning = ch.ChannelSourceSequence[0].CodeMeaning
        name = meaning.replace("Lead ", "").split(" ")[0]
        unit = ch.ChannelSensitivityUnitsSequence[0].CodeValue
        factor = {"uV": 1.0, "mV": 1000.0}[unit]
        out[name] = arr[:, k] * factor
    return out, float(group.SamplingFrequency)


def main():
    b = SCP.read_bytes()
    stated_length = u32(b, 2)
    assert stated_length == len(b)
    record_crc_ok = crc_ccitt(b[2:]) == u16(b, 0)
    secs = sections(b)
    section_crc_ok = {sid: crc_ccitt(b[s + 2:s + n]) == u16(b, s) for sid, (s, n) in secs.items()}
    protocol_version = b[6 + 9]

    # Section 3: leads.
    s3, _ = secs[3]
    n_leads, flags = b[s3 + 16], b[s3 + 17]
    leads = []
    for k in range(n_leads):
        o = s3 + 18 + 9 * k
        leads.append({"start": u32(b, o), "end": u32(b, o + 4), "code": b[o + 8]})
    names = [LEAD_CODES[lead["code"]] for lead in leads]
    n_samples = leads[0]["end"] - leads[0]["start"] + 1
    assert all(lead["end"] - lead["start"] + 1 == n_samples for lead in leads)

    # Section 2: Huffman tables (19999 = the default table).
    s2, _ = secs[2]
    n_tables = u16(b, s2 + 16)
    assert n_tables == 19999, "this script decodes the default table only"

    # Section 6: rhythm data.
    s6, _ = secs[6]
    avm_nv, interval_us, difference, bimodal = u16(b, s6 + 16), u16(b, s6 + 18), b[s6 + 20], b[s6 + 21]
    byte_counts = [u16(b, s6 + 22 + 2 * k) for k in range(n_leads)]
    o = s6 + 22 + 2 * n_leads
    plain = []
    for n_bytes in byte_counts:
        raw = decode_default_huffman(b[o:o + n_bytes], n_samples)
        plain.append(np.array(undo_differences(raw, difference), dtype=np.float64) * avm_nv / 1000.0)  # µV
        o += n_bytes
    plain = np.array(plain)
    rate_hz = 1e6 / interval_us

    # BioSig.
    bios = biosig_samples_uv()
    assert bios.shape == plain.shape, (bios.shape, plain.shape)
    plain_vs_biosig_uv = float(np.max(np.abs(bios - plain)))

    # Section 7: global measurements (29999 = not measured).
    s7, n7 = secs[7]
    o = s7 + 16
    n_ref, n_spikes, rr_ms, pp_ms = b[o], b[o + 1], u16(b, o + 2), u16(b, o + 4)
    o += 6
    m = [u16(b, o + 2 * k) for k in range(5)] + [i16(b, o + 10 + 2 * k) for k in range(3)]
    p_on, p_off, qrs_on, qrs_off, t_off, p_axis, qrs_axis, t_axis = m
    o += 16 * n_ref + 4 * n_spikes + 6 * n_spikes
    n_qrs = u16(b, o)
    o += 2 + n_qrs
    vent_rate, atrial_rate, qtc, formula = u16(b, o), u16(b, o + 2), u16(b, o + 4), b[o + 6]
    undefined = 29999

    def ok(*v):
        return all(x != undefined for x in v)

    measurements = []

    def add(name, value, unit):
        measurements.append({"name": name, "value": float(value), "unit": unit})

    if ok(vent_rate) and vent_rate > 0:
        add("Heart rate", vent_rate, "bpm")
    elif ok(rr_ms) and rr_ms > 0:
        add("Heart rate", round(60000.0 / rr_ms, 6), "bpm")
    if ok(rr_ms) and rr_ms > 0:
        add("RR", rr_ms, "ms")
    if ok(p_on, p_off) and p_off > p_on:
        add("P", p_off - p_on, "ms")
    if ok(p_on, qrs_on) and qrs_on > p_on:
        add("PR", qrs_on - p_on, "ms")
    if ok(qrs_on, qrs_off) and qrs_off > qrs_on:
        add("QRS", qrs_off - qrs_on, "ms")
    if ok(qrs_on, t_off) and t_off > qrs_on:
        add("QT", t_off - qrs_on, "ms")
    if ok(qtc) and qtc > 0:
        add("QTc", qtc, "ms")
    for name, v in (("P axis", p_axis), ("QRS axis", qrs_axis), ("T axis", t_axis)):
        if v != undefined:
            add(name, v, "°")

    # Section 1: patient and device.
    s1, n1 = secs[1]
    tags = section1(b, s1, n1)
    dob = tags.get(5)
    t14 = tags[14]
    model = text(t14[8:14])
    strings = t14[36:].split(b"\0")
    manufacturer = strings[4].decode("latin-1")
    acq_date, acq_time = tags[25], tags[26]
    acquired = "%04d-%02d-%02dT%02d:%02d:%02d" % (u16(acq_date, 0), acq_date[2], acq_date[3], *acq_time[:3])

    # Cross-check with the same recording in ECGToolkit's aECG and DICOM examples.
    aecg = aecg_rhythm_uv()
    dicom, dicom_rate = dicom_rhythm_uv()
    cross = {}
    for source, series in (("aecg", aecg), ("dicom", dicom)):
        per_lead = {}
        for k, name in enumerate(names):
            other = series.get(name)
            if other is None:
                continue
            n = min(len(other), n_samples)
            per_lead[name] = round(float(np.max(np.abs(other[:n] - bios[k, :n]))), 3)
        cross[source] = per_lead

    fixture = {
        "file": "files/ecgtoolkit-example.scp",
        "reference": "BioSig 2.5.0 (Debian python3-biosig: libbiosig's SCP decoder), cross-checked by a plain "
        "Python decoding of the default Huffman table in tools/reference/make_scp.py",
        "format": {
            "protocol_version": protocol_version,
            "record_length": stated_length,
            "record_crc_ok": record_crc_ok,
            "section_crc_ok": {str(k): v for k, v in sorted(section_crc_ok.items())},
            "sections": sorted(secs),
            "huffman_tables": n_tables,
            "lead_flags": flags,
            "reference_beat_subtracted": bool(flags & 1),
            "leads": leads,
            "avm_nv": avm_nv,
            "sample_interval_us": interval_us,
            "difference": difference,
            "bimodal": bimodal,
            "byte_counts": byte_counts,
        },
        "sample_rate_hz": rate_hz,
        "n_samples": n_samples,
        "lead_names": names,
        "first_samples_mv": {name: [round(v / 1000.0, 6) for v in plain[k, :8]] for k, name in enumerate(names)},
        "plain_python_vs_biosig_max_uv": plain_vs_biosig_uv,
        "device": {
            "model": model,
            "manufacturer": manufacturer,
            "acquired": acquired,
            "measurements": measurements,
            "statements": [],
        },
        "patient": {
            "last_name": text(tags[0]) if 0 in tags else None,
            "id": text(tags[2]) if 2 in tags else None,
            "birth_date": "%04d-%02d-%02d" % (u16(dob, 0), dob[2], dob[3]) if dob else None,
            "sex": {1: "male", 2: "female"}.get(tags[8][0]) if 8 in tags else None,
        },
        "cross_check_max_abs_diff_uv": cross,
        "cross_check_dicom_rate_hz": dicom_rate,
        "samples_file": "scp.f32",
    }
    (OUT / "scp.json").write_text(json.dumps(fixture, indent=1, ensure_ascii=False) + "\n")
    (bios / 1000.0).astype("<f4").tofile(OUT / "scp.f32")
    print(json.dumps({k: fixture[k] for k in ("sample_rate_hz", "n_samples", "lead_names",
                                              "plain_python_vs_biosig_max_uv", "cross_check_max_abs_diff_uv")},
                     indent=1))
    print(json.dumps(fixture["device"], indent=1, ensure_ascii=False))
    print(json.dumps(fixture["format"]["section_crc_ok"]), record_crc_ok)

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        t = np.arange(n_samples) / rate_hz
        fig, axes = plt.subplots(12, 1, figsize=(14, 18), sharex=True)
        for k, ax in enumerate(axes):
            ax.plot(t, bios[k] / 1000.0, lw=0.6)
            ax.set_ylabel(names[k] + " mV")
        fig.savefig("/tmp/ecglens_scp_reference.png", dpi=70)
    except ImportError:
        print("no matplotlib: no plot", file=sys.stderr)


if __name__ == "__main__":
    main()
