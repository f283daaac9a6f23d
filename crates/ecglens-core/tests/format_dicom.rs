//! The DICOM waveform reader against real files, checked with pydicom's values (tools/reference/make_dicom.py).

use std::path::PathBuf;

use ecglens_core::signal::{self, Format, Opened};

mod common;

use common::{fixtures as files, reference as fixture};

fn open(name: &str) -> (Vec<u8>, Opened) {
    let bytes = std::fs::read(files().join("files").join(name)).unwrap();
    let opened = signal::open::read_as(Format::Dicom, name, &bytes).unwrap();
    (bytes, opened)
}

/// Asserts names, rate, length and the samples within `max_error_uv` of pydicom's; returns the worst error (µV).
fn compare(stem: &str, opened: &Opened, max_error_uv: f64) -> f64 {
    let (facts, reference) = fixture(stem);
    let mut worst = 0.0f64;
    for (lead, error_uv) in common::max_error_uv_per_lead(&opened.record, &facts, &reference) {
        assert!(error_uv <= max_error_uv, "{stem} lead {lead}: max error {error_uv} µV");
        worst = worst.max(error_uv);
    }
    worst
}

fn measurement(opened: &Opened, name: &str) -> Option<(f64, String)> {
    opened.source.device.measurements.iter().find(|m| m.name == name).map(|m| (m.value, m.unit.clone()))
}

#[test]
fn ecgtoolkit_example_matches_pydicom() {
    let (_, opened) = open("ecgtoolkit-example.dcm");
    // Sensitivity 2.5 µV: values are multiples of 0.0025 mV, exact in f32 to well under 0.001 µV.
    let worst = compare("dicom", &opened, 0.001);
    assert!(worst <= 0.001);
    let (facts, _) = fixture("dicom");
    let first5: Vec<f32> =
        facts["first5_lead_I_mv"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
    assert_eq!(&opened.record.lead("I").unwrap().samples_mv[..5], &first5[..]);
    let s = &opened.source;
    assert_eq!(s.format, Format::Dicom);
    assert_eq!(s.detail, "12-lead ECG waveform, Implicit VR Little Endian, 16-bit Signed16 samples");
    assert_eq!(s.device.device.as_deref(), Some("Unknown ELI250"));
    assert_eq!(s.device.acquired.as_deref(), Some("2002-11-22T09:10:00"));
    assert_eq!(measurement(&opened, "PR"), Some((148.0, "ms".into())));
    assert_eq!(measurement(&opened, "QRS"), Some((120.0, "ms".into())));
    assert_eq!(measurement(&opened, "QT"), Some((420.0, "ms".into())));
    assert_eq!(measurement(&opened, "QTc"), Some((443.0, "ms".into())));
    assert_eq!(measurement(&opened, "P axis"), Some((44.0, "°".into())));
    assert_eq!(measurement(&opened, "QRS axis"), Some((-61.0, "°".into())));
    assert_eq!(measurement(&opened, "T axis"), Some((86.0, "°".into())));
    assert_eq!(s.device.measurements.len(), 7);
    assert!(s.device.statements.is_empty());
    // The file states its axes in "ms": read as degrees, and said so.
    assert!(s.warnings.iter().any(|w| w.contains("P axis in 'ms'")), "{:?}", s.warnings);
    let p = &opened.patient;
    assert_eq!(p.name.as_deref(), Some("Clark"));
    assert_eq!(p.id.as_deref(), Some("SBJ-123"));
    assert_eq!(p.birth_date.as_deref(), Some("1953-05-08"));
    assert_eq!(p.sex.as_deref(), Some("M"));
    assert_eq!(p.age, None);
    assert!(opened.record.comments.iter().any(|c| c.contains("'RHYTHM' (1 of 2); not read: 'MEDIAN BEAT'")));
    // identity nowhere else
    let elsewhere = format!("{:?}{:?}", opened.source, opened.record.comments);
    assert!(!elsewhere.contains("Clark") && !elsewhere.contains("SBJ-123"));
}

#[test]
fn pydicom_mortara_example_matches_pydicom() {
    let (_, opened) = open("pydicom-waveform_ecg.dcm");
    compare("dicom-pydicom-waveform_ecg", &opened, 0.001);
    let s = &opened.source;
    assert_eq!(s.detail, "12-lead ECG waveform, Explicit VR Little Endian, 16-bit Signed16 samples");
    assert_eq!(s.device.device.as_deref(), Some("Mortara Instrument, Inc. el250"));
    assert_eq!(s.device.acquired.as_deref(), Some("2013-01-25T10:59:19"));
    assert_eq!(s.device.statements, vec!["RITMO SINUSALE", "ECG NORMALE"]);
    assert_eq!(measurement(&opened, "RR"), Some((982.0, "ms".into())));
    assert_eq!(measurement(&opened, "PP Interval"), Some((0.0, "ms".into())));
    assert_eq!(measurement(&opened, "PR"), Some((161.0, "ms".into())));
    assert_eq!(measurement(&opened, "QRS"), Some((75.0, "ms".into())));
    assert_eq!(measurement(&opened, "QT"), Some((368.0, "ms".into())));
    assert_eq!(measurement(&opened, "QTc"), Some((370.0, "ms".into())));
    assert_eq!(measurement(&opened, "P axis"), Some((74.0, "°".into())));
    assert_eq!(measurement(&opened, "QRS axis"), Some((52.0, "°".into())));
    assert_eq!(measurement(&opened, "T axis"), Some((57.0, "°".into())));
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let p = &opened.patient;
    assert_eq!(
        (p.name.as_deref(), p.id.as_deref(), p.birth_date.as_deref(), p.sex.as_deref(), p.age.as_deref()),
        (Some("Anonymous"), Some("642341"), Some("1971-01-23"), Some("F"), Some("042Y"))
    );
}

#[test]
#[ignore = "needs ../shared/data"]
fn shared_copy_is_the_vendored_file() {
    // ../shared/data/formats/dicom holds the same ECGToolkit example; the vendored copy is what the tests read.
    let shared =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/formats/dicom/ecgtoolkit-example.dcm");
    let bytes = std::fs::read(&shared).unwrap_or_else(|e| panic!("{}: {e}", shared.display()));
    assert_eq!(bytes, std::fs::read(files().join("files/ecgtoolkit-example.dcm")).unwrap());
}

fn read(bytes: &[u8]) -> Result<Opened, signal::SignalError> {
    signal::dicom::read("bad.dcm", bytes)
}

#[test]
fn every_truncation_is_refused_or_valid_never_a_panic() {
    for name in ["ecgtoolkit-example.dcm", "pydicom-waveform_ecg.dcm"] {
        let (bytes, _) = open(name);
        let mut cuts: Vec<usize> = (0..=64).collect();
        cuts.extend((1..40).map(|i| bytes.len() * i / 40));
        cuts.extend([bytes.len() - 1, bytes.len() - 2, bytes.len() - 100]);
        for cut in cuts {
            if let Ok(opened) = read(&bytes[..cut]) {
                assert!(opened.record.validate().is_ok(), "{name} cut at {cut}");
            }
        }
        // Cut inside the waveform data: the message says it is truncated, with byte counts.
        let e = read(&bytes[..bytes.len() / 2]).unwrap_err().to_string();
        assert!(e.starts_with("bad.dcm (DICOM): "), "{e}");
        assert!(e.contains("truncated"), "{name}: {e}");
    }
}

#[test]
fn flipped_bytes_never_panic() {
    for name in ["ecgtoolkit-example.dcm", "pydicom-waveform_ecg.dcm"] {
        let (bytes, _) = open(name);
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..300 {
            let mut damaged = bytes.clone();
            for _ in 0..4 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state % damaged.len() as u64) as usize;
                damaged[at] ^= (state >> 32) as u8 | 1;
            }
            if let Ok(opened) = read(&damaged) {
                assert!(opened.record.validate().is_ok());
            }
        }
        // Every byte of the header region, one at a time, set to 0xFF.
        for at in 128..bytes.len().min(2000) {
            let mut damaged = bytes.clone();
            damaged[at] = 0xFF;
            if let Ok(opened) = read(&damaged) {
                assert!(opened.record.validate().is_ok());
            }
        }
    }
}

#[test]
fn messages_say_what_is_wrong() {
    let e = read(b"not a dicom file at all").unwrap_err().to_string();
    assert_eq!(e, "bad.dcm (DICOM): the 'DICM' marker at byte 128 is missing: this is not a DICOM file");
    let (bytes, _) = open("ecgtoolkit-example.dcm");
    let e = read(&bytes[..bytes.len() - 10]).unwrap_err().to_string();
    assert!(e.contains("truncated"), "{e}");
}
