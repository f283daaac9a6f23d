//! The HL7 aECG reader on a real file (the HL7 Implementation Guide sample, from ECGToolkit), against the values
//! an independent reader (Python's xml.etree: origin + scale × digits) wrote into
//! `tests/fixtures/formats/aecg.json` / `aecg.f32` (`tools/reference/make_aecg.py`); then broken inputs.

use ecglens_core::signal::source::measurement;
use ecglens_core::signal::{aecg, open, Format, SignalError};
use serde_json::Value;

mod common;

fn sample() -> Vec<u8> {
    common::vendored("ecgtoolkit-example.xml")
}

fn reference() -> (Value, Vec<f32>) {
    common::reference("aecg")
}

#[test]
fn the_sample_matches_the_independent_reader() {
    let (json, reference) = reference();
    let opened = open::open("ecgtoolkit-example.xml", &sample(), &|_| None).unwrap();
    let record = &opened.record;
    assert_eq!(opened.source.format, Format::Hl7Aecg);
    assert_eq!(record.name, "ecgtoolkit-example");
    assert_eq!(record.sample_rate_hz, json["sample_rate_hz"].as_f64().unwrap());
    let n = json["n_samples"].as_u64().unwrap() as usize;
    assert_eq!(record.n_samples(), n);
    let names: Vec<&str> = record.leads.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["I", "II", "V1", "V2", "V3", "V4", "V5", "V6", "III", "aVR", "aVL", "aVF"]);
    assert_eq!(json["lead_codes"].as_array().unwrap().len(), 12);
    // Bound: 0.01 µV (the values are multiples of 2.5 µV; f32 rounding of a few mV is far below that).
    for (k, lead) in record.leads.iter().enumerate() {
        let want = &reference[k * n..(k + 1) * n];
        let max_uv = lead.samples_mv.iter().zip(want).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max) * 1000.0;
        assert!(max_uv <= 0.01, "lead {}: max |error| {max_uv} µV", lead.name);
    }
    assert_eq!(opened.source.detail, "HL7 aECG, rhythm series of 12 sequences (SLIST_PQ)");
    assert!(opened.source.warnings.is_empty(), "{:?}", opened.source.warnings);
    assert_eq!(record.comments, ["Subject felt dizzy 2 minutes prior to ECG collection"]);

    let device = &opened.source.device;
    assert_eq!(device.device.as_deref(), Some("Mortara Instrument, Inc. ELI250 (software 5.3)"));
    assert_eq!(json["device"]["model"], "ELI250");
    assert_eq!(device.acquired.as_deref(), Some("2002-11-22T09:10:00"));
    assert_eq!(json["acquired"], "20021122091000");
    let m = &json["measurements"];
    let want = [
        (measurement::P_DURATION, "MDC_ECG_TIME_PD_P", "ms"),
        (measurement::PR, "MDC_ECG_TIME_PD_PR", "ms"),
        (measurement::QRS, "MDC_ECG_TIME_PD_QRS", "ms"),
        (measurement::QT, "MDC_ECG_TIME_PD_QT", "ms"),
        (measurement::QTC, "MDC_ECG_TIME_PD_QTc", "ms"),
        (measurement::P_AXIS, "MDC_ECG_ANGLE_P_FRONT", "°"),
        (measurement::QRS_AXIS, "MDC_ECG_ANGLE_QRS_FRONT", "°"),
        (measurement::T_AXIS, "MDC_ECG_ANGLE_T_FRONT", "°"),
    ];
    assert_eq!(device.measurements.len(), want.len(), "{:?}", device.measurements);
    for (got, (name, code, unit)) in device.measurements.iter().zip(want) {
        assert_eq!((got.name.as_str(), got.unit.as_str()), (name, unit));
        assert_eq!(got.value, m[code][0].as_f64().unwrap(), "{name}");
    }
    assert_eq!(device.measurements[2].value, 120.0);
    assert_eq!(device.measurements[6].value, -61.0);
    assert_eq!(device.statements, ["Sinus Rhythm"]);
    assert_eq!(json["statements"][0], "Sinus Rhythm");

    let p = &opened.patient;
    assert_eq!(p.id.as_deref(), json["patient"]["id"].as_str());
    assert_eq!(p.name.as_deref(), Some("Clark"));
    assert_eq!(p.sex.as_deref(), Some("M"));
    assert_eq!(p.birth_date.as_deref(), Some("1953-05-08"));
    assert_eq!(json["patient"]["birth_time"], "19530508");
    assert_eq!(p.age.as_deref(), Some("46 years"));
    // Identity stays out of everything exportable.
    let exported = format!("{:?}{:?}", opened.source, record.comments);
    for field in ["Clark", "SBJ-123", "19530508", "1953-05-08"] {
        assert!(!exported.contains(field), "{field} leaked");
    }
}

#[test]
fn utf16_is_read_like_utf8() {
    let text = String::from_utf8(sample()).unwrap().replacen("encoding=\"utf-8\"", "encoding=\"UTF-16\"", 1);
    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let a = aecg::read("a.xml", &sample()).unwrap();
    let b = aecg::read("a.xml", &utf16).unwrap();
    assert_eq!(a.record, b.record);
}

/// Every prefix, at a spread of cut points and the first 64 bytes, is refused (or reads and validates); none panics.
#[test]
fn truncations_never_panic() {
    let bytes = sample();
    for cut in common::cut_points(bytes.len()) {
        match aecg::read("t.xml", &bytes[..cut]) {
            Ok(o) => assert!(o.record.validate().is_ok(), "cut {cut}"),
            Err(e) => assert!(e.to_string().starts_with("t.xml"), "cut {cut}: the message names the file: {e}"),
        }
    }
    let e = aecg::read("t.xml", &bytes[..bytes.len() / 2]).unwrap_err().to_string();
    assert!(e.contains("t.xml (HL7 aECG)") && e.contains("the file is truncated"), "{e}");
}

#[test]
fn flipped_bytes_never_panic() {
    for b in common::flipped(&sample(), 300) {
        if let Ok(o) = aecg::read("f.xml", &b) {
            assert!(o.record.validate().is_ok());
        }
    }
}

#[test]
fn broken_files_say_what_is_wrong() {
    let text = String::from_utf8(sample()).unwrap();
    let msg = |t: &str| aecg::read("b.xml", t.as_bytes()).unwrap_err().to_string();
    // A digit that is not an integer.
    let e = msg(&text.replacen("<digits> -2 -2 -2", "<digits> -2 -2.5 -2", 1));
    assert!(e.contains("lead I: digit 2 ('-2.5') is not an integer"), "{e}");
    // Sequences of unequal length.
    let e = msg(&text.replacen("<digits> -7 -7 -7", "<digits> -7 -7", 1));
    assert!(e.contains("lead II has 4,999 samples but lead I has 5,000"), "{e}");
    // No sampling increment.
    let e = msg(&text.replacen("<increment value=\"0.002\" unit=\"s\"/>", "", 1));
    assert!(e.contains("has no <increment>: the sampling rate is unknown"), "{e}");
    // An unknown unit.
    let e = msg(&text.replacen("<scale value=\"2.5\" unit=\"uV\"/>", "<scale value=\"2.5\" unit=\"mmHg\"/>", 1));
    assert!(e.contains("lead I: the scale has unit 'mmHg', which is not a voltage unit"), "{e}");
    // Only median beats.
    let e = msg(&text.replacen("code=\"RHYTHM\"", "code=\"REPRESENTATIVE_BEAT\"", 1));
    assert!(e.contains("no RHYTHM series, only REPRESENTATIVE_BEAT"), "{e}");
    // Another document type.
    let e = msg(&text.replace("AnnotatedECG", "AnnotatedEEG"));
    assert!(e.contains("document type is 'AnnotatedEEG', expected 'AnnotatedECG'"), "{e}");
    assert!(matches!(aecg::read("b.xml", b"\xff\xfe<"), Err(SignalError::Malformed { format: "HL7 aECG", .. })));
    // A scale that overflows.
    let e = msg(&text.replacen("<scale value=\"2.5\" unit=\"uV\"/>", "<scale value=\"1e308\" unit=\"V\"/>", 1));
    assert!(e.contains("lead I: digit 1 times the scale is beyond any voltage"), "{e}");
}
