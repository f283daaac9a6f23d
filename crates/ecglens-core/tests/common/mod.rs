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

/// Asserts that `record` has the fixture's lead names, rate and length, and returns each lead's largest |error|
/// against the reference samples, in µV (lead-major, like the `.f32`).
pub fn max_error_uv_per_lead(record: &ecglens_core::Record, facts: &Value, samples: &[f32]) -> Vec<(String, f64)> {
    let names: Vec<&str> = record.leads.iter().map(|l| l.name.as_str()).collect();
    let want: Vec<&str> = facts["leads"].as_array().expect("leads").iter().map(|v| v.as_str().expect("name")).collect();
    assert_eq!(names, want);
    assert_eq!(record.sample_rate_hz, facts["sample_rate_hz"].as_f64().expect("sample_rate_hz"));
    let n = facts["n_samples"].as_u64().expect("n_samples") as usize;
    assert_eq!(record.n_samples(), n);
    assert_eq!(samples.len(), n * want.len(), "the reference holds every sample of every lead");
    record
        .leads
        .iter()
        .enumerate()
        .map(|(k, lead)| {
            let reference = &samples[k * n..(k + 1) * n];
            let worst = lead
                .samples_mv
                .iter()
                .zip(reference)
                .map(|(a, b)| (f64::from(*a) - f64::from(*b)).abs() * 1000.0)
                .fold(0.0f64, f64::max);
            (lead.name.clone(), worst)
        })
        .collect()
}

/// Where the truncation tests cut a file of `len` bytes: every prefix up to 64 bytes, and 39 spread over it.
pub fn cut_points(len: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = (0..=64.min(len)).collect();
    cuts.extend((1..40).map(|k| len * k / 40));
    cuts
}

/// `rounds` copies of `bytes`, each with 8 bytes flipped at places drawn by a fixed xorshift (reproducible).
pub fn flipped(bytes: &[u8], rounds: usize) -> Vec<Vec<u8>> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..rounds)
        .map(|_| {
            let mut b = bytes.to_vec();
            for _ in 0..8 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state % b.len() as u64) as usize;
                b[at] ^= (state >> 32) as u8 | 1;
            }
            b
        })
        .collect()
}

/// Reads the vendored file of reference `stem` with `format`'s reader and `options`, and asserts every lead is within
/// `max_error_uv` of the reference. For a look at what the reader returns: `ECGLENS_DUMP_DIR=/tmp/x` writes
/// `<stem>.f32` (lead-major mV). Returns what was read and the reference facts, for the caller's own checks.
#[allow(dead_code)] // not every test binary that includes this module calls it
pub fn read_and_compare(
    format: ecglens_core::signal::Format,
    stem: &str,
    options: &ecglens_core::signal::ReadOptions,
    max_error_uv: f64,
) -> (ecglens_core::signal::Opened, Value) {
    let (facts, samples) = reference(stem);
    let file = facts["file"].as_str().unwrap();
    let bytes = vendored(file);
    let o = ecglens_core::signal::open::read_as_with(format, file, &bytes, options).unwrap();
    assert_eq!(o.source.format, format);
    let errors = max_error_uv_per_lead(&o.record, &facts, &samples);
    let worst = errors.iter().map(|e| e.1).fold(0.0, f64::max);
    println!("{stem}: max |error| over {} leads {worst} µV", errors.len());
    for (lead, err) in errors {
        assert!(err <= max_error_uv, "{stem} lead {lead}: max |error| {err} µV");
    }
    if let Some(dir) = std::env::var_os("ECGLENS_DUMP_DIR") {
        let raw: Vec<u8> =
            o.record.leads.iter().flat_map(|l| l.samples_mv.iter().flat_map(|v| v.to_le_bytes())).collect();
        std::fs::write(std::path::Path::new(&dir).join(format!("{stem}.f32")), raw).unwrap();
    }
    (o, facts)
}
