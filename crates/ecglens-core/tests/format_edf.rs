//! The EDF/BDF reader against files pyedflib wrote from real PTB-XL records (and two of pyedflib's own test
//! files), with reference values read back by pyedflib (EDFlib): tools/reference/make_edf.py.

mod common;

use ecglens_core::signal::edf;
use ecglens_core::signal::options::{ByteSource, InMemory};
use ecglens_core::signal::{self, Format, ReadOptions, SignalError, TimeWindow, WindowInfo};
use serde_json::Value;

/// One digital step of these files is 1 µV (EDF, µV, ±32767); f32 storage of both sides adds < 0.001 µV.
const BOUND_UV: f64 = 0.01;

fn open(stem: &str, options: &ReadOptions) -> (signal::Opened, Value, Vec<f32>) {
    let (facts, samples) = common::reference(stem);
    let file = facts["file"].as_str().unwrap().trim_start_matches("files/").to_string();
    let bytes = common::vendored(&file);
    let opened = signal::open::read_as_with(Format::Edf, &file, &bytes, options).unwrap();
    (opened, facts, samples)
}

fn check(stem: &str, options: &ReadOptions, bound_uv: f64) -> (signal::Opened, Value) {
    let (opened, facts, samples) = open(stem, options);
    let errors = common::max_error_uv_per_lead(&opened.record, &facts, &samples);
    for (lead, e) in &errors {
        assert!(*e <= bound_uv, "{stem} lead {lead}: max |error| {e} µV > {bound_uv}");
    }
    eprintln!("{stem}: {errors:?}");
    (opened, facts)
}

fn events(opened: &signal::Opened) -> Vec<(f64, Option<f64>, String)> {
    opened.source.events.iter().map(|e| (e.onset_s, e.duration_s, e.text.clone())).collect()
}

fn reference_events(facts: &Value) -> Vec<(f64, Option<f64>, String)> {
    facts["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let d = a["duration_s"].as_f64().unwrap();
            (a["onset_s"].as_f64().unwrap(), (d >= 0.0).then_some(d), a["text"].as_str().unwrap().to_string())
        })
        .collect()
}

fn close_events(ours: &[(f64, Option<f64>, String)], want: &[(f64, Option<f64>, String)]) {
    assert_eq!(ours.len(), want.len(), "{ours:?} vs {want:?}");
    for (a, b) in ours.iter().zip(want) {
        assert!((a.0 - b.0).abs() < 1e-6, "{a:?} vs {b:?}");
        assert_eq!((a.1, &a.2), (b.1, &b.2));
    }
}

#[test]
fn edf_plus_12_leads() {
    let (o, facts) = check("edf-12lead", &ReadOptions::default(), BOUND_UV);
    assert_eq!(o.record.sample_rate_hz, 500.0);
    assert_eq!(o.source.detail, "EDF+C, 13 signals");
    close_events(&events(&o), &reference_events(&facts));
    assert_eq!(o.source.device.acquired.as_deref(), Some("1984-11-09T09:17:34"));
    assert_eq!(o.source.device.device.as_deref(), Some("PTB-XL via pyedflib"));
    assert_eq!(o.patient.id.as_deref(), Some("ptbxl-00001"));
    assert_eq!(o.patient.name.as_deref(), Some("Test Patient"));
    assert_eq!(o.patient.sex.as_deref(), Some("male"));
    assert_eq!(o.patient.birth_date.as_deref(), Some("1950-03-14"));
    assert!(o.source.warnings.is_empty(), "{:?}", o.source.warnings);
    assert!(o
        .record
        .comments
        .contains(&"aVR: transducer AgAgCl electrode, prefiltering HP:0.05Hz LP:150Hz".to_string()));
}

#[test]
fn bdf_plus_3_leads_half_second_records() {
    let (o, facts) = check("edf-3lead", &ReadOptions::default(), BOUND_UV);
    assert_eq!(facts["record_duration_s"].as_f64(), Some(0.5));
    assert_eq!(o.source.detail, "BDF+C, 4 signals");
    assert_eq!(o.record.n_samples(), 1000);
}

#[test]
fn polysomnography_like_file_keeps_the_ecg_and_says_what_it_left_out() {
    // V1 is at 100 Hz in the file: resampled to 500 Hz here and by scipy.signal.resample_poly in the reference.
    let (o, facts) = check("edf-psg", &ReadOptions::default(), BOUND_UV);
    assert_eq!(facts["resampled"], serde_json::json!(["ECG V1"]));
    assert!(o.source.warnings.contains(
        &"ecglens: left out 4 non-ECG signals: EEG Fpz-Cz, EOG horizontal, Resp oro-nasal, SpO2".to_string()
    ));
    assert!(o
        .source
        .warnings
        .contains(&"ecglens: resampled V1 (100 Hz) to 500 Hz, the rate of the other ECG signals".to_string()));
    close_events(&events(&o), &reference_events(&facts));
    assert_eq!(o.source.events[1].text, "Arousal");
    assert_eq!(o.source.events[1].duration_s, Some(3.5));
}

#[test]
fn edf_plus_d_is_joined_with_a_warning_and_an_event_per_gap() {
    let (o, facts) = check("edf-discontinuous", &ReadOptions::default(), BOUND_UV);
    assert_eq!(o.source.detail, "EDF+D, 3 signals");
    let gaps = [
        "ecglens: gap of 12 s at 5 s (the recording resumes at 17 s): the trace is joined there",
        "ecglens: gap of 2.5 s at 8 s (the recording resumes at 22.5 s): the trace is joined there",
    ];
    for g in gaps {
        assert!(o.source.warnings.contains(&g.to_string()), "{:?}", o.source.warnings);
    }
    // The annotation at 18.25 s of the recording lies 1.25 s into record 5, which starts the trace at 5 s.
    assert_eq!(facts["written_annotations"][0]["onset_s"].as_f64(), Some(18.25));
    let want = vec![
        (5.0, None, gaps[0].to_string()),
        (6.25, Some(0.5), "Electrode check".to_string()),
        (8.0, None, gaps[1].to_string()),
    ];
    close_events(&events(&o), &want);
    assert_eq!(o.patient.sex.as_deref(), Some("male"));
    assert_eq!(o.patient.birth_date.as_deref(), Some("1960-01-01"));
    assert_eq!(o.source.device.acquired.as_deref(), Some("2005-05-05T13:14:15"));
}

#[test]
fn pyedflib_test_files_by_the_users_leads() {
    // Not ECG: an EEG channel ("Fp1") and generated test signals, chosen with options.leads.
    let fp1 = ReadOptions { leads: Some(vec!["Fp1".into()]), ..Default::default() };
    let (o, facts) = check("edf-pyedflib-test_subsecond", &fp1, BOUND_UV);
    // EDFlib gives onsets from the first record's start (+0.3945312 s in the file), as ecglens does.
    close_events(&events(&o), &reference_events(&facts));
    assert_eq!(o.source.device.acquired.as_deref(), Some("2020-01-24T04:05:56.3945312"));
    assert_eq!(o.patient.sex.as_deref(), Some("female"));
    let err = signal::open::read_as(Format::Edf, "s.edf", &common::vendored("edf-pyedflib-test_subsecond.edf"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("none of its 1 signals is labelled as an ECG: Fp1"), "{err}");

    // 2 s records at 500 and 250 Hz: the ramp is resampled (scipy's resample_poly in the reference). Away from the
    // ends both agree to rounding; at the very ends, too (same zero padding).
    let two = ReadOptions { leads: Some(vec!["sine 2.5Hz".into(), "ramp 3.5Hz".into()]), ..Default::default() };
    let (o, _) = check("edf-pyedflib-test_generator_datarec_generator_2", &two, BOUND_UV);
    assert_eq!(o.source.detail, "BDF+C, 6 signals");
}

#[test]
fn a_window_from_the_middle_is_the_same_slice_of_the_whole() {
    for (stem, start_s, duration_s) in [("edf-12lead", 3.3, 4.1), ("edf-3lead", 2.25, 5.0), ("edf-psg", 4.0, 3.0)] {
        let (whole, _, _) = open(stem, &ReadOptions::default());
        let w = TimeWindow { start_s, duration_s };
        let (part, _, _) = open(stem, &ReadOptions { window: Some(w), ..Default::default() });
        let rate = whole.record.sample_rate_hz;
        let from = (start_s * rate).round() as usize;
        let n = (duration_s * rate).round() as usize;
        assert_eq!(part.record.n_samples(), n, "{stem}");
        assert_eq!(part.source.window, Some(WindowInfo { start_s, duration_s, total_duration_s: 10.0 }));
        for (a, b) in part.record.leads.iter().zip(&whole.record.leads) {
            let worst =
                a.samples_mv.iter().zip(&b.samples_mv[from..from + n]).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
            // psg's V1 is resampled from its window's records ± a margin: equal to rounding.
            assert!(worst <= 1e-6, "{stem} {}: {worst} mV", a.name);
        }
    }
    let (part, _, _) = open(
        "edf-psg",
        &ReadOptions { window: Some(TimeWindow { start_s: 4.0, duration_s: 3.0 }), ..Default::default() },
    );
    let texts: Vec<&str> = part.source.events.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(texts, ["Arousal"]);
}

/// Counts the bytes a reader asks for.
struct Counting<'a> {
    inner: InMemory<'a>,
    read: std::cell::Cell<u64>,
}

impl ByteSource for Counting<'_> {
    fn len(&self) -> u64 {
        self.inner.len()
    }
    fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, SignalError> {
        self.read.set(self.read.get() + len as u64);
        self.inner.read_at(offset, len)
    }
}

#[test]
fn read_source_reads_only_the_records_of_the_window() {
    let bytes = common::vendored("edf-pyedflib-test_subsecond.edf");
    let source = Counting { inner: InMemory { file: "s.edf", bytes: &bytes }, read: 0.into() };
    let options = ReadOptions {
        leads: Some(vec!["Fp1".into()]),
        window: Some(TimeWindow { start_s: 285.0, duration_s: 10.0 }),
        ..Default::default()
    };
    let o = edf::read_source("s.edf", &source, &options).unwrap();
    assert_eq!(o.record.n_samples(), 1280);
    assert_eq!(o.source.window.map(|w| w.total_duration_s), Some(698.0));
    // The header (256 + 768 bytes), the 10 records of the window (296 bytes each), and every record's annotation
    // signal (698 × 40 bytes: the window's annotations may be stored anywhere): about 32 KB of the file's 207 KB.
    assert!(source.read.get() < 33_000, "read {} bytes", source.read.get());
    let texts: Vec<(f64, &str)> = o.source.events.iter().map(|e| (e.onset_s, e.text.as_str())).collect();
    assert_eq!(texts.len(), 1, "{texts:?}");
    // XLEvent is stored in record 2, far outside the window; its onset is from the recording's start (EDFlib's too).
    assert!((texts[0].0 - 290.5019531).abs() < 1e-6 && texts[0].1 == "XLEvent", "{texts:?}");
    let whole =
        edf::read("s.edf", &bytes, &ReadOptions { leads: options.leads.clone(), ..Default::default() }).unwrap();
    assert_eq!(o.record.leads[0].samples_mv, whole.record.leads[0].samples_mv[36480..37760]);
}

#[test]
fn probe_describes_the_file_from_its_header() {
    let bytes = common::vendored("edf-psg.edf");
    let n = edf::header_len("p.edf", &bytes[..256]).unwrap();
    let layout = edf::probe("p.edf", &bytes[..n]).unwrap();
    assert_eq!(layout.variant, "EDF+C");
    assert_eq!(layout.total_duration_s, Some(10.0));
    let signals: Vec<(&str, Option<&str>, Option<f64>)> =
        layout.signals.iter().map(|s| (s.label.as_str(), s.ecg_name.as_deref(), s.sample_rate_hz)).collect();
    assert_eq!(
        signals,
        [
            ("EEG Fpz-Cz", None, Some(100.0)),
            ("ECG II", Some("II"), Some(500.0)),
            ("EOG horizontal", None, Some(100.0)),
            ("ECG V1", Some("V1"), Some(100.0)),
            ("Resp oro-nasal", None, Some(10.0)),
            ("SpO2", None, Some(1.0)),
            ("EDF Annotations", None, Some(pyedflib_annotation_rate(&bytes, n))),
        ]
    );
}

fn pyedflib_annotation_rate(bytes: &[u8], header_bytes: usize) -> f64 {
    // The annotation signal's samples per record (pyedflib chooses it), the last 8-byte field before the reserved.
    let ns = header_bytes / 256 - 1;
    let at = 256 + ns * 216 + 8 * (ns - 1);
    std::str::from_utf8(&bytes[at..at + 8]).unwrap().trim().parse().unwrap()
}

#[test]
fn truncated_files_are_refused_never_panic() {
    for stem in ["edf-12lead.edf", "edf-3lead.bdf", "edf-psg.edf", "edf-discontinuous.edf"] {
        let bytes = common::vendored(stem);
        for cut in common::cut_points(bytes.len()) {
            let r = edf::read(stem, &bytes[..cut], &ReadOptions::default());
            let e = r.expect_err("a prefix is truncated").to_string();
            assert!(
                e.contains(stem) && (e.contains("truncated") || e.contains("version field")),
                "{stem} cut at {cut}: {e}"
            );
        }
    }
}

#[test]
fn flipped_bytes_never_panic() {
    for stem in ["edf-12lead.edf", "edf-psg.edf", "edf-discontinuous.edf", "edf-3lead.bdf"] {
        let bytes = common::vendored(stem);
        for b in common::flipped(&bytes, 200) {
            for options in [
                ReadOptions::default(),
                ReadOptions { window: Some(TimeWindow { start_s: 1.0, duration_s: 2.0 }), ..Default::default() },
            ] {
                if let Ok(o) = edf::read(stem, &b, &options) {
                    assert!(o.record.validate().is_ok());
                }
            }
        }
    }
}

#[test]
fn bad_headers_have_clear_messages() {
    let bytes = common::vendored("edf-12lead.edf");
    let with = |at: usize, text: &[u8]| {
        let mut b = bytes.clone();
        b[at..at + text.len()].copy_from_slice(text);
        edf::read("x.edf", &b, &ReadOptions::default()).unwrap_err().to_string()
    };
    assert_eq!(
        with(184, b"9999    "),
        "x.edf (EDF/BDF): the header says it is \"9999\" bytes long, but 13 signals make a header of 3,584 bytes"
    );
    assert!(with(252, b"abcd").contains("the number of signals \"abcd\" (bytes 252–255) is not a number"));
    assert!(with(236, b"1x      ").contains("the number of data records \"1x\" is not a number"));
    assert!(with(244, b"nan     ").contains("the duration of a data record \"nan\" is not a number of seconds"));
    assert!(with(0, b"1       ").contains("its version field is \"1\", not \"0\" (EDF) or 0xFF BIOSEMI (BDF)"));
    // Signal 1's digital maximum (field 7 of 10) = its minimum.
    let ns = 13;
    let dmax = 256 + ns * (16 + 80 + 8 + 8 + 8 + 8);
    assert!(with(dmax, b"-32768  ")
        .contains("signal 1 (I): its digital minimum and maximum are both -32768, so it has no scale"));
    // A window after the end, a window that is not one.
    let late = ReadOptions { window: Some(TimeWindow { start_s: 11.0, duration_s: 1.0 }), ..Default::default() };
    let e = edf::read("x.edf", &bytes, &late).unwrap_err().to_string();
    assert!(e.contains("starts at 11 s, but the recording is 10 s long"), "{e}");
    let nan = ReadOptions { window: Some(TimeWindow { start_s: f64::NAN, duration_s: 1.0 }), ..Default::default() };
    assert!(edf::read("x.edf", &bytes, &nan).unwrap_err().to_string().contains("is not a stretch of time"));
}

#[test]
fn sniffing_routes_edf_and_bdf_here() {
    for stem in ["edf-12lead.edf", "edf-3lead.bdf"] {
        let bytes = common::vendored(stem);
        let o = signal::open(stem, &bytes, &|_| None).unwrap();
        assert_eq!(o.source.format, Format::Edf);
    }
}

#[test]
#[ignore = "needs ../shared/data"]
fn the_reference_script_inputs_exist() {
    // The vendored files were made from these PTB-XL records (tools/reference/make_edf.py).
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ptbxl");
    let required = std::env::var("ECGLENS_REQUIRE_SHARED_DATA").is_ok_and(|v| v == "1");
    let present = root.join("records500/00000/00001_hr.hea").is_file();
    assert!(present || !required, "ECGLENS_REQUIRE_SHARED_DATA=1 but {} is missing", root.display());
    if present {
        for rec in [
            "records500/00000/00001_hr",
            "records100/00000/00002_lr",
            "records500/00000/00003_hr",
            "records500/00000/00005_hr",
        ] {
            let record = signal::wfdb::read_record_file(&root.join(format!("{rec}.hea"))).unwrap();
            assert_eq!(record.leads.len(), 12, "{rec}");
        }
    }
}

/// A 5-minute two-lead Holter, read the way the worker reads a long recording: through a `ByteSource` a window at a
/// time, never whole. The window's samples and the overview strip's envelope (built a chunk at a time) match
/// pyedflib's samples (tools/reference/make_edf.py `make_holter`).
#[test]
fn a_long_recording_is_read_a_window_at_a_time_and_its_overview_a_chunk_at_a_time() {
    use ecglens_core::signal::overview::Overview;
    let facts: Value =
        serde_json::from_slice(&std::fs::read(common::fixtures().join("edf-holter.overview.json")).unwrap()).unwrap();
    let bytes = common::vendored("edf-holter.edf");
    let source = InMemory { file: "edf-holter.edf", bytes: &bytes };
    let duration_s = edf::duration_s("edf-holter.edf", &source).unwrap();
    assert_eq!(duration_s, facts["duration_s"].as_f64().unwrap());

    // One window: the data records it covers, and only those.
    let reads = std::cell::Cell::new(0usize);
    struct Counting<'a>(&'a InMemory<'a>, &'a std::cell::Cell<usize>);
    impl ByteSource for Counting<'_> {
        fn len(&self) -> u64 {
            self.0.len()
        }
        fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, SignalError> {
            self.1.set(self.1.get() + len);
            self.0.read_at(offset, len)
        }
    }
    let window = TimeWindow { start_s: 120.0, duration_s: 10.0 };
    let options = ReadOptions { window: Some(window), ..ReadOptions::default() };
    let opened =
        signal::open::open_source(Format::Edf, "edf-holter.edf", &Counting(&source, &reads), &options).unwrap();
    // The header, the 10 records of the window, and each record's annotation signal (300 short reads: the
    // window's annotations may be stored anywhere).
    assert!(reads.get() < bytes.len() / 5, "read {} of {} bytes for 10 s of 300 s", reads.get(), bytes.len());
    assert_eq!(
        opened.source.window,
        Some(WindowInfo { start_s: 120.0, duration_s: 10.0, total_duration_s: duration_s })
    );
    let ii = &opened.record.leads.iter().find(|l| l.name == "II").unwrap().samples_mv;
    let want: Vec<f64> = facts["window"]["II"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!(ii.len(), want.len());
    let worst = ii.iter().zip(&want).map(|(a, b)| (f64::from(*a) - b).abs() * 1000.0).fold(0.0, f64::max);
    assert!(worst <= BOUND_UV, "window: max |error| {worst} µV");

    // The overview, a minute at a time, equals the whole record's and pyedflib's envelope.
    let buckets = facts["buckets"].as_u64().unwrap() as usize;
    let mut chunks = 0;
    let chunked = Overview::in_chunks(duration_s, 60.0, buckets, &mut |w| {
        chunks += 1;
        let chunk = ReadOptions { window: Some(w), ..ReadOptions::default() };
        signal::open::open_source(Format::Edf, "edf-holter.edf", &source, &chunk).map(|o| o.record)
    })
    .unwrap();
    assert_eq!(chunks, 5);
    let whole = signal::open::read_as(Format::Edf, "edf-holter.edf", &bytes).unwrap();
    assert_eq!(chunked, Overview::of(&whole.record, buckets));
    for (lead, reference) in chunked.leads.iter().zip(facts["leads"].as_array().unwrap()) {
        assert_eq!(lead.name, reference["name"].as_str().unwrap());
        for key in ["min_mv", "max_mv"] {
            let ours = if key == "min_mv" { &lead.min_mv } else { &lead.max_mv };
            let theirs: Vec<f64> = reference[key].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            assert_eq!(ours.len(), theirs.len());
            let worst = ours.iter().zip(&theirs).map(|(a, b)| (f64::from(*a) - b).abs() * 1000.0).fold(0.0, f64::max);
            assert!(worst <= BOUND_UV, "{} {key}: max |error| {worst} µV", lead.name);
        }
    }
}

/// Found by the fuzz target (`fuzz/seeds/edf/regression-window-nonfinite`, kept as a seed): a corrupt BDF+ header
/// whose window starts on a non-finite sample. The reader returns an error, never a record that does not validate.
#[test]
fn a_window_of_a_corrupt_file_is_an_error_not_an_invalid_record() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/edf/regression-window-nonfinite");
    let data = std::fs::read(path).unwrap();
    let options = ReadOptions {
        sample_rate_hz: Some(500.0),
        units: Some(signal::Units::Microvolts),
        item: 3,
        window: Some(TimeWindow { start_s: 2.0, duration_s: 10.0 }),
        ..ReadOptions::default()
    };
    let error = edf::read("fuzz.bdf", &data, &options).map(|_| ()).unwrap_err();
    assert!(error.to_string().contains("lead I has an invalid value (not a number) at sample 0"), "{error}");
}
