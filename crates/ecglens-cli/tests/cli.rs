//! The native CLI on vendored real records: output format, and a clear non-zero exit on bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn ecglens(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ecglens")).args(args).current_dir(root()).output().unwrap()
}

fn example() -> String {
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("www/examples/index.json")).unwrap()).unwrap();
    index["examples"][0]["file"].as_str().unwrap().to_string()
}

/// A scratch copy of an example record, edited by `edit(header, dat)`.
fn broken_record(name: &str, edit: impl FnOnce(&mut String, &mut Vec<u8>)) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ecglens-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = example();
    let mut header = std::fs::read_to_string(root().join(format!("www/examples/{file}.hea"))).unwrap();
    let mut dat = std::fs::read(root().join(format!("www/examples/{file}.dat"))).unwrap();
    edit(&mut header, &mut dat);
    std::fs::write(dir.join(format!("{file}.hea")), header).unwrap();
    std::fs::write(dir.join(format!("{file}.dat")), dat).unwrap();
    dir.join(format!("{file}.hea"))
}

#[test]
fn explain_writes_one_row_per_original_sample_and_layer() {
    let file = example();
    let hea = format!("www/examples/{file}.hea");
    let logits = std::env::temp_dir().join(format!("ecglens-cli-{}-logits.json", std::process::id()));
    let out = ecglens(&["explain", &hea, "--logits", logits.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("record,layer,sample,time_s,cluster,entropy"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let atlas: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("www/models/default.atlas.json")).unwrap()).unwrap();
    let layers = atlas["layers"].as_array().unwrap();
    // PTB-XL high-resolution records: 5000 samples at 500 Hz, 3 layers.
    assert_eq!(rows.len(), 5000 * layers.len());
    let max_entropy = (layers[0]["k"].as_u64().unwrap() as f64).ln();
    for row in &rows {
        assert_eq!(row.len(), 6);
        let entropy: f64 = row[5].parse().unwrap();
        assert!((0.0..=max_entropy + 1e-4).contains(&entropy));
        assert!(row[4].parse::<usize>().unwrap() < layers[0]["k"].as_u64().unwrap() as usize);
    }
    assert_eq!(rows[4999][2], "4999");
    assert_eq!(rows[4999][3], "9.9980");
    let probabilities: serde_json::Value = serde_json::from_slice(&std::fs::read(&logits).unwrap()).unwrap();
    let p = probabilities[0]["cnn_probabilities"].as_array().unwrap();
    assert_eq!(p.len(), 5);
    assert!(p.iter().all(|v| (0.0..=1.0).contains(&v.as_f64().unwrap())));
    assert_eq!(probabilities[0]["surrogate_probabilities"].as_array().unwrap().len(), 5);
}

fn assert_fails(path: &Path, expected: &str) {
    let out = ecglens(&["explain", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{} should fail", path.display());
    assert!(stderr.contains(&example()), "the message names the file: {stderr}");
    assert!(stderr.to_lowercase().contains(expected), "expected {expected:?} in: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn truncated_signal_file_is_a_clear_error() {
    let path = broken_record("truncated", |_, dat| dat.truncate(dat.len() / 3));
    assert_fails(&path, "truncated");
}

#[test]
fn unknown_format_code_is_a_clear_error() {
    let path = broken_record("format", |header, _| *header = header.replace(".dat 16 ", ".dat 999 "));
    assert_fails(&path, "format");
}

#[test]
fn a_record_without_some_leads_is_read_as_its_lead_set_and_one_outside_every_set_is_a_clear_error() {
    // V1–V3 missing: the six limb leads remain, a lead set of the card; the run says so and the JSON names it.
    let path = broken_record("limb", |header, _| {
        for (from, to) in [(" V1\n", " X1\n"), (" V2\n", " X2\n"), (" V3\n", " X3\n")] {
            *header = header.replacen(from, to, 1);
        }
    });
    let logits = path.with_extension("json");
    let out = ecglens(&["explain", path.to_str().unwrap(), "--logits", logits.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("Lead set limb-6: the model read I, II, III, aVR, aVL, aVF and its other leads as zeros"),
        "{stderr}"
    );
    let probabilities: serde_json::Value = serde_json::from_slice(&std::fs::read(&logits).unwrap()).unwrap();
    assert_eq!(probabilities[0]["lead_set"], "limb-6");
    // Only V1 left: no lead set the card declares.
    let path = broken_record("leads", |header, _| {
        for lead in ["I", "II", "III", "AVR", "AVL", "AVF", "V2", "V3", "V4", "V5", "V6"] {
            *header = header.replacen(&format!(" {lead}\n"), &format!(" X{lead}\n"), 1);
        }
    });
    assert_fails(&path, "covers none of the lead sets the model serves");
}

#[test]
fn zero_length_record_is_a_clear_error() {
    let path = broken_record("empty", |header, dat| {
        *header = header.replacen(" 500 5000", " 500 0", 1);
        dat.clear();
    });
    assert_fails(&path, "has no samples (zero length)");
}

#[test]
fn header_and_data_disagreeing_is_a_clear_error() {
    let path = broken_record("disagree", |header, _| *header = header.replacen(" 500 5000", " 500 9000", 1));
    // 9000 samples promised, 5000 stored: the message says both, in samples and bytes.
    assert_fails(&path, "does not match its header");
    assert_fails(
        &path,
        "promises 9000 samples per lead (18.00 s), which needs 216000 bytes, but the file holds 120000",
    );
}

#[test]
fn an_atlas_fitted_for_another_model_is_refused() {
    let onnx = std::fs::read(root().join("www/models/default.onnx")).unwrap();
    let card = std::fs::read(root().join("www/models/default.card.json")).unwrap();
    let mut atlas: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("www/models/default.atlas.json")).unwrap()).unwrap();
    assert!(ecglens_engine::Engine::new(&onnx, &card, Some(atlas.to_string().as_bytes())).is_ok());
    atlas["model_sha256"] = "00".repeat(32).into();
    let err = ecglens_engine::Engine::new(&onnx, &card, Some(atlas.to_string().as_bytes()))
        .err()
        .expect("mismatch must be refused");
    assert!(err.to_string().contains("another model"), "{err}");
}

#[test]
fn the_shipped_atlas_has_calibrated_temperatures() {
    let atlas: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("www/models/default.atlas.json")).unwrap()).unwrap();
    let calibration = atlas["report"]["calibration"].as_array().expect("report.calibration");
    let layers = atlas["layers"].as_array().unwrap();
    assert_eq!(calibration.len(), layers.len());
    for (layer, c) in layers.iter().zip(calibration) {
        assert_eq!(layer["layer"], c["layer"]);
        // f32 in the atlas (written as f32), f32 in the report (written through f64): equal as f32.
        assert_eq!(layer["temperature"].as_f64().map(|t| t as f32), c["temperature"].as_f64().map(|t| t as f32));
        // Calibration can only lower the cross-entropy against the refits (τ = 1 is one of the candidates).
        assert!(c["cross_entropy"].as_f64().unwrap() <= c["cross_entropy_at_1"].as_f64().unwrap());
        assert!(c["refits"].as_u64().unwrap() >= 5 && c["points"].as_u64().unwrap() >= 1000);
    }
}

const FORMATS: &str = "tests/fixtures/formats/files";

#[test]
fn info_describes_every_clinical_sample_without_the_patient_unless_asked() {
    let files = [
        ("ecgtoolkit-example.dcm", "DICOM", 500.0, 5000),
        ("pydicom-waveform_ecg.dcm", "DICOM", 1000.0, 10000),
        ("ecgtoolkit-example.scp", "SCP-ECG", 500.0, 5000),
        ("ecgtoolkit-example.xml", "HL7 aECG", 500.0, 5000),
        ("129DYPRG.XML", "Philips XML", 500.0, 5500),
        ("3191723_ZZDEMOPTONLY_1-04_orig.xml", "Philips XML", 500.0, 5500),
    ];
    let paths: Vec<String> = files.iter().map(|(f, ..)| format!("{FORMATS}/{f}")).collect();
    let mut args = vec!["info", "--json"];
    args.extend(paths.iter().map(String::as_str));
    let out = ecglens(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), files.len(), "one JSON object per record");
    for (info, (file, format, rate, n)) in lines.iter().zip(files) {
        assert_eq!(info["format"], format, "{file}");
        assert_eq!(info["sample_rate_hz"], rate, "{file}");
        assert_eq!(info["n_samples"], n, "{file}");
        let leads = info["leads"].as_array().unwrap();
        assert_eq!(leads.len(), 12, "{file}");
        for lead in leads {
            let (lo, hi, mean) =
                (lead["min_mv"].as_f64().unwrap(), lead["max_mv"].as_f64().unwrap(), lead["mean_mv"].as_f64().unwrap());
            assert!(lo <= mean && mean <= hi && hi - lo < 10.0 && hi - lo > 0.05, "{file} {lead}");
        }
        assert!(info.get("patient").is_none(), "{file}: no patient without --show-patient");
    }
    assert!(lines[4]["device"]["measurements"].as_array().unwrap().iter().any(|m| m["name"] == "Heart rate"));
    // The Philips 1.04 sample names its (demo) patient: only with --show-patient, and never in the text otherwise.
    let philips = format!("{FORMATS}/3191723_ZZDEMOPTONLY_1-04_orig.xml");
    let shown = ecglens(&["info", "--json", "--show-patient", &philips]);
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    let id = shown["patient"]["id"].as_str().expect("the sample carries a patient id").to_string();
    let text = String::from_utf8(ecglens(&["info", &philips]).stdout).unwrap();
    assert!(text.contains("format       Philips XML · PhilipsECG XML 1.04, XLI compressed"), "{text}");
    assert!(text.contains("identity in the file, not shown") && !text.contains(&id), "{text}");
}

#[test]
fn explain_reads_a_clinical_file_and_info_refuses_what_is_not_ecg() {
    let out = ecglens(&["explain", &format!("{FORMATS}/ecgtoolkit-example.scp")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.lines().nth(1).unwrap().starts_with("ecgtoolkit-example,"), "the record is named after the file");
    let atlas: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("www/models/default.atlas.json")).unwrap()).unwrap();
    assert_eq!(csv.lines().count(), 1 + 5000 * atlas["layers"].as_array().unwrap().len());

    let dir = std::env::temp_dir().join(format!("ecglens-cli-{}-formats", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pdf = dir.join("report.pdf");
    std::fs::write(&pdf, b"%PDF-1.7\n1 0 obj\n").unwrap();
    let out = ecglens(&["info", pdf.to_str().unwrap(), &format!("{FORMATS}/invalid-doc-version.xml")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("report.pdf: not an ECG format ecglens reads; it looks like a PDF document"), "{stderr}");
    assert!(stderr.contains("invalid-doc-version.xml (Philips XML): document version is '1.05'"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
