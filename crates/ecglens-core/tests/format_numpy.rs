//! The NumPy reader against files numpy itself wrote from real PTB-XL records (tools/reference/make_numpy.py:
//! numpy.save / write_array / savez / savez_compressed) and the values numpy.load reads back from them. Then the
//! questions a bare array leaves open, reading one record of a batch by offset, and bad input.

use std::cell::RefCell;

use ecglens_core::signal::options::InMemory;
use ecglens_core::signal::{self, ByteSource, Format, Part, Question, ReadOptions, SignalError, Units};
use serde_json::Value;

mod common;

/// Bound on |ecglens − numpy.load| per sample, in µV. float32 files are read exactly (0); float64 ones are
/// rounded to f32 (half an f32 step at ≤ 10 mV is < 0.001 µV); int16 µV × 0.001 adds one f32 rounding.
const MAX_ERROR_UV: f64 = 0.001;

fn options(rate: Option<f64>, leads: Option<&Value>, units: Option<Units>, item: usize) -> ReadOptions {
    ReadOptions {
        sample_rate_hz: rate,
        leads: leads.map(|l| l.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()),
        units,
        item,
        window: None,
    }
}

/// Reads `stem`'s file with `opts` and checks names, rate, length and every sample against numpy.load.
fn check(stem: &str, opts: &ReadOptions) -> signal::Opened {
    let (o, facts) = common::read_and_compare(Format::Numpy, stem, opts, MAX_ERROR_UV);
    match facts.get("part").filter(|p| !p.is_null()) {
        Some(p) => assert_eq!(
            o.source.part,
            Some(Part {
                index: p["index"].as_u64().unwrap() as usize,
                count: p["count"].as_u64().unwrap() as usize,
                label: p["label"].as_str().unwrap().into()
            })
        ),
        None => assert_eq!(o.source.part, None),
    }
    // The same through sniffing.
    let file = facts["file"].as_str().unwrap();
    let sniffed = signal::open_with(file, &common::vendored(file), &|_| None, opts).unwrap();
    assert_eq!(sniffed.record, o.record);
    o
}

fn answered(stem: &str, units: Units) -> ReadOptions {
    let (facts, _) = common::reference(stem);
    let item = facts["item"].as_u64().unwrap_or(0) as usize;
    options(facts["sample_rate_hz"].as_f64(), Some(&facts["leads"]), Some(units), item)
}

#[test]
fn npy_files_match_numpy_load() {
    let o = check("numpy-12x5000-f4", &answered("numpy-12x5000-f4", Units::Millivolts));
    assert_eq!(o.record.name, "numpy-12x5000-f4");
    assert_eq!(o.source.detail, ".npy v1.0, float32 (12, 5000), leads × samples");
    assert!(o.source.warnings.is_empty(), "{:?}", o.source.warnings);
    let o = check("numpy-2500x12-f8", &answered("numpy-2500x12-f8", Units::Millivolts));
    assert_eq!(o.source.detail, ".npy v1.0, float64 (2500, 12), samples × leads");
    let o = check("numpy-12x1000-f8-fortran", &answered("numpy-12x1000-f8-fortran", Units::Millivolts));
    assert_eq!(o.source.detail, ".npy v1.0, float64 (12, 1000), leads × samples (Fortran order)");
    let o = check("numpy-lead-ii-v2-be", &answered("numpy-lead-ii-v2-be", Units::Millivolts));
    assert_eq!(o.source.detail, ".npy v2.0, float32, big-endian (1000,), one lead");
}

#[test]
fn a_bare_array_asks_and_the_answers_read_it() {
    let bytes = common::vendored("numpy-12x5000-f4.npy");
    let e = signal::numpy::read("numpy-12x5000-f4.npy", &bytes, &ReadOptions::default()).unwrap_err();
    let SignalError::NeedsInput { questions, format: "NumPy", .. } = &e else { panic!("{e}") };
    assert_eq!(
        questions,
        &vec![
            Question::SampleRate { suggested_hz: 500.0 },
            Question::Leads {
                count: 12,
                suggested: signal::leads::STANDARD_12.iter().map(|s| s.to_string()).collect()
            },
        ]
    );
    assert_eq!(
        e.to_string(),
        "numpy-12x5000-f4.npy does not say its sampling rate or the names of its 12 leads: give it in the app, in a sidecar numpy-12x5000-f4.json, or with --rate HZ --leads I,II,... in the CLI"
    );
    // Answering with the suggestions reads it; the units come from the amplitude, with a warning.
    let (facts, _) = common::reference("numpy-12x5000-f4");
    let o = check("numpy-12x5000-f4", &options(Some(500.0), Some(&facts["leads"]), None, 0));
    assert_eq!(o.source.warnings.len(), 1, "{:?}", o.source.warnings);
    assert!(
        o.source.warnings[0].starts_with("ecglens: no units in the file; values up to ")
            && o.source.warnings[0].ends_with(" read as mV")
    );
}

#[test]
fn the_batch_with_its_sidecar_gives_one_record_per_item() {
    let sidecar = common::vendored("numpy-batch-3x1000x12-f8.json");
    let from_sidecar = ReadOptions::from_sidecar("numpy-batch-3x1000x12-f8.json", &sidecar).unwrap();
    for item in 0..3 {
        let opts = ReadOptions { item, ..from_sidecar.clone() };
        let o = check(&format!("numpy-batch-item{item}"), &opts);
        assert_eq!(o.source.detail, ".npy v1.0, float64 (3, 1000, 12), records × samples × leads");
        assert!(o.source.warnings.is_empty(), "{:?}", o.source.warnings);
    }
    let bytes = common::vendored("numpy-batch-3x1000x12-f8.npy");
    let e = signal::numpy::read("b.npy", &bytes, &ReadOptions { item: 3, ..from_sidecar }).unwrap_err().to_string();
    assert_eq!(e, "b.npy (NumPy): record 3 was asked for, but the array holds 3 records (0 to 2)");
    // Without the sidecar: the PTB-XL length of 1,000 samples proposes 100 Hz.
    let SignalError::NeedsInput { questions, .. } =
        signal::numpy::read("b.npy", &bytes, &ReadOptions::default()).unwrap_err()
    else {
        panic!()
    };
    assert_eq!(questions[0], Question::SampleRate { suggested_hz: 100.0 });
}

/// A [`ByteSource`] that records which byte ranges were read.
struct Counting<'a> {
    inner: InMemory<'a>,
    reads: RefCell<Vec<(u64, usize)>>,
}

impl ByteSource for Counting<'_> {
    fn len(&self) -> u64 {
        self.inner.len()
    }
    fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, SignalError> {
        self.reads.borrow_mut().push((offset, len));
        self.inner.read_at(offset, len)
    }
}

#[test]
fn read_source_reads_only_the_header_and_one_record() {
    let bytes = common::vendored("numpy-batch-3x1000x12-f8.npy");
    let src = Counting { inner: InMemory { file: "b.npy", bytes: &bytes }, reads: RefCell::new(Vec::new()) };
    let sidecar = ReadOptions::from_sidecar("b.json", &common::vendored("numpy-batch-3x1000x12-f8.json")).unwrap();
    let o = signal::numpy::read_source("b.npy", &src, &ReadOptions { item: 2, ..sidecar }).unwrap();
    assert_eq!(o.record.n_samples(), 1000);
    let reads = src.reads.borrow();
    let total: usize = reads.iter().map(|r| r.1).sum();
    // 128 bytes of preamble + header, then record 2's 1000 × 12 × 8 bytes at 128 + 2 × 96,000.
    assert_eq!(*reads.last().unwrap(), (128 + 2 * 96_000, 96_000));
    assert!(total <= 128 + 12 + 96_000, "{reads:?}");
}

#[test]
fn npz_archives_give_rate_leads_and_units_themselves() {
    for item in 0..2 {
        let o = check(
            &format!("numpy-npz-item{item}"),
            &ReadOptions { item, units: Some(Units::Millivolts), ..Default::default() },
        );
        assert_eq!(o.source.detail, ".npz member X (v1.0), float32 (2, 1000, 12), records × samples × leads");
    }
    // No units member: decided from the amplitude, with a warning; nothing asked.
    let o = check("numpy-npz-item0", &ReadOptions::default());
    assert!(o.source.warnings.iter().any(|w| w.contains("read as mV")), "{:?}", o.source.warnings);
    // The rate the archive states wins over a different one given, with a warning.
    let o = check("numpy-npz-item1", &ReadOptions { item: 1, sample_rate_hz: Some(500.0), ..Default::default() });
    assert!(o
        .source
        .warnings
        .iter()
        .any(|w| w == "ecglens: the archive's 'fs' says 100 Hz; the 500 Hz given was not used"));
    // int16 µV, stored (not deflated), names as bytes (|S3), units 'uV' in the archive.
    let o = check("numpy-npz-int16", &ReadOptions::default());
    assert_eq!(o.source.detail, ".npz member ecg (v1.0), int16 (12, 1000), leads × samples");
    assert!(o.source.warnings.is_empty(), "{:?}", o.source.warnings);
    assert!(
        o.record.comments.iter().any(|c| c == "ecglens: units µV from the archive's 'units'"),
        "{:?}",
        o.record.comments
    );
}

#[test]
fn every_truncation_is_refused_or_valid() {
    for name in ["numpy-12x1000-f8-fortran.npy", "numpy-x-fs-leads.npz", "numpy-int16-stored.npz"] {
        let bytes = common::vendored(name);
        let opts = ReadOptions {
            sample_rate_hz: Some(100.0),
            units: Some(Units::Millivolts),
            leads: Some(signal::leads::STANDARD_12.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        };
        for cut in common::cut_points(bytes.len()) {
            match signal::numpy::read("t.npy", &bytes[..cut], &opts) {
                Ok(o) => assert!(o.record.validate().is_ok(), "{name} cut {cut}"),
                Err(e) => {
                    let m = e.to_string();
                    assert!(m.starts_with("t.npy"), "{name} cut {cut}: {m}");
                    if name.ends_with(".npy") && cut > 12 {
                        assert!(m.contains("truncated"), "{name} cut {cut}: {m}");
                    }
                }
            }
        }
    }
}

#[test]
fn flipped_bytes_never_panic() {
    for name in ["numpy-lead-ii-v2-be.npy", "numpy-x-fs-leads.npz", "numpy-int16-stored.npz"] {
        let bytes = common::vendored(name);
        for b in common::flipped(&bytes, 300) {
            for opts in [
                ReadOptions::default(),
                ReadOptions {
                    sample_rate_hz: Some(100.0),
                    units: Some(Units::Microvolts),
                    item: 1,
                    ..Default::default()
                },
            ] {
                if let Ok(o) = signal::numpy::read("f.npy", &b, &opts) {
                    assert!(o.record.validate().is_ok());
                }
            }
        }
        // Every byte of the preamble and header flipped in turn.
        for i in 0..128.min(bytes.len()) {
            let mut b = bytes.clone();
            b[i] ^= 0xff;
            if let Ok(o) = signal::numpy::read("f.npy", &b, &ReadOptions::default()) {
                assert!(o.record.validate().is_ok());
            }
        }
    }
}

#[test]
fn error_messages_name_the_problem() {
    let bytes = common::vendored("numpy-12x5000-f4.npy");
    let opts = answered("numpy-12x5000-f4", Units::Millivolts);
    let msg = |b: &[u8]| signal::numpy::read("a.npy", b, &opts).unwrap_err().to_string();
    assert_eq!(
        msg(&bytes[..1000]),
        "a.npy (NumPy): the header says shape (12, 5000) of float32, which needs 240,128 bytes, but the file holds 1,000: it is truncated"
    );
    assert_eq!(msg(&bytes[..50]), "a.npy (NumPy): its header needs 128 bytes but the file holds 50: it is truncated");
    let with_header = |from: &str, to: &str| {
        // The header is ASCII after the magic byte \x93: edit it as text, keep its 128 bytes.
        let text = String::from_utf8(bytes[1..128].to_vec()).unwrap().replace(from, to);
        let mut b = vec![0x93];
        b.extend_from_slice(text.as_bytes());
        b.resize(128, b' ');
        b.extend_from_slice(&bytes[128..]);
        b
    };
    assert!(msg(&with_header("'<f4'", "'<c8'")).contains("its elements are complex numbers (dtype '<c8')"));
    assert!(msg(&with_header("'<f4'", "'|O4'")).contains("Python objects"));
    assert!(msg(&with_header("'<f4'", "'<U1'")).contains("its elements are text"));
    assert_eq!(
        msg(&with_header("(12, 5000)", "(5,4,3,1000)")),
        "a.npy (NumPy): the array has shape (5, 4, 3, 1000): expected (samples,), (leads, samples), (samples, leads), (records, samples, leads) or (records, leads, samples)"
    );
    assert!(msg(&with_header("'shape'", "'shapf'")).contains("no 'shape'"));
    let mut b = bytes.clone();
    b[6] = 9;
    assert!(msg(&b).contains(".npy version 9.0; ecglens reads versions 1.0, 2.0 and 3.0"));
    // A NaN: named by lead and time.
    let mut b = bytes.clone();
    let at = 128 + (5000 + 250) * 4; // lead II, sample 250
    b[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    assert_eq!(msg(&b), "a.npy (NumPy): lead II has an invalid value (NaN) at sample 250 (0.500 s): ecglens does not fill gaps in arrays");
    // Lead names that fit no axis.
    let e = signal::numpy::read(
        "a.npy",
        &bytes,
        &ReadOptions { leads: Some(vec!["I".into(), "II".into()]), ..opts.clone() },
    )
    .unwrap_err();
    assert!(e.to_string().contains("but 2 lead names are given: no axis is 2 long"), "{e}");
    // An npz without arrays.
    let e =
        signal::numpy::read("z.npz", b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", &opts).unwrap_err().to_string();
    assert_eq!(e, "z.npz (NumPy): the archive holds no .npy arrays");
    let e = signal::numpy::read("z.npz", b"PK\x03\x04garbage", &opts).unwrap_err().to_string();
    assert!(e.starts_with("z.npz (NumPy): it is not a readable .npz (ZIP) archive"), "{e}");
}
