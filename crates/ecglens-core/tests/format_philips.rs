//! The Philips Sierra ECG XML reader against the `sierraecg` 0.4.0 Python package on the two vendored files
//! (tools/reference/make_philips.py writes tests/fixtures/formats/philips_*.json + .f32), then against broken
//! input: wrong document type and version, every truncation, flipped bytes, corrupt Base64, short XLI data.

use ecglens_core::signal::{self, philips, Format, SignalError};

mod common;

use common::{reference, vendored as file};

/// Reads `name` and compares it with the reference `stem`; returns the max |error| in µV over all leads.
fn matches_reference(name: &str, stem: &str) -> signal::Opened {
    let opened = philips::read(name, &file(name)).unwrap();
    let (facts, samples) = reference(stem);
    let record = &opened.record;
    let errors = common::max_error_uv_per_lead(record, &facts, &samples);
    let resolution_mv = facts["resolution_uv"].as_f64().unwrap() / 1000.0;
    for (lead, (_, max_error_uv)) in record.leads.iter().zip(errors) {
        // Bound: 0 µV. Both compute raw × resolution / 1000 in f64 and round to f32 once.
        assert_eq!(max_error_uv, 0.0, "{name} lead {}: max error {max_error_uv} µV", lead.name);
        let first: Vec<i64> =
            lead.samples_mv[..8].iter().map(|v| (f64::from(*v) / resolution_mv).round() as i64).collect();
        let want_first: Vec<i64> =
            facts["raw_first_samples"][&lead.name].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
        assert_eq!(first, want_first, "{name} lead {}: raw units", lead.name);
    }
    // Einthoven, in raw units, over the first 10 s (the last 0.4 s hold the cart's 1 mV calibration pulse in
    // every lead): I + III = II within the small residual the cart stores.
    let raw = |lead: &str, t: usize| (f64::from(record.lead(lead).unwrap().samples_mv[t]) / resolution_mv).round();
    let rate = record.sample_rate_hz as usize;
    let worst = (0..10 * rate).map(|t| (raw("I", t) + raw("III", t) - raw("II", t)).abs()).fold(0.0, f64::max);
    assert!(worst <= 2.0, "{name}: Einthoven off by {worst} units");
    assert_eq!(opened.source.format, Format::PhilipsXml);
    opened
}

fn measurements(opened: &signal::Opened) -> Vec<(String, f64, String)> {
    opened.source.device.measurements.iter().map(|m| (m.name.clone(), m.value, m.unit.clone())).collect()
}

fn m(name: &str, value: f64, unit: &str) -> (String, f64, String) {
    (name.to_string(), value, unit.to_string())
}

#[test]
fn sierra_1_03_xli_matches_sierraecg() {
    let opened = matches_reference("129DYPRG.XML", "philips_129dyprg");
    assert_eq!(opened.source.detail, "SierraECG XML 1.03, XLI compressed");
    let device = &opened.source.device;
    assert_eq!(device.device.as_deref(), Some("Philips HeartstartMRx"));
    assert_eq!(device.acquired.as_deref(), Some("2011-12-01T07:27:34"));
    // From <interpretationmeasurements> (heartrate, meanprint, ...), the rest from <globalmeasurements>.
    assert_eq!(
        measurements(&opened),
        vec![
            m("Heart rate", 41.0, "bpm"),
            m("PR", 151.0, "ms"),
            m("QRS", 135.0, "ms"),
            m("QT", 476.0, "ms"),
            m("QTc", 393.0, "ms"),
            m("P axis", 66.0, "°"),
            m("QRS axis", -21.0, "°"),
            m("T axis", 59.0, "°"),
        ]
    );
    assert_eq!(
        device.statements,
        vec![
            "Sinus bradycardia (rate< 50)",
            "Nonspecific intraventricular conduction delay (QRSd >115mS, not LBBB/RBBB)",
            "Inferior infarct, acute (LCx) (ST>0.10mV, II III aVF, STd V1-V3)",
            ">>> Acute MI <<<",
            "ABNORMAL ECG",
        ]
    );
    let p = &opened.patient;
    assert_eq!((p.name.as_deref(), p.id.as_deref()), (None, Some("1112010721168bdc")));
    assert_eq!((p.age.as_deref(), p.sex.as_deref(), p.birth_date.as_deref()), (Some("50 years"), Some("Male"), None));
    // Identity stays out of everything exportable.
    let exported = format!("{:?} {:?}", opened.source, opened.record.comments);
    assert!(!exported.contains("1112010721168bdc"), "{exported}");
}

#[test]
fn philips_1_04_utf16_xli_matches_sierraecg() {
    let opened = matches_reference("3191723_ZZDEMOPTONLY_1-04_orig.xml", "philips_3191723_zzdemoptonly_1_04_orig");
    assert_eq!(opened.source.detail, "PhilipsECG XML 1.04, XLI compressed");
    let device = &opened.source.device;
    assert_eq!(device.device.as_deref(), Some("Philips PageWriter Touch (Philips Medical Products:860315:A.01.01.01)"));
    assert_eq!(device.acquired.as_deref(), Some("2010-01-19T15:19:22"));
    assert_eq!(
        measurements(&opened),
        vec![
            m("Heart rate", 84.0, "bpm"),
            m("RR", 714.0, "ms"),
            m("P", 148.0, "ms"),
            m("PR", 144.0, "ms"),
            m("QRS", 84.0, "ms"),
            m("QT", 352.0, "ms"),
            m("QTc", 417.0, "ms"),
            m("P axis", 81.0, "°"),
            m("QRS axis", 78.0, "°"),
            m("T axis", 67.0, "°"),
        ]
    );
    assert_eq!(
        device.statements,
        vec![
            "SINUS RHYTHM (normal P axis, V-rate 60-99)",
            "PROBABLE LEFT VENTRICULAR HYPERTROPHY ((RaVL+SV3)xQRSd >280)",
            "ANTERIOR ST ELEVATION, PROBABLY DUE TO LVH (ST >0.20 mV in V1-V4 & LVH)",
            "ABNORMAL ECG",
        ]
    );
    let p = &opened.patient;
    assert_eq!(p.name.as_deref(), Some("ZZDEMOPTONLY, ADULT"));
    assert_eq!(p.id.as_deref(), Some("9999"));
    assert_eq!(p.birth_date.as_deref(), Some("1950-01-01"));
    assert_eq!(p.sex.as_deref(), Some("Male"));
    // Through the dispatcher too: sniffed by content (UTF-16 root element), then validated.
    let via_open = signal::open("x.xml", &file("3191723_ZZDEMOPTONLY_1-04_orig.xml"), &|_| None).unwrap();
    assert_eq!(via_open.record.leads, opened.record.leads);
}

#[test]
fn wrong_document_type_and_version_are_refused_by_name() {
    let e = philips::read("invalid-doc-type.xml", &file("invalid-doc-type.xml")).unwrap_err();
    assert!(matches!(e, SignalError::Malformed { format: "Philips XML", .. }));
    assert_eq!(
        e.to_string(),
        "invalid-doc-type.xml (Philips XML): document type is 'MortaraECG', expected 'SierraECG' or 'PhilipsECG'"
    );
    let e = philips::read("invalid-doc-version.xml", &file("invalid-doc-version.xml")).unwrap_err().to_string();
    assert_eq!(
        e,
        "invalid-doc-version.xml (Philips XML): document version is '1.05'; ecglens reads Sierra ECG XML 1.03, 1.04, 1.04.01, 1.04.02"
    );
}

/// The text of 129DYPRG.XML with its Base64 waveform replaced by `f(base64)`.
fn with_waveform(f: impl Fn(&str) -> String) -> Vec<u8> {
    let text = String::from_utf8(file("129DYPRG.XML")).unwrap();
    let start = text.find("nbitspersample=\"16\">").unwrap() + "nbitspersample=\"16\">".len();
    let end = start + text[start..].find("</parsedwaveforms>").unwrap();
    format!("{}{}{}", &text[..start], f(&text[start..end]), &text[end..]).into_bytes()
}

#[test]
fn corrupt_base64_and_short_xli_data_give_clear_errors() {
    let e = philips::read("f.xml", &with_waveform(|b| b.replacen('A', "#", 1))).unwrap_err().to_string();
    assert!(e.contains("the Base64 waveform data is corrupt at character") && e.contains("'#' is not Base64"), "{e}");
    // The XLI stream cut after 3/4 of its Base64 (whole groups): a lead's chunk runs out.
    let e = philips::read(
        "f.xml",
        &with_waveform(|b| {
            let compact: String = b.chars().filter(|c| !c.is_whitespace()).collect();
            compact[..compact.len() * 3 / 4 / 4 * 4].to_string()
        }),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("the XLI data ends after") && e.contains("the file is truncated"), "{e}");
    // Only a few whole chunks: fewer leads than announced.
    let e = philips::read("f.xml", &with_waveform(|_| String::new())).unwrap_err().to_string();
    assert!(e.contains("the XLI data holds 0 lead(s), the file announces 12"), "{e}");
    // A longer duration than the data holds.
    let longer = String::from_utf8(file("129DYPRG.XML"))
        .unwrap()
        .replace("durationperchannel=\"11000\"", "durationperchannel=\"12000\"");
    let e = philips::read("f.xml", longer.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("decodes to 5500 samples, the file announces 6000"), "{e}");
}

fn survives(name: &str, bytes: &[u8]) {
    if let Ok(opened) = philips::read(name, bytes) {
        assert!(opened.record.validate().is_ok());
    }
}

#[test]
fn every_truncation_fails_cleanly() {
    for name in ["129DYPRG.XML", "3191723_ZZDEMOPTONLY_1-04_orig.xml"] {
        let bytes = file(name);
        for cut in (0..64).chain((1..40).map(|k| bytes.len() * k / 40)) {
            let e = philips::read(name, &bytes[..cut]);
            assert!(e.is_err(), "{name} cut at {cut} of {} was read", bytes.len());
        }
    }
}

#[test]
fn flipped_bytes_never_panic() {
    for name in ["129DYPRG.XML", "3191723_ZZDEMOPTONLY_1-04_orig.xml"] {
        let bytes = file(name);
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..300 {
            let mut copy = bytes.clone();
            for _ in 0..4 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state % copy.len() as u64) as usize;
                copy[at] ^= 1 << (state >> 61);
            }
            survives(name, &copy);
        }
    }
    // Flips inside the decoded XLI stream itself (re-encoded as valid Base64).
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    for k in 0..200usize {
        let bytes = with_waveform(|b| {
            let compact: String = b.chars().filter(|c| !c.is_whitespace()).collect();
            let mut data = b64.decode(compact).unwrap();
            let at = (k * 7919) % data.len();
            data[at] ^= 1 << (k % 8);
            b64.encode(data)
        });
        survives("f.xml", &bytes);
    }
}
