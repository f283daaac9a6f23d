//! The SCP-ECG reader against a real file (ECGToolkit's example, SCP-ECG v2.0, default Huffman table, second
//! differences) and the reference values of tools/reference/make_scp.py (BioSig's decoder; the same recording's
//! DICOM and aECG versions agree with it to 0 µV). Then bad input: truncations, flipped bytes, wrong frames.

use ecglens_core::signal::{self, Format, SignalError};
use serde_json::Value;

mod common;

fn example() -> Vec<u8> {
    common::vendored("ecgtoolkit-example.scp")
}

fn reference() -> (Value, Vec<f32>) {
    common::reference("scp")
}

/// Where section 6 (rhythm data) starts in the example (its pointer says byte 3,819, 1-based).
const SECTION6: usize = 0xeea;

/// Bound on |ecglens − BioSig| per sample: both decode the same integers, so only f32 rounding remains.
const MAX_ERROR_UV: f64 = 0.01;

#[test]
fn example_matches_biosig_sample_for_sample() {
    let (json, samples) = reference();
    let o = signal::open::read_as(Format::ScpEcg, "ecgtoolkit-example.scp", &example()).unwrap();
    let r = &o.record;
    assert_eq!(r.name, "ecgtoolkit-example");
    assert_eq!(r.sample_rate_hz, json["sample_rate_hz"].as_f64().unwrap());
    let n = json["n_samples"].as_u64().unwrap() as usize;
    assert_eq!(r.n_samples(), n);
    let names: Vec<&str> = json["lead_names"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let got: Vec<&str> = r.leads.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(got, names);
    assert_eq!(samples.len(), n * names.len());
    for (k, lead) in r.leads.iter().enumerate() {
        let want = &samples[k * n..(k + 1) * n];
        let max_uv = lead
            .samples_mv
            .iter()
            .zip(want)
            .map(|(a, b)| (f64::from(*a) - f64::from(*b)).abs() * 1000.0)
            .fold(0.0, f64::max);
        assert!(max_uv <= MAX_ERROR_UV, "lead {}: max |error| {max_uv} µV", lead.name);
        let first: Vec<f64> =
            json["first_samples_mv"][&lead.name].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        for (a, b) in lead.samples_mv.iter().zip(&first) {
            assert!((f64::from(*a) - b).abs() < 1e-6, "lead {}: {a} vs {b}", lead.name);
        }
    }
    // The cross-check the script made: the aECG and DICOM versions of this recording agree to 0 µV.
    for source in ["aecg", "dicom"] {
        for (lead, diff) in json["cross_check_max_abs_diff_uv"][source].as_object().unwrap() {
            assert_eq!(diff.as_f64(), Some(0.0), "{source} {lead}");
        }
    }
}

#[test]
fn example_device_report_and_patient() {
    let (json, _) = reference();
    let o = signal::scp::read("ecgtoolkit-example.scp", &example()).unwrap();
    assert_eq!(o.source.format, Format::ScpEcg);
    assert_eq!(o.source.detail, "SCP-ECG v2.0, default Huffman table, second differences");
    let dev = &json["device"];
    assert_eq!(
        o.source.device.device.as_deref(),
        Some(format!("{} {}", dev["manufacturer"].as_str().unwrap(), dev["model"].as_str().unwrap()).as_str())
    );
    assert_eq!(o.source.device.acquired.as_deref(), dev["acquired"].as_str());
    let want: Vec<(String, f64, String)> = dev["measurements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap().into(), m["value"].as_f64().unwrap(), m["unit"].as_str().unwrap().into()))
        .collect();
    let got: Vec<(String, f64, String)> =
        o.source.device.measurements.iter().map(|m| (m.name.clone(), m.value, m.unit.clone())).collect();
    assert_eq!(got, want);
    assert!(o.source.device.statements.is_empty());
    // Every CRC of this file is right: no warning.
    assert!(o.source.warnings.is_empty(), "{:?}", o.source.warnings);
    let p = &json["patient"];
    assert_eq!(o.patient.name.as_deref(), p["last_name"].as_str());
    assert_eq!(o.patient.id.as_deref(), p["id"].as_str());
    assert_eq!(o.patient.birth_date.as_deref(), p["birth_date"].as_str());
    assert_eq!(o.patient.sex.as_deref(), p["sex"].as_str());
    assert_eq!(o.patient.age, None); // the file has no age tag
                                     // Identity stays out of everything else.
    let elsewhere = format!("{:?} {:?}", o.source, o.record.comments);
    assert!(!elsewhere.contains("Clark") && !elsewhere.contains("SBJ-123"), "{elsewhere}");
}

#[test]
fn open_sniffs_it() {
    let o = signal::open("x.bin", &example(), &|_| None).unwrap();
    assert_eq!(o.source.format, Format::ScpEcg);
    assert_eq!(o.record.leads.len(), 12);
}

#[test]
fn every_truncation_is_refused_or_valid() {
    let bytes = example();
    let mut cuts: Vec<usize> = (0..=64).collect();
    cuts.extend((1..40).map(|k| k * bytes.len() / 40));
    cuts.push(bytes.len() - 1);
    for cut in cuts {
        match signal::scp::read("t.scp", &bytes[..cut]) {
            Ok(o) => assert!(o.record.validate().is_ok(), "cut {cut}"),
            Err(e) => {
                let m = e.to_string();
                assert!(m.starts_with("t.scp"), "cut {cut}: {m}");
                if cut >= 22 {
                    assert!(m.contains("truncated"), "cut {cut}: {m}");
                }
            }
        }
    }
}

#[test]
fn flipped_bytes_never_panic() {
    let bytes = example();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..400 {
        let mut b = bytes.clone();
        for _ in 0..4 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state as usize) % b.len();
            b[i] ^= (state >> 40) as u8 | 1;
        }
        if let Ok(o) = signal::scp::read("f.scp", &b) {
            assert!(o.record.validate().is_ok());
        }
    }
    // Every byte of the frame (record header, pointers, section headers) flipped in turn.
    for i in 0..0x90 {
        let mut b = bytes.clone();
        b[i] ^= 0xff;
        if let Ok(o) = signal::scp::read("f.scp", &b) {
            assert!(o.record.validate().is_ok());
        }
    }
}

#[test]
fn a_flipped_payload_byte_is_a_crc_warning_or_a_clear_error() {
    let mut b = example();
    // Inside lead I's Huffman stream (section 6 starts at byte 0xeea; its data after 16 + 6 + 24 bytes).
    b[SECTION6 + 46 + 20] ^= 0x10;
    match signal::scp::read("f.scp", &b) {
        Ok(o) => {
            let w = o.source.warnings.join(" | ");
            assert!(w.contains("record's CRC") && w.contains("CRC of section 6 (rhythm data)"), "{w}");
        }
        Err(e) => assert!(e.to_string().contains("lead I"), "{e}"),
    }
}

#[test]
fn error_messages_name_the_problem() {
    let bytes = example();
    let e = signal::scp::read("a.scp", &bytes[..1000]).unwrap_err();
    assert!(matches!(e, SignalError::Malformed { format: "SCP-ECG", .. }));
    assert_eq!(
        e.to_string(),
        "a.scp (SCP-ECG): the file holds 1,000 of the 34,144 bytes its header states: the file is truncated"
    );

    let e = signal::scp::read("a.scp", &bytes[..10]).unwrap_err().to_string();
    assert!(e.contains("too short for an SCP-ECG record"), "{e}");

    // Section 0 is not where it must be.
    let mut b = bytes.clone();
    b[8] = 5;
    let e = signal::scp::read("a.scp", &b).unwrap_err().to_string();
    assert!(e.contains("pointer section (section 0) cannot be read") && e.contains("not section 0"), "{e}");

    // Section 6's pointer moved past the end of the record.
    let mut b = bytes.clone();
    let pointer6 = 6 + 16 + 6 * 10;
    b[pointer6 + 6..pointer6 + 10].copy_from_slice(&40_000u32.to_le_bytes());
    let e = signal::scp::read("a.scp", &b).unwrap_err().to_string();
    assert!(e.contains("section 6 (rhythm data): it should start at byte 39,999"), "{e}");

    // Section 6 absent from the pointer table.
    let mut b = bytes.clone();
    b[pointer6 + 2..pointer6 + 6].copy_from_slice(&0u32.to_le_bytes());
    let e = signal::scp::read("a.scp", &b).unwrap_err().to_string();
    assert!(e.contains("no rhythm data (section 6)"), "{e}");

    // A lead's byte count larger than the section.
    let mut b = bytes.clone();
    b[SECTION6 + 22..SECTION6 + 24].copy_from_slice(&60_000u16.to_le_bytes());
    let e = signal::scp::read("a.scp", &b).unwrap_err().to_string();
    assert!(e.contains("the data of lead I need 60,000 bytes") && e.contains("truncated"), "{e}");

    // A lead shorter than section 3 says: the stream runs out.
    let mut b = bytes.clone();
    let lead1_end = 0x148 + 16 + 2 + 4;
    b[lead1_end..lead1_end + 4].copy_from_slice(&20_000u32.to_le_bytes());
    let e = signal::scp::read("a.scp", &b).unwrap_err().to_string();
    assert!(e.contains("compressed data of lead I end after") && e.contains("of 20,000 samples"), "{e}");
}
