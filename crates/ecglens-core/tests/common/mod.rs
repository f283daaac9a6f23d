//! Shared by the `format_*.rs` tests: where the vendored sample files and the reference fixtures are.
#![allow(dead_code)] // each test file uses what it needs

use std::path::PathBuf;

use serde_json::Value;

/// `tests/fixtures/formats/` (reference values beside the scripts in `tools/reference/` that made them).
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/formats")
}

/// A vendored sample file (`tests/fixtures/formats/files/<name>`).
pub fn vendored(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join("files").join(name)).expect("vendored sample file present")
}

/// A reference fixture: `<stem>.json` (facts) and `<stem>.f32` (samples in mV, little-endian f32, lead-major).
pub fn reference(stem: &str) -> (Value, Vec<f32>) {
    let json = std::fs::read_to_string(fixtures().join(format!("{stem}.json"))).expect("fixture present");
    let raw = std::fs::read(fixtures().join(format!("{stem}.f32"))).expect("fixture present");
    let samples = raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    (serde_json::from_str(&json).expect("fixture is JSON"), samples)
}
