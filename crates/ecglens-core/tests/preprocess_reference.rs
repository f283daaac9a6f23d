//! The Rust preprocessing against the Python training pipeline's (tests/fixtures/preprocess_reference.json).

use ecglens_core::{preprocess, ModelCard};

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn rust_preprocessing_reproduces_python_on_real_records() {
    let card = ModelCard::from_json(&std::fs::read(root().join("www/models/default.card.json")).unwrap()).unwrap();
    let fixture: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("tests/fixtures/preprocess_reference.json")).unwrap())
            .unwrap();
    let cases = fixture.as_array().or_else(|| fixture["records"].as_array()).expect("a list of records");
    assert!(cases.len() >= 5);
    let mut checked = 0;
    for case in cases {
        let file = case["file"].as_str().unwrap();
        // Every case is a vendored example (www/examples), so this test needs nothing outside the clone.
        let path = match case["path"].as_str() {
            Some(p) => root().join(p),
            None => root().join("www/examples").join(format!("{file}.hea")),
        };
        let record =
            ecglens_core::signal::wfdb::read_record_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let prepared = preprocess::prepare(&record, &card).unwrap();
        let window = &prepared.windows[0];
        let expected = case["input"].as_array().unwrap();
        let mut worst = 0f64;
        for (lead, row) in expected.iter().enumerate() {
            for (t, v) in row.as_array().unwrap().iter().enumerate() {
                let d = (f64::from(window[[lead, t]]) - v.as_f64().unwrap()).abs();
                worst = worst.max(d);
            }
        }
        assert!(worst < 1e-4, "{}: max |rust − python| = {worst}", path.display());
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} records checked");
}
