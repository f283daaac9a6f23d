//! The GE MUSE XML reader on a real file (BRAVEHEART's `example1.xml`, GPL-3.0, not vendored: read from
//! `../shared/data/formats/muse/` beside the clone, so those tests are `#[ignore]`d without it), against the
//! values independent readers (Python's stdlib xml.etree + base64 + struct, and the muse2wfdb package) wrote into
//! `tests/fixtures/formats/muse.json` / `muse.f32` (`tools/reference/make_muse.py`); then, on a small synthetic
//! MUSE document built here (runs everywhere): identity, statements, broken inputs and their messages.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use ecglens_core::signal::source::measurement;
use ecglens_core::signal::{muse, open, Format, SignalError};
use serde_json::Value;

mod common;

fn shared_file() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("../shared/data/formats/muse/example1.xml")
}

/// The GPL sample from `../shared/data`. Missing: the test is skipped with a note, but fails when
/// `ECGLENS_REQUIRE_SHARED_DATA=1` (CI) demands the shared data.
fn shared_sample() -> Option<Vec<u8>> {
    match std::fs::read(shared_file()) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            let message = format!("this test needs {} ({e})", shared_file().display());
            assert!(std::env::var("ECGLENS_REQUIRE_SHARED_DATA").as_deref() != Ok("1"), "{message}");
            eprintln!("skipped: {message}");
            None
        }
    }
}

fn reference() -> (Value, Vec<f32>) {
    common::reference("muse")
}

const TWELVE: [&str; 12] = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"];

#[test]
#[ignore = "needs ../shared/data"]
fn the_sample_matches_the_independent_readers() {
    let Some(bytes) = shared_sample() else { return };
    let (json, reference) = reference();
    let opened = open::open("example1.xml", &bytes, &|_| None).unwrap();
    let record = &opened.record;
    assert_eq!(opened.source.format, Format::MuseXml);
    assert_eq!(record.name, "example1");
    assert_eq!(record.sample_rate_hz, json["sample_rate_hz"].as_f64().unwrap());
    assert_eq!(record.sample_rate_hz, 500.0);
    let n = json["n_samples"].as_u64().unwrap() as usize;
    assert_eq!((n, record.n_samples()), (5000, 5000));
    let names: Vec<&str> = record.leads.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, TWELVE);
    // The stated counts: 5,000 samples and 10,000 bytes per stored lead, all CRCs over the decoded bytes.
    let stored = json["stored_leads"].as_array().unwrap();
    assert_eq!(stored.len(), 8);
    for s in stored {
        assert_eq!((s["sample_count"].as_u64(), s["byte_count"].as_u64()), (Some(5000), Some(10000)));
        assert_eq!(s["decoded_bytes"], s["byte_count"]);
        assert_eq!(s["crc32_stated"], s["crc32_of_decoded_bytes"], "{}", s["lead"]);
        assert_eq!((s["units_per_bit"].as_f64(), s["units"].as_str()), (Some(4.88), Some("MICROVOLTS")));
    }
    // Bound: 0.001 µV per lead, derived leads included (values are multiples of 4.88 µV; the difference is f32
    // rounding of the reference's float64).
    let order: Vec<&str> = json["leads"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    for lead in &record.leads {
        let k = order.iter().position(|&o| o == lead.name).unwrap();
        let want = &reference[k * n..(k + 1) * n];
        let max_uv = lead.samples_mv.iter().zip(want).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max) * 1000.0;
        println!("lead {}: max |error| {max_uv:.6} µV", lead.name);
        assert!(max_uv <= 0.001, "lead {}: max |error| {max_uv} µV", lead.name);
    }
    let peak = record.leads.iter().flat_map(|l| &l.samples_mv).fold(0.0f32, |m, v| m.max(v.abs()));
    assert!((peak as f64 - json["peak_abs_mv"].as_f64().unwrap()).abs() < 1e-6 && (1.0..3.0).contains(&peak));

    assert_eq!(opened.source.detail, "MUSE 9.0.7.17363, rhythm waveform of 8 leads (Base64 int16)");
    assert_eq!(opened.source.warnings.len(), 1, "{:?}", opened.source.warnings);
    assert!(opened.source.warnings[0].starts_with("ecglens: lead(s) III, aVR, aVL, aVF derived from I and II"));
    assert_eq!(record.comments, opened.source.warnings);

    let device = &opened.source.device;
    assert_eq!(device.device.as_deref(), Some("cart SKJ18310123PA"));
    assert_eq!(json["pharma_cart_id"], "SKJ18310123PA");
    assert_eq!(json["test_demographics"], false);
    assert_eq!(device.acquired, None);
    let m = &json["measurements"];
    let want = [
        (measurement::HEART_RATE, "VentricularRate", "bpm", 48.0),
        ("Atrial rate", "AtrialRate", "bpm", 48.0),
        (measurement::PR, "PRInterval", "ms", 138.0),
        (measurement::QRS, "QRSDuration", "ms", 96.0),
        (measurement::QT, "QTInterval", "ms", 452.0),
        (measurement::QTC, "QTCorrected", "ms", 403.0),
        ("QTcF (Fridericia)", "QTcFrederica", "ms", 419.0),
        (measurement::P_AXIS, "PAxis", "°", 51.0),
        (measurement::QRS_AXIS, "RAxis", "°", 20.0),
        (measurement::T_AXIS, "TAxis", "°", 40.0),
    ];
    assert_eq!(device.measurements.len(), want.len() + 1, "{:?}", device.measurements);
    for (got, (name, tag, unit, value)) in device.measurements.iter().zip(want) {
        assert_eq!((got.name.as_str(), got.unit.as_str(), got.value), (name, unit, value));
        assert_eq!(got.value, m[tag].as_f64().unwrap(), "{name}");
    }
    let rr = device.measurements.last().unwrap();
    assert_eq!((rr.name.as_str(), rr.value, rr.unit.as_str()), (measurement::RR, 1242.0, "ms"));
    assert_eq!(json["global_rr_ms"], 1242.0);
    // The sample is anonymised: no diagnosis, no patient demographics.
    assert!(device.statements.is_empty() && json["statements"].as_array().unwrap().is_empty());
    assert!(opened.patient.is_empty() && json["patient"].as_object().unwrap().is_empty());
}

#[test]
#[ignore = "needs ../shared/data"]
fn the_sample_survives_truncation_and_flipped_bytes() {
    let Some(bytes) = shared_sample() else { return };
    every_truncation_fails_cleanly(&bytes);
    flipped_bytes_never_panic(&bytes, 200);
}

/// A small MUSE document: 8 leads (I, II, V1–V6) of `n` samples in Base64 int16, with patient, test
/// demographics, measurements and a diagnosis.
fn synthetic(n: usize) -> String {
    let mut leads = String::new();
    for (k, id) in ["I", "II", "V1", "V2", "V3", "V4", "V5", "V6"].iter().enumerate() {
        let bytes: Vec<u8> = (0..n)
            .flat_map(|i| (((i * 37 + k * 11) % 400) as i16 - 200 + if i % 50 == 0 { 250 } else { 0 }).to_le_bytes())
            .collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let wrapped: Vec<String> = b64.as_bytes().chunks(64).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
        leads.push_str(&format!(
            "<LeadData>\n<LeadByteCountTotal>{}</LeadByteCountTotal>\n<LeadSampleCountTotal>{n}</LeadSampleCountTotal>\n\
             <LeadAmplitudeUnitsPerBit>4.88</LeadAmplitudeUnitsPerBit>\n<LeadAmplitudeUnits>MICROVOLTS</LeadAmplitudeUnits>\n\
             <LeadID>{id}</LeadID>\n<LeadSampleSize>2</LeadSampleSize>\n<LeadDataCRC32>{}</LeadDataCRC32>\n\
             <WaveFormData>\n{}\n</WaveFormData>\n</LeadData>\n",
            bytes.len(),
            crc32(&bytes),
            wrapped.join("\n")
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<!DOCTYPE RestingECG SYSTEM \"restecg.dtd\">\n<RestingECG>\n\
         <MuseInfo><MuseVersion>8.0.2.10132</MuseVersion></MuseInfo>\n\
         <PatientDemographics><PatientID>PX-0042</PatientID><PatientAge>71</PatientAge><AgeUnits>YEARS</AgeUnits>\
         <DateofBirth>02-29-1952</DateofBirth><Gender>FEMALE</Gender><PatientLastName>M\u{fc}LLER</PatientLastName>\
         <PatientFirstName>ANNA</PatientFirstName></PatientDemographics>\n\
         <TestDemographics><DataType>RESTING</DataType><AcquisitionDevice>MAC55</AcquisitionDevice>\
         <Location>12</Location><AcquisitionTime>08:15:02</AcquisitionTime><AcquisitionDate>11-12-2018</AcquisitionDate>\
         <AcquisitionSoftwareVersion>009C</AcquisitionSoftwareVersion></TestDemographics>\n\
         <RestingECGMeasurements><VentricularRate>72</VentricularRate><PRInterval>160</PRInterval>\
         <QRSDuration>88</QRSDuration><QTInterval>380</QTInterval><QTCorrected>416</QTCorrected>\
         <PAxis>60</PAxis><RAxis>-15</RAxis><TAxis>45</TAxis></RestingECGMeasurements>\n\
         <Diagnosis><Modality>RESTING</Modality>\
         <DiagnosisStatement><StmtFlag>ENDSLINE</StmtFlag><StmtText>Normal sinus rhythm</StmtText></DiagnosisStatement>\
         <DiagnosisStatement><StmtText>Left axis deviation</StmtText></DiagnosisStatement>\
         <DiagnosisStatement><StmtFlag>ENDSLINE</StmtFlag><StmtText>&amp; low voltage</StmtText></DiagnosisStatement>\
         <DiagnosisStatement><StmtFlag>ENDSLINE</StmtFlag><StmtText>Borderline ECG</StmtText></DiagnosisStatement>\
         </Diagnosis>\n\
         <Waveform><WaveformType>Median</WaveformType><SampleBase>500</SampleBase></Waveform>\n\
         <Waveform><WaveformType>Rhythm</WaveformType><NumberofLeads>8</NumberofLeads><SampleBase>500</SampleBase>\
         <SampleExponent>0</SampleExponent>\n{leads}</Waveform>\n</RestingECG>\n"
    )
}

/// ISO-8859-1 bytes of the synthetic document (its one non-ASCII letter, ü, as one byte).
fn latin1(text: &str) -> Vec<u8> {
    text.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect()
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn a_synthetic_document_reads_with_identity_statements_and_device() {
    let bytes = latin1(&synthetic(1000));
    let opened = open::open("synth.xml", &bytes, &|_| None).unwrap();
    let r = &opened.record;
    assert_eq!(opened.source.format, Format::MuseXml);
    assert_eq!((r.sample_rate_hz, r.n_samples()), (500.0, 1000));
    let names: Vec<&str> = r.leads.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, TWELVE);
    // Sample 1 of lead II (k = 1): (37 + 11) % 400 - 200 = -152 units of 4.88 µV.
    assert!((r.leads[1].samples_mv[1] - (-152.0 * 0.00488)).abs() < 1e-6);
    let (one, two) = (r.leads[0].samples_mv[7], r.leads[1].samples_mv[7]);
    assert!((r.leads[3].samples_mv[7] - (-(one + two) / 2.0)).abs() < 1e-6, "aVR");
    assert_eq!(opened.source.warnings.len(), 1, "{:?}", opened.source.warnings);

    let d = &opened.source.device;
    assert_eq!(d.device.as_deref(), Some("MAC55 (software 009C) at location 12"));
    assert_eq!(d.acquired.as_deref(), Some("2018-11-12T08:15:02"));
    assert_eq!(d.statements, ["Normal sinus rhythm", "Left axis deviation & low voltage", "Borderline ECG"]);
    let m: Vec<(&str, f64)> = d.measurements.iter().map(|m| (m.name.as_str(), m.value)).collect();
    assert_eq!(
        m,
        [
            (measurement::HEART_RATE, 72.0),
            (measurement::PR, 160.0),
            (measurement::QRS, 88.0),
            (measurement::QT, 380.0),
            (measurement::QTC, 416.0),
            (measurement::P_AXIS, 60.0),
            (measurement::QRS_AXIS, -15.0),
            (measurement::T_AXIS, 45.0),
        ]
    );
    let p = &opened.patient;
    assert_eq!(p.name.as_deref(), Some("MüLLER, ANNA"));
    assert_eq!(p.id.as_deref(), Some("PX-0042"));
    assert_eq!(p.birth_date.as_deref(), Some("1952-02-29"));
    assert_eq!(p.sex.as_deref(), Some("FEMALE"));
    assert_eq!(p.age.as_deref(), Some("71 years"));
    // Identity stays out of everything exportable.
    let exported = format!("{:?}{:?}", opened.source, r.comments);
    for field in ["LLER", "ANNA", "PX-0042", "1952", "FEMALE"] {
        assert!(!exported.contains(field), "{field} leaked");
    }
    // Without Diagnosis, OriginalDiagnosis is read.
    let text =
        synthetic(100).replace("<Diagnosis>", "<OriginalDiagnosis>").replace("</Diagnosis>", "</OriginalDiagnosis>");
    let o = muse::read("o.xml", &latin1(&text)).unwrap();
    assert_eq!(o.source.device.statements.len(), 3);
}

fn every_truncation_fails_cleanly(bytes: &[u8]) {
    for cut in common::cut_points(bytes.len()) {
        match muse::read("t.xml", &bytes[..cut]) {
            Ok(o) => assert!(o.record.validate().is_ok(), "cut {cut}"),
            Err(e) => assert!(e.to_string().starts_with("t.xml"), "cut {cut}: the message names the file: {e}"),
        }
    }
    let e = muse::read("t.xml", &bytes[..bytes.len() / 2]).unwrap_err().to_string();
    assert!(e.contains("t.xml (GE MUSE XML)") && e.contains("the file is truncated"), "{e}");
}

fn flipped_bytes_never_panic(bytes: &[u8], rounds: usize) {
    for b in common::flipped(bytes, rounds) {
        if let Ok(o) = muse::read("f.xml", &b) {
            assert!(o.record.validate().is_ok());
        }
    }
}

#[test]
fn truncations_and_flipped_bytes_never_panic() {
    let bytes = latin1(&synthetic(500));
    every_truncation_fails_cleanly(&bytes);
    flipped_bytes_never_panic(&bytes, 300);
}

#[test]
fn broken_files_say_what_is_wrong() {
    let text = synthetic(200);
    let msg = |t: &str| muse::read("b.xml", &latin1(t)).unwrap_err().to_string();
    // Another document type.
    let e = msg(&text.replace("RestingECG>", "StressECG>"));
    assert!(
        e.contains("b.xml (GE MUSE XML)") && e.contains("document type is 'StressECG', expected 'RestingECG'"),
        "{e}"
    );
    // Only the median beat.
    let e = msg(&text.replace("<WaveformType>Rhythm", "<WaveformType>Median"));
    assert!(e.contains("no Rhythm waveform, only Median, Median: ecglens reads the rhythm strip"), "{e}");
    // Corrupt Base64 in lead V3: the first character of its data (after the newline) becomes '*'.
    let at = text.find("<LeadID>V3</LeadID>").unwrap();
    let data = at + text[at..].find("<WaveFormData>\n").unwrap() + "<WaveFormData>\n".len();
    let mut broken = text.clone();
    broken.replace_range(data + 5..data + 6, "*");
    let e = msg(&broken);
    assert!(
        e.contains("the Base64 waveform data of lead V3 is corrupt at character 7 ('*' is not Base64 there)"),
        "{e}"
    );
    // Lead V2's data cut short (whole groups removed), its header still promising 400 bytes.
    let at = text.find("<LeadID>V2</LeadID>").unwrap();
    let data = at + text[at..].find("<WaveFormData>\n").unwrap() + "<WaveFormData>\n".len();
    let mut short = text.clone();
    short.replace_range(data..data + 65, "");
    let e = msg(&short);
    assert!(e.contains("the waveform data of lead V2 ends after 352 of 400 bytes: the file is truncated"), "{e}");
    // An unknown amplitude unit.
    let e = msg(&text.replacen("MICROVOLTS", "MMHG", 1));
    assert!(e.contains("lead I: the amplitude unit is 'MMHG', which is not a voltage unit"), "{e}");
    // No sampling rate.
    let e = msg(&text.replace(
        "<SampleBase>500</SampleBase>\
         <SampleExponent>0</SampleExponent>",
        "",
    ));
    assert!(e.contains("the rhythm waveform has no <SampleBase>: the sampling rate is unknown"), "{e}");
    // Leads of unequal length.
    let e = msg(&text.replacen("<LeadSampleCountTotal>200<", "<LeadSampleCountTotal>199<", 2).replacen(
        "<LeadSampleCountTotal>199<",
        "<LeadSampleCountTotal>200<",
        1,
    ));
    assert!(e.contains("lead II has 199 samples but lead I has 200"), "{e}");
    // Truncated XML.
    let e = msg(&text[..text.rfind("</Waveform>").unwrap()]);
    assert!(e.contains("the document ends inside <Waveform>: the file is truncated"), "{e}");
    assert!(matches!(muse::read("b.xml", b"\xff\xfe<"), Err(SignalError::Malformed { format: "GE MUSE XML", .. })));
}

#[test]
fn a_checksum_mismatch_is_a_warning() {
    let text = synthetic(200);
    let at = text.find("<LeadID>V5</LeadID>").unwrap();
    let crc_at = at + text[at..].find("<LeadDataCRC32>").unwrap() + "<LeadDataCRC32>".len();
    let mut bad = text.clone();
    bad.replace_range(crc_at..crc_at + 1, if &text[crc_at..crc_at + 1] == "1" { "2" } else { "1" });
    let o = muse::read("c.xml", &latin1(&bad)).unwrap();
    let w: Vec<&String> = o.source.warnings.iter().filter(|w| w.contains("CRC-32")).collect();
    assert_eq!(w.len(), 1, "{:?}", o.source.warnings);
    assert!(
        w[0].contains("the checksum (CRC-32) of lead V5 does not match its data") && w[0].contains("may be corrupt")
    );
    assert_eq!(o.record.leads.len(), 12);
}
