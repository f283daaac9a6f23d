//! The MATLAB reader against files scipy.io.savemat wrote from real PTB-XL records (vendored: level 5
//! uncompressed and compressed, a CPSC 2018-style struct, a CinC-style level 4 `val`, `fs` + a `leads` cell,
//! a 3-D batch) and against the real files of `../shared/data/formats/mat/` (dy1901/ecg_plot, MIT; 480 and 921 KB,
//! too large to vendor, so those tests are `#[ignore]`d without `../shared`). Every reference value is
//! scipy.io.loadmat of the file (`tools/reference/make_matlab.py`). Then bad input: truncations, flipped bytes,
//! wrong shapes and classes, NaN, MATLAB 7.3, and the words of each message.

use std::path::{Path, PathBuf};

use ecglens_core::signal::{self, open, Format, Part, Question, ReadOptions, SignalError, Units};
mod common;

/// Bound on |ecglens − scipy| per sample: both convert the same stored numbers to mV and round to f32, so at
/// most one f32 rounding step of a few-mV value (≤ 0.0005 µV) remains.
const MAX_ERROR_UV: f64 = 0.001;

fn rate(hz: f64) -> ReadOptions {
    ReadOptions { sample_rate_hz: Some(hz), ..Default::default() }
}

fn sniffed(file: &str, bytes: &[u8], options: &ReadOptions) -> Result<signal::Opened, SignalError> {
    open::open_with(file, bytes, &|_| None, options)
}

/// Asserts names, rate, length and the error bound against fixture `stem`; returns the worst error in µV.
fn assert_matches(record: &signal::Record, stem: &str) -> f64 {
    let (facts, samples) = common::reference(stem);
    let errors = common::max_error_uv_per_lead(record, &facts, &samples);
    for (lead, err) in &errors {
        assert!(*err <= MAX_ERROR_UV, "{stem}: lead {lead}: max |error| {err} µV");
    }
    let worst = errors.iter().map(|(_, e)| *e).fold(0.0, f64::max);
    eprintln!("{stem}: max |error| {worst} µV over {} leads", errors.len());
    worst
}

fn questions(e: SignalError) -> Vec<Question> {
    match e {
        SignalError::NeedsInput { questions, format, .. } => {
            assert_eq!(format, "MATLAB");
            questions
        }
        other => panic!("expected questions, got {other}"),
    }
}

const STANDARD_ORDER: &str =
    "ecglens: no lead names in the file; its 12 leads read in the standard order I, II, III, aVR, aVL, aVF, V1–V6";

#[test]
fn level5_samples_by_leads_asks_the_rate_then_matches_scipy() {
    let bytes = common::vendored("matlab-ptbxl-v5.mat");
    let e = sniffed("matlab-ptbxl-v5.mat", &bytes, &ReadOptions::default()).unwrap_err();
    assert!(e.to_string().starts_with("matlab-ptbxl-v5.mat does not say its sampling rate"), "{e}");
    assert_eq!(questions(e), [Question::SampleRate { suggested_hz: 500.0 }]);
    let o = sniffed("matlab-ptbxl-v5.mat", &bytes, &rate(100.0)).unwrap();
    assert_eq!(o.source.format, Format::Matlab);
    assert_eq!(o.source.detail, "level 5: `data`, 1000 × 12 double");
    assert_matches(&o.record, "matlab_ptbxl_v5");
    assert_eq!(o.source.warnings, [STANDARD_ORDER, "ecglens: no units in the file; values up to 1.38 read as mV"]);
    assert!(o.record.comments[0].starts_with("MATLAB 5.0 MAT-file"), "{:?}", o.record.comments);
    assert_eq!(o.record.comments[1], "ecglens: read `data` (1000 × 12 double)");
    assert_eq!((o.source.part.clone(), o.patient.is_empty()), (None, true));
}

#[test]
fn cpsc_struct_compressed_reads_with_its_conventions_and_identity() {
    let (facts, _) = common::reference("matlab_ptbxl_cpsc");
    let bytes = common::vendored("matlab-ptbxl-cpsc.mat");
    let o = sniffed("matlab-ptbxl-cpsc.mat", &bytes, &ReadOptions::default()).unwrap();
    assert_eq!(o.source.detail, "level 5, compressed: `ECG.data`, 12 × 2500 double");
    assert_matches(&o.record, "matlab_ptbxl_cpsc");
    assert_eq!(o.patient.sex.as_deref(), facts["sex"].as_str());
    assert_eq!(o.patient.age, Some(facts["age"].as_u64().unwrap().to_string()));
    assert_eq!(
        o.source.warnings,
        ["ecglens: CPSC 2018 layout (struct `ECG` with `data`) and the file does not say more: read at leads I, II, III, aVR, aVL, aVF, V1–V6, 500 Hz, mV, as that challenge defines"]
    );
    // Identity stays out of everything exportable.
    let sex = facts["sex"].as_str().unwrap();
    assert!(!o.record.comments.iter().chain(&o.source.warnings).any(|t| t.contains(sex)));
    assert!(!o.source.detail.contains(sex));
}

#[test]
fn level4_cinc_val_asks_rate_and_units_then_matches_scipy() {
    let bytes = common::vendored("matlab-ptbxl-v4.mat");
    let q = questions(sniffed("matlab-ptbxl-v4.mat", &bytes, &ReadOptions::default()).unwrap_err());
    assert_eq!(q, [Question::SampleRate { suggested_hz: 500.0 }, Question::Units { suggested: Units::Raw(1000.0) }]);
    let opts = ReadOptions { units: Some(Units::Raw(1000.0)), ..rate(100.0) };
    let o = sniffed("matlab-ptbxl-v4.mat", &bytes, &opts).unwrap();
    assert_eq!(o.source.detail, "level 4: `val`, 12 × 1000 int16");
    assert_matches(&o.record, "matlab_ptbxl_v4");
    assert_eq!(o.source.warnings, [STANDARD_ORDER]);
}

#[test]
fn fs_and_a_leads_cell_array_single_precision_microvolts() {
    let (facts, _) = common::reference("matlab_ptbxl_fs_leads");
    let bytes = common::vendored("matlab-ptbxl-fs-leads.mat");
    let o = sniffed("matlab-ptbxl-fs-leads.mat", &bytes, &ReadOptions::default()).unwrap();
    assert_eq!(o.source.detail, "level 5: `sig`, 2500 × 8 single");
    assert_matches(&o.record, "matlab_ptbxl_fs_leads");
    let peak = facts["peak_uv"].as_f64().unwrap().round() as u64;
    let peak = format!("{},{:03}", peak / 1000, peak % 1000);
    assert_eq!(o.source.warnings, [format!("ecglens: no units in the file; values up to {peak} read as µV")]);
    // The file's rate wins over the user's, with a warning.
    let o = sniffed("matlab-ptbxl-fs-leads.mat", &bytes, &rate(250.0)).unwrap();
    assert_eq!(o.record.sample_rate_hz, 500.0);
    assert!(o
        .source
        .warnings
        .iter()
        .any(|w| w == "ecglens: the file gives the sampling rate (fs = 500 Hz); the 250 Hz given was not used"));
}

#[test]
fn a_batch_gives_one_record_per_part() {
    let (facts, _) = common::reference("matlab_ptbxl_batch");
    let bytes = common::vendored("matlab-ptbxl-batch.mat");
    let item = facts["item"].as_u64().unwrap() as usize;
    let count = facts["count"].as_u64().unwrap() as usize;
    let o = sniffed("matlab-ptbxl-batch.mat", &bytes, &ReadOptions { item, ..Default::default() }).unwrap();
    assert_matches(&o.record, "matlab_ptbxl_batch");
    assert_eq!(o.source.part, Some(Part { index: item, count, label: facts["label"].as_str().unwrap().into() }));
    assert_eq!(o.source.detail, "level 5, compressed: `x`, 3 × 1000 × 12 double");
    for r in 0..count {
        let o = sniffed("b.mat", &bytes, &ReadOptions { item: r, ..Default::default() }).unwrap();
        let want: Vec<f64> =
            facts["first_samples_mv"][r.to_string()].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        for (got, want) in o.record.leads[0].samples_mv.iter().zip(&want) {
            assert!((f64::from(*got) - want).abs() * 1000.0 <= MAX_ERROR_UV, "record {r}: {got} vs {want}");
        }
    }
    let e = sniffed("b.mat", &bytes, &ReadOptions { item: count, ..Default::default() }).unwrap_err();
    assert_eq!(
        e.to_string(),
        "b.mat (MATLAB): record 4 was asked for, but the array `x` (3 × 1000 × 12) holds 3 records"
    );
}

// ---- the real files in ../shared (not vendored: too large) ----

fn shared(name: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("../shared/data/formats/mat").join(name)
}

/// A real file from `../shared`. Missing: the test is skipped with a note, but fails when
/// `ECGLENS_REQUIRE_SHARED_DATA=1` (CI) demands the shared data.
fn shared_file(name: &str) -> Option<Vec<u8>> {
    match std::fs::read(shared(name)) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            let message = format!("this test needs {} ({e})", shared(name).display());
            assert!(std::env::var("ECGLENS_REQUIRE_SHARED_DATA").as_deref() != Ok("1"), "{message}");
            eprintln!("skipped: {message}");
            None
        }
    }
}

#[test]
#[ignore = "needs ../shared/data"]
fn real_example_ecg_asks_the_rate_then_matches_scipy() {
    let Some(bytes) = shared_file("example_ecg.mat") else { return };
    let q = questions(sniffed("example_ecg.mat", &bytes, &ReadOptions::default()).unwrap_err());
    assert_eq!(q, [Question::SampleRate { suggested_hz: 500.0 }]);
    let o = sniffed("example_ecg.mat", &bytes, &rate(500.0)).unwrap();
    assert_eq!(o.source.detail, "level 5: `data`, 12 × 5000 double");
    let worst = assert_matches(&o.record, "matlab_example_ecg");
    eprintln!("example_ecg.mat: max |error| {worst} µV");
    assert_eq!(o.source.warnings, [STANDARD_ORDER, "ecglens: no units in the file; values up to 1.68 read as mV"]);
    let (facts, _) = common::reference("matlab_example_ecg");
    assert_eq!(
        o.record.comments[0],
        facts["header"].as_str().unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
    );
}

#[test]
#[ignore = "needs ../shared/data"]
fn real_s0001_level4_alone_and_as_the_wfdb_pair() {
    let Some(bytes) = shared_file("S0001.mat") else { return };
    let Some(hea) = shared_file("S0001.hea") else { return };
    let (facts, _) = common::reference("matlab_s0001");
    let q = questions(sniffed("S0001.mat", &bytes, &ReadOptions::default()).unwrap_err());
    assert_eq!(q, [Question::SampleRate { suggested_hz: 500.0 }, Question::Units { suggested: Units::Raw(1000.0) }]);
    let leads: Vec<String> =
        facts["leads"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    let opts = ReadOptions {
        units: Some(Units::Raw(1000.0)),
        leads: Some(leads),
        ..rate(facts["sample_rate_hz"].as_f64().unwrap())
    };
    let mut o = sniffed("S0001.mat", &bytes, &opts).unwrap();
    assert_eq!(o.source.detail, "level 4: `val`, 12 × 38400 int16");
    let total = facts["total_samples"].as_u64().unwrap() as usize;
    assert_eq!(o.record.n_samples(), total);
    // Every sample, as the integers scipy read: per-lead sums, minima and maxima of the ADU.
    for (k, lead) in o.record.leads.iter().enumerate() {
        let adu: Vec<i64> = lead.samples_mv.iter().map(|v| (f64::from(*v) * 1000.0).round() as i64).collect();
        assert_eq!(adu.iter().sum::<i64>(), facts["adu_sums"][k].as_i64().unwrap(), "lead {}", lead.name);
        assert_eq!(adu.iter().min().copied(), facts["adu_min"][k].as_i64(), "lead {}", lead.name);
        assert_eq!(adu.iter().max().copied(), facts["adu_max"][k].as_i64(), "lead {}", lead.name);
    }
    // The first 5000 samples to the bound (the fixture holds those).
    let first = signal::Record {
        leads: o
            .record
            .leads
            .iter()
            .map(|l| signal::Lead { name: l.name.clone(), samples_mv: l.samples_mv[..5000].to_vec() })
            .collect(),
        ..o.record.clone()
    };
    let worst = assert_matches(&first, "matlab_s0001");
    eprintln!("S0001.mat: max |error| {worst} µV");
    // The WFDB reader reads the pair (format 16 at byte 24) with the header's gain, 2000 times smaller.
    let pair = open::open("S0001.hea", &hea, &|name| (name == "S0001.mat").then_some(bytes.as_slice())).unwrap();
    assert_eq!(pair.record.n_samples(), total);
    let gain = facts["header_gain_per_mv"].as_f64().unwrap();
    for (ours, wfdb) in o.record.leads.iter_mut().zip(&pair.record.leads) {
        assert_eq!(ours.name, wfdb.name);
        for (a, b) in ours.samples_mv.iter().zip(&wfdb.samples_mv).step_by(97) {
            assert!((f64::from(*a) / 1000.0 - f64::from(*b) * gain / 1e6).abs() < 1e-9, "{a} vs {b}");
        }
    }
}

// ---- bad input ----

const VENDORED: [&str; 5] = [
    "matlab-ptbxl-v5.mat",
    "matlab-ptbxl-cpsc.mat",
    "matlab-ptbxl-v4.mat",
    "matlab-ptbxl-fs-leads.mat",
    "matlab-ptbxl-batch.mat",
];

fn answered() -> ReadOptions {
    ReadOptions { units: Some(Units::Raw(1000.0)), ..rate(100.0) }
}

#[test]
fn truncated_files_are_refused_with_the_file_and_the_reason() {
    for name in VENDORED {
        let bytes = common::vendored(name);
        for cut in common::cut_points(bytes.len()) {
            if cut == bytes.len() {
                continue;
            }
            match signal::matlab::read(name, &bytes[..cut], &answered()) {
                Ok(o) => panic!("{name} cut at {cut} was read: {}", o.source.detail),
                Err(e) => {
                    let m = e.to_string();
                    assert!(m.starts_with(name), "{name} at {cut}: {m}");
                    assert!(
                        ["truncated", "cut short", "is empty"].iter().any(|w| m.contains(w)),
                        "{name} at {cut}: {m}"
                    );
                }
            }
        }
    }
}

#[test]
fn flipped_bytes_never_panic() {
    for name in VENDORED {
        let bytes = common::vendored(name);
        for (i, b) in common::flipped(&bytes, 300).iter().enumerate() {
            for options in [ReadOptions::default(), answered()] {
                if let Ok(o) = signal::matlab::read(name, b, &options) {
                    assert!(o.record.validate().is_ok(), "{name} round {i}");
                }
            }
        }
        // Every byte of the header and the first array's tags flipped in turn.
        for at in 0..bytes.len().min(256) {
            let mut b = bytes.clone();
            b[at] ^= 0xff;
            if let Ok(o) = signal::matlab::read(name, &b, &answered()) {
                assert!(o.record.validate().is_ok(), "{name} byte {at}");
            }
        }
    }
}

/// The level 5 file with one change: byte `at` replaced by `f(old)`.
fn patched(at: usize, f: impl Fn(u8) -> u8) -> Vec<u8> {
    let mut b = common::vendored("matlab-ptbxl-v5.mat");
    b[at] = f(b[at]);
    b
}

/// In matlab-ptbxl-v5.mat: the class byte of `data`'s array flags, its flags byte, its row count, its values.
const CLASS_AT: usize = 0x90;
const FLAGS_AT: usize = 0x91;
const ROWS_AT: usize = 0xa0;
const VALUES_AT: usize = 0xb8;

#[test]
fn messages_name_what_is_wrong() {
    let opts = rate(100.0);
    let read = |b: &[u8]| signal::matlab::read("x.mat", b, &opts).unwrap_err().to_string();
    assert_eq!(
        read(&patched(FLAGS_AT, |f| f | 0x08)),
        "x.mat (MATLAB): the array `data` holds complex numbers (1000 × 12 double (complex)): an ECG is real-valued; save its real part"
    );
    assert_eq!(
        read(&patched(CLASS_AT, |_| 5)),
        "x.mat: MATLAB: it holds no numeric array ecglens can read: `data` is a sparse matrix (ecglens reads full numeric arrays: double, single, int8 to uint64)"
    );
    assert_eq!(
        read(&patched(ROWS_AT, |_| 0xe7)),
        "x.mat (MATLAB): variable 1 (byte 128): `data`: its shape 999 × 12 needs 11,988 values, but 12,000 are stored"
    );
    let mut nan = common::vendored("matlab-ptbxl-v5.mat");
    nan[VALUES_AT + 5 * 8..VALUES_AT + 6 * 8].copy_from_slice(&f64::NAN.to_le_bytes());
    assert_eq!(read(&nan), "x.mat (MATLAB): lead I of `data` has an invalid value (NaN) at sample 6 (0.050 s)");
    let mut inf = common::vendored("matlab-ptbxl-v5.mat");
    inf[VALUES_AT + 1000 * 8..VALUES_AT + 1001 * 8].copy_from_slice(&f64::INFINITY.to_le_bytes());
    assert_eq!(read(&inf), "x.mat (MATLAB): lead II of `data` has an invalid value (inf) at sample 1 (0.000 s)");
    let mut v73 = common::vendored("matlab-ptbxl-v5.mat");
    v73[..10].copy_from_slice(b"MATLAB 7.3");
    assert_eq!(read(&v73), "x.mat: MATLAB: this is a MATLAB 7.3 (HDF5) file, which ecglens reads with its HDF5 reader, not as a MATLAB 4/5 file");
    let mut vax = common::vendored("matlab-ptbxl-v4.mat");
    vax[..2].copy_from_slice(&2030u16.to_le_bytes()); // type 2030: VAX D-float int16
    assert!(read(&vax).contains("VAX format (level 4 type 2030); ecglens reads IEEE numbers only"), "{}", read(&vax));
    assert_eq!(read(b""), "x.mat (MATLAB): the file is empty");
    assert_eq!(
        read(b"not a mat file at all, just some words"),
        "x.mat (MATLAB): matrix 1 (byte 0): it starts neither with a MATLAB 5 header (\"MATLAB 5.0 MAT-file\", 128 bytes) nor with a valid level 4 matrix header"
    );
    let leads = ReadOptions { leads: Some(vec!["I".into(), "II".into()]), ..rate(100.0) };
    let e = signal::matlab::read("x.mat", &common::vendored("matlab-ptbxl-fs-leads.mat"), &leads).unwrap();
    assert!(e
        .source
        .warnings
        .iter()
        .any(|w| w == "ecglens: the file names its leads (`leads`); the lead names given were not used"));
    let e = signal::matlab::read(
        "x.mat",
        &common::vendored("matlab-ptbxl-v4.mat"),
        &ReadOptions { leads: Some(vec!["I".into(); 5]), ..answered() },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("has shape 12 × 1000: expected (leads, samples)")
            && e.contains("with 5 leads as its lead names say"),
        "{e}"
    );
}
