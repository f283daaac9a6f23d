//! The HDF5 reader against files h5py wrote from real PTB-XL records (tools/reference/make_hdf5.py): CODE-15%'s
//! layout (chunked + shuffle + gzip, and contiguous), a generic multi-record file, a libver="latest" file
//! (superblock v3, object header v2) and a MATLAB 7.3 layout (synthetic: h5py with MATLAB's user block and
//! MATLAB_class attributes). Reference = h5py reading the file back. Then the questions, random access (bytes read
//! for one record), and bad input: truncations, flipped bytes, wrong shapes, NaN.

use std::cell::Cell;

use ecglens_core::signal::hdf5;
use ecglens_core::signal::{self, ByteSource, Format, Question, ReadOptions, SignalError, Units};
use serde_json::Value;

mod common;

/// Bound on |ecglens − h5py| per sample: both read the same float32 (or float64 rounded to f32 the same way).
const MAX_ERROR_UV: f64 = 0.0;

fn item(k: usize) -> ReadOptions {
    ReadOptions { item: k, ..Default::default() }
}

fn open(name: &str, options: &ReadOptions) -> Result<signal::Opened, SignalError> {
    signal::open::read_as_with(Format::Hdf5, name, &common::vendored(name), options)
}

fn check_against(stem: &str, o: &signal::Opened) -> Value {
    let (facts, samples) = common::reference(stem);
    for (lead, err) in common::max_error_uv_per_lead(&o.record, &facts, &samples) {
        assert!(err <= MAX_ERROR_UV, "{stem} lead {lead}: max |error| {err} µV");
    }
    facts
}

/// Counts the bytes a reader asks for.
struct Counting<'a> {
    bytes: &'a [u8],
    read: Cell<usize>,
}

impl ByteSource for Counting<'_> {
    fn len(&self) -> u64 {
        self.bytes.len() as u64
    }
    fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, SignalError> {
        self.read.set(self.read.get() + len);
        signal::options::InMemory { file: "counted", bytes: self.bytes }.read_at(offset, len)
    }
}

#[test]
fn code15_chunked_gzip_every_exam_matches_h5py() {
    let name = "hdf5-code15-gzip.hdf5";
    for k in 0..3 {
        let o = open(name, &item(k)).unwrap();
        let facts = check_against(&format!("hdf5-code15-gzip-{k}"), &o);
        assert_eq!(o.record.name, "hdf5-code15-gzip");
        assert_eq!(o.record.sample_rate_hz, 400.0);
        let part = o.source.part.clone().unwrap();
        assert_eq!((part.index, part.count), (k, 3));
        assert_eq!(part.label, format!("exam {}", facts["exam_id"]));
        let (before, after) = (facts["padding_before"].as_u64().unwrap(), facts["padding_after"].as_u64().unwrap());
        let w = o.source.warnings.join("\n");
        assert!(w.contains(&format!("zero padding trimmed: {before} samples before and {after} after")), "{w}");
        assert!(w.contains("CODE-15% layout: 400 Hz, leads I..V6, values read as mV"), "{w}");
        assert!(
            o.source
                .detail
                .starts_with("CODE-15% layout: tracings shape (3, 4096, 12) float32, chunked, shuffle + gzip"),
            "{}",
            o.source.detail
        );
    }
    // The 7 s exam: 2,800 samples after trimming 648 + 648 zeros.
    assert_eq!(open(name, &item(1)).unwrap().record.n_samples(), 2800);
}

#[test]
fn code15_contiguous_matches_h5py() {
    let o = open("hdf5-code15-contiguous.hdf5", &item(0)).unwrap();
    check_against("hdf5-code15-contiguous-0", &o);
    assert_eq!(o.source.part.as_ref().map(|p| (p.count, p.label.as_str())), Some((1, "exam 1169160")));
    assert!(o.source.detail.contains("contiguous"), "{}", o.source.detail);
}

#[test]
fn an_exam_past_the_end_is_a_clear_error() {
    let e = open("hdf5-code15-gzip.hdf5", &item(3)).unwrap_err();
    assert!(matches!(e, SignalError::Malformed { .. }), "{e:?}");
    let m = e.to_string();
    assert!(m.contains("record 3 was asked for") && m.contains("holds 3 records"), "{m}");
    let bytes = common::vendored("hdf5-code15-gzip.hdf5");
    let source = signal::options::InMemory { file: "x", bytes: &bytes };
    assert_eq!(hdf5::count("x", &source).unwrap(), 3);
}

#[test]
fn options_override_code15_assumptions() {
    let options =
        ReadOptions { units: Some(Units::Microvolts), sample_rate_hz: Some(500.0), item: 0, ..Default::default() };
    let o = open("hdf5-code15-gzip.hdf5", &options).unwrap();
    let plain = open("hdf5-code15-gzip.hdf5", &item(0)).unwrap();
    assert_eq!(o.record.sample_rate_hz, 500.0);
    let (a, b) = (o.record.leads[1].samples_mv[500], plain.record.leads[1].samples_mv[500]);
    assert!((a - b / 1000.0).abs() < 1e-9, "{a} vs {b}");
    assert!(!o.source.warnings.iter().any(|w| w.contains("values read as mV")));
}

#[test]
fn one_record_reads_one_chunk_and_the_metadata() {
    let bytes = common::vendored("hdf5-code15-gzip.hdf5");
    let (facts, _) = common::reference("hdf5-code15-gzip-2");
    let chunk = facts["chunk_bytes"].as_u64().unwrap() as usize;
    let counting = Counting { bytes: &bytes, read: Cell::new(0) };
    let o = hdf5::read_source("part.hdf5", &counting, &item(2)).unwrap();
    assert_eq!(o.source.part.unwrap().label, "exam 168405");
    let read = counting.read.get();
    assert!(read <= chunk + 16 * 1024, "read {read} bytes; the exam's chunk is {chunk}");
    assert!(read < bytes.len() / 2, "read {read} of {} bytes", bytes.len());

    let bytes = common::vendored("hdf5-generic-ecg.h5");
    let counting = Counting { bytes: &bytes, read: Cell::new(0) };
    hdf5::read_source("g.h5", &counting, &item(1)).unwrap();
    let record = 1000 * 12 * 4;
    assert!(counting.read.get() <= record + 16 * 1024, "read {} bytes for a record of {record}", counting.read.get());
}

#[test]
fn generic_multi_record_file_states_rate_and_units() {
    for k in 0..3 {
        let o = open("hdf5-generic-ecg.h5", &item(k)).unwrap();
        check_against(&format!("hdf5-generic-ecg-{k}"), &o);
        assert_eq!(
            o.source.part.as_ref().map(|p| (p.index, p.count, p.label.clone())),
            Some((k, 3, format!("ecg[{k}]")))
        );
        let w = o.source.warnings.join("\n");
        assert!(w.contains("standard order"), "{w}");
        assert!(!w.contains("no units"), "{w}");
    }
    // The file says 500 Hz: a different option is not used, and a warning says so.
    let o = open("hdf5-generic-ecg.h5", &ReadOptions { sample_rate_hz: Some(250.0), ..Default::default() }).unwrap();
    assert_eq!(o.record.sample_rate_hz, 500.0);
    assert!(o
        .source
        .warnings
        .iter()
        .any(|w| w.contains("the file states 500 Hz") && w.contains("250 Hz given was not used")));
}

#[test]
fn latest_format_with_lead_names_attribute() {
    let o = open("hdf5-latest-signals.h5", &ReadOptions::default()).unwrap();
    check_against("hdf5-latest-signals", &o);
    assert!(o.source.part.is_none());
    assert!(o.source.detail.contains("float64") && o.source.detail.contains("superblock v3"), "{}", o.source.detail);
}

#[test]
fn matlab_73_variable_and_rate() {
    let o = open("hdf5-matlab73.mat", &ReadOptions::default()).unwrap();
    check_against("hdf5-matlab73", &o);
    assert_eq!(o.source.detail, "MATLAB 7.3: variable val, MATLAB size 12 × 2000 double, contiguous");
    assert!(o.source.part.is_none());
    // The sniffer sends it here by its user block.
    let bytes = common::vendored("hdf5-matlab73.mat");
    assert_eq!(signal::open::open("a.mat", &bytes, &|_| None).unwrap().record.n_samples(), 2000);
}

#[test]
fn exams_csv_gives_age_and_sex() {
    let csv = common::vendored("hdf5-exams.csv");
    let p = hdf5::exam_metadata(&csv, 2873686).unwrap().unwrap();
    assert_eq!((p.age.as_deref(), p.sex.as_deref()), (Some("81"), Some("female")));
    let p = hdf5::exam_metadata(&csv, 1169160).unwrap().unwrap();
    assert_eq!(p.sex.as_deref(), Some("male"));
    assert_eq!(hdf5::exam_metadata(&csv, 5).unwrap(), None);
}

#[test]
fn asks_for_the_rate_then_reads_units_from_amplitude() {
    let e = open("hdf5-no-rate.h5", &ReadOptions::default()).unwrap_err();
    match &e {
        SignalError::NeedsInput { format, questions, .. } => {
            assert_eq!(*format, "HDF5");
            assert_eq!(questions, &vec![Question::SampleRate { suggested_hz: 500.0 }]);
        }
        other => panic!("{other:?}"),
    }
    let o = open("hdf5-no-rate.h5", &ReadOptions { sample_rate_hz: Some(500.0), ..Default::default() }).unwrap();
    let w = o.source.warnings.join("\n");
    assert!(w.contains("no units in the file; values up to") && w.contains("read as µV"), "{w}");
    assert!(o.record.leads.iter().all(|l| l.samples_mv.iter().all(|v| v.abs() < 20.0)));
}

#[test]
fn nan_is_an_error_naming_lead_and_time() {
    // Two leads without names: the reader asks for them first.
    let e = open("hdf5-nan.h5", &ReadOptions::default()).unwrap_err();
    assert!(
        matches!(&e, SignalError::NeedsInput { questions, .. } if questions == &vec![Question::Leads { count: 2, suggested: vec!["I".into(), "II".into()] }]),
        "{e:?}"
    );
    let leads = ReadOptions { leads: Some(vec!["I".into(), "II".into()]), ..Default::default() };
    let m = open("hdf5-nan.h5", &leads).unwrap_err().to_string();
    assert!(m.contains("lead II has a value that is not a number"), "{m}");
    assert!(m.contains("sample 10 (0.020 s)"), "{m}");
}

#[test]
fn wrong_shapes_are_described() {
    let m = open("hdf5-bad-shape.h5", &ReadOptions::default()).unwrap_err().to_string();
    assert!(m.contains("the dataset data has shape (70, 70)") && m.contains("at most 64 leads"), "{m}");
}

#[test]
fn truncated_files_are_errors_not_panics() {
    for name in ["hdf5-code15-gzip.hdf5", "hdf5-matlab73.mat", "hdf5-latest-signals.h5"] {
        let bytes = common::vendored(name);
        for cut in common::cut_points(bytes.len()) {
            let r = signal::hdf5::read(name, &bytes[..cut], &item(0));
            assert!(r.is_err(), "{name} cut at {cut} read without error");
        }
        let m = signal::hdf5::read(name, &bytes[..bytes.len() / 2], &item(0)).unwrap_err().to_string();
        assert!(m.starts_with(name) && m.contains("truncated"), "{m}");
    }
    let m = signal::hdf5::read("a.h5", &[], &item(0)).unwrap_err().to_string();
    assert!(m.contains("no HDF5 signature"), "{m}");
}

#[test]
fn flipped_bytes_never_panic() {
    for name in ["hdf5-code15-gzip.hdf5", "hdf5-generic-ecg.h5", "hdf5-latest-signals.h5", "hdf5-matlab73.mat"] {
        let bytes = common::vendored(name);
        for b in common::flipped(&bytes, 60) {
            for options in [item(0), item(2), ReadOptions { sample_rate_hz: Some(500.0), ..Default::default() }] {
                if let Ok(o) = signal::hdf5::read(name, &b, &options) {
                    assert!(o.record.validate().is_ok());
                }
            }
        }
    }
}

#[test]
fn fuzz_seeds_are_readable() {
    let seeds = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/hdf5");
    let leads = ReadOptions { leads: Some(vec!["I".into(), "II".into()]), ..Default::default() };
    for (name, options, ok) in [
        ("code15-tiny.hdf5", item(1), true),
        ("matlab73-tiny.mat", ReadOptions { sample_rate_hz: Some(500.0), ..Default::default() }, true),
        ("latest-tiny.h5", ReadOptions::default(), true),
        ("hdf5-nan.h5", leads, false),
    ] {
        let bytes = std::fs::read(seeds.join(name)).unwrap();
        assert_eq!(signal::hdf5::read(name, &bytes, &options).is_ok(), ok, "{name}");
    }
}
