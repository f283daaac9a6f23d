//! Which array is the ECG, its orientation, rate, leads and units, on small files written here (the real and
//! scipy-written files are in `tests/format_matlab.rs`).

use super::level5::write::Writer;
use super::*;

const W: Writer = Writer { big_endian: false };

fn file(vars: &[Vec<u8>]) -> Vec<u8> {
    let mut f = W.header();
    for v in vars {
        f.extend(v);
    }
    f
}

/// A `leads × samples` double array named `name`, lead k sample s = k + s / 1000 (mV).
fn array(name: &str, leads: usize, samples: usize, leads_first: bool) -> Vec<u8> {
    let (rows, cols) = if leads_first { (leads, samples) } else { (samples, leads) };
    let mut values = vec![0.0; rows * cols];
    for k in 0..leads {
        for s in 0..samples {
            let (i, j) = if leads_first { (k, s) } else { (s, k) };
            values[i + rows * j] = k as f64 + s as f64 / 1000.0;
        }
    }
    W.matrix(6, 0, &[rows as i32, cols as i32], name, &[W.doubles(&values)])
}

fn cell_of(name: &str, texts: &[&str]) -> Vec<u8> {
    let items: Vec<u8> = texts.iter().flat_map(|t| W.text("", t)).collect();
    W.matrix(1, 0, &[1, texts.len() as i32], name, &[items])
}

fn rate(hz: f64) -> ReadOptions {
    ReadOptions { sample_rate_hz: Some(hz), ..Default::default() }
}

#[test]
fn orientation_either_way_and_lead_names_from_a_cell() {
    for leads_first in [true, false] {
        let f =
            file(&[array("sig", 3, 40, leads_first), cell_of("labels", &["DI", "avr", "V4R"]), W.scalar("Fs", 250.0)]);
        let o = read("a/rec.mat", &f, &ReadOptions::default()).unwrap();
        let names: Vec<&str> = o.record.leads.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["I", "aVR", "V4R"]);
        assert_eq!((o.record.name.as_str(), o.record.sample_rate_hz, o.record.n_samples()), ("rec", 250.0, 40));
        assert_eq!(o.record.leads[2].samples_mv[39], 2.039f32);
        assert_eq!(o.source.warnings, ["ecglens: no units in the file; values up to 2.04 read as mV"]);
        assert!(o.source.detail.starts_with("level 5: `sig`, "), "{}", o.source.detail);
        assert!(o.patient.is_empty());
    }
}

#[test]
fn questions_when_the_file_says_nothing() {
    let f = file(&[array("X", 3, 40, true)]);
    let e = read("x.mat", &f, &ReadOptions::default()).unwrap_err();
    let SignalError::NeedsInput { questions, format, .. } = e else { panic!("{e:?}") };
    assert_eq!(format, "MATLAB");
    assert_eq!(
        questions,
        [
            Question::SampleRate { suggested_hz: 500.0 },
            Question::Leads { count: 3, suggested: vec!["I".into(), "II".into(), "III".into()] }
        ]
    );
    let answered = ReadOptions { leads: Some(vec!["V1".into(), "V2".into(), "V3".into()]), ..rate(500.0) };
    assert_eq!(read("x.mat", &f, &answered).unwrap().record.leads[1].name, "V2");
    let wrong = ReadOptions { leads: Some(vec!["V1".into()]), ..rate(500.0) };
    let e = read("x.mat", &f, &wrong).unwrap_err().to_string();
    assert!(e.contains("has shape 3 × 40") && e.contains("with 1 leads as its lead names say"), "{e}");
}

#[test]
fn twelve_unnamed_leads_are_the_standard_twelve_with_a_warning() {
    let o = read("x.mat", &file(&[array("data", 12, 30, false)]), &rate(500.0)).unwrap();
    assert_eq!(o.record.leads.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), STANDARD_12);
    assert!(o.source.warnings[0].contains("its 12 leads read in the standard order"), "{:?}", o.source.warnings);
}

#[test]
fn cinc_val_asks_rate_and_units() {
    let values: Vec<i16> = (0..24).collect();
    let f = file(&[W.matrix(10, 0, &[12, 2], "val", &[W.int16s(&values)])]);
    let SignalError::NeedsInput { questions, .. } = read("A0001.mat", &f, &ReadOptions::default()).unwrap_err() else {
        panic!()
    };
    assert_eq!(
        questions,
        [Question::SampleRate { suggested_hz: 500.0 }, Question::Units { suggested: Units::Raw(1000.0) }]
    );
    let o = read("A0001.mat", &f, &ReadOptions { units: Some(Units::Raw(1000.0)), ..rate(500.0) }).unwrap();
    assert_eq!((o.record.leads[11].samples_mv[1], o.record.leads[0].samples_mv[1]), (0.023, 0.012));
}

#[test]
fn cpsc_struct_gives_identity_and_its_conventions() {
    let data = array("", 12, 20, true);
    let st = W.structure("ECG", &[("sex", W.text("", "Female")), ("age", W.scalar("", 63.0)), ("data", data)]);
    let o = read("A0001.mat", &file(&[W.compressed(&st)]), &ReadOptions::default()).unwrap();
    assert_eq!(o.record.sample_rate_hz, 500.0);
    assert_eq!((o.patient.sex.as_deref(), o.patient.age.as_deref()), (Some("Female"), Some("63")));
    assert_eq!(
        o.source.warnings,
        ["ecglens: CPSC 2018 layout (struct `ECG` with `data`) and the file does not say more: read at leads I, II, III, aVR, aVL, aVF, V1–V6, 500 Hz, mV, as that challenge defines"]
    );
    assert_eq!(o.source.detail, "level 5, compressed: `ECG.data`, 12 × 20 double");
    assert!(o.record.comments.iter().all(|c| !c.contains("Female")));
    // The user's rate wins over the layout's.
    assert_eq!(read("A0001.mat", &file(&[st]), &rate(250.0)).unwrap().record.sample_rate_hz, 250.0);
}

#[test]
fn the_files_rate_wins_with_a_warning() {
    let f = file(&[array("ecg", 2, 10, true), W.scalar("fs", 360.0), cell_of("leads", &["MLII", "V5"])]);
    let o = read("x.mat", &f, &rate(500.0)).unwrap();
    assert_eq!(o.record.sample_rate_hz, 360.0);
    assert!(
        o.source.warnings.iter().any(|w| w.contains("fs = 360 Hz); the 500 Hz given was not used")),
        "{:?}",
        o.source.warnings
    );
    let bad = file(&[array("ecg", 2, 10, true), W.scalar("fs", -1.0)]);
    assert!(read("x.mat", &bad, &rate(500.0))
        .unwrap_err()
        .to_string()
        .contains("`fs` says the sampling rate is -1 Hz"));
}

#[test]
fn a_batch_is_read_one_record_at_a_time() {
    // 3 records × 10 samples × 2 leads; record r, sample s, lead k = 100 r + 10 k + s (µV-sized, read as µV).
    let (r, s, k) = (3usize, 10usize, 2usize);
    let mut v = vec![0.0; r * s * k];
    for a in 0..r {
        for b in 0..s {
            for c in 0..k {
                v[a + r * (b + s * c)] = 100.0 * (a as f64 + 1.0) + 10.0 * c as f64 + b as f64;
            }
        }
    }
    let f = file(&[W.matrix(6, 0, &[3, 10, 2], "batch", &[W.doubles(&v)]), cell_of("leads", &["I", "II"])]);
    let o = read("b.mat", &f, &ReadOptions { item: 2, ..rate(100.0) }).unwrap();
    assert_eq!(o.source.part, Some(Part { index: 2, count: 3, label: "batch(3,:,:)".into() }));
    assert_eq!(o.record.leads[1].samples_mv[9], 0.319);
    assert!(o.source.warnings[0].contains("read as µV"), "{:?}", o.source.warnings);
    let e = read("b.mat", &f, &ReadOptions { item: 3, ..rate(100.0) }).unwrap_err().to_string();
    assert!(e.contains("record 4 was asked for, but the array `batch` (3 × 10 × 2) holds 3 records"), "{e}");
}

#[test]
fn a_window_reads_a_stretch() {
    let f = file(&[array("data", 2, 100, true)]);
    let opts = ReadOptions {
        window: Some(crate::signal::TimeWindow { start_s: 0.5, duration_s: 0.2 }),
        leads: Some(vec!["I".into(), "II".into()]),
        ..rate(100.0)
    };
    let o = read("x.mat", &f, &opts).unwrap();
    assert_eq!(o.record.n_samples(), 20);
    assert_eq!(o.record.leads[0].samples_mv[0], 0.05);
    assert_eq!(o.source.window, Some(WindowInfo { start_s: 0.5, duration_s: 0.2, total_duration_s: 1.0 }));
}

#[test]
fn refusals_say_why() {
    let opts = ReadOptions { leads: Some(vec!["I".into(), "II".into()]), ..rate(500.0) };
    let z = W.matrix(6, 0x08, &[2, 3], "data", &[W.doubles(&[1.0; 6]), W.doubles(&[0.0; 6])]);
    let e = read("z.mat", &file(&[z]), &opts).unwrap_err().to_string();
    assert_eq!(e, "z.mat (MATLAB): the array `data` holds complex numbers (2 × 3 double (complex)): an ECG is real-valued; save its real part");
    let e = read("s.mat", &file(&[W.matrix(5, 0, &[3, 3], "s", &[])]), &opts).unwrap_err().to_string();
    assert_eq!(e, "s.mat: MATLAB: it holds no numeric array ecglens can read: `s` is a sparse matrix (ecglens reads full numeric arrays: double, single, int8 to uint64)");
    let e = read("t.mat", &file(&[W.text("name", "hello")]), &opts).unwrap_err().to_string();
    assert!(e.contains("no numeric array that could be an ECG; its variables: `name` (1 × 5 char)"), "{e}");
    let nan = W.matrix(6, 0, &[2, 3], "data", &[W.doubles(&[1.0, 1.0, 1.0, f64::NAN, 1.0, 1.0])]);
    let e = read("n.mat", &file(&[nan]), &opts).unwrap_err().to_string();
    assert_eq!(e, "n.mat (MATLAB): lead II of `data` has an invalid value (NaN) at sample 2 (0.002 s)");
    let wide = W.matrix(6, 0, &[20, 30], "data", &[W.doubles(&[0.0; 600])]);
    let e = read("w.mat", &file(&[wide]), &rate(500.0)).unwrap_err().to_string();
    assert!(
        e.contains("has shape 20 × 30: expected (leads, samples) or (samples, leads) with at most 16 leads"),
        "{e}"
    );
    let mut v73 = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, HDF5 schema 1.00".to_vec();
    v73.resize(600, 0);
    let e = read("h.mat", &v73, &opts).unwrap_err().to_string();
    assert!(e.contains("MATLAB 7.3 (HDF5)"), "{e}");
    let e = read("e.mat", &file(&[]), &opts).unwrap_err().to_string();
    assert!(e.contains("it holds no variables"), "{e}");
}

#[test]
fn level4_alone_and_big_endian_level5() {
    let values: Vec<u8> = [-245i16, 16, 237, 7, 1, 2].iter().flat_map(|v| v.to_le_bytes()).collect();
    let f = level4::write_matrix(false, 30, 2, 3, "val", &values);
    let opts =
        ReadOptions { units: Some(Units::Raw(1000.0)), leads: Some(vec!["I".into(), "II".into()]), ..rate(1000.0) };
    let o = read("S0001.mat", &f, &opts).unwrap();
    assert_eq!(o.source.detail, "level 4: `val`, 2 × 3 int16");
    assert_eq!(o.record.leads[0].samples_mv, [-0.245, 0.237, 0.001]);
    let big = Writer { big_endian: true };
    let mut f = big.header();
    f.extend(big.matrix(6, 0, &[1, 3], "ecg", &[big.int16s(&[1, -2, 3])]));
    let o = read("b.mat", &f, &ReadOptions { leads: Some(vec!["II".into()]), ..rate(100.0) }).unwrap();
    assert_eq!(
        (o.source.detail.as_str(), o.record.leads[0].samples_mv.clone()),
        ("level 5, big-endian: `ecg`, 1 × 3 double", vec![1.0, -2.0, 3.0])
    );
}

#[test]
fn units_from_amplitude_and_the_ambiguous_case() {
    assert_eq!(units_from_amplitude(1.7), Some(Units::Millivolts));
    assert_eq!(units_from_amplitude(2300.0), Some(Units::Microvolts));
    assert_eq!(units_from_amplitude(0.0021), Some(Units::Volts));
    assert_eq!(units_from_amplitude(0.0), Some(Units::Millivolts));
    assert_eq!(units_from_amplitude(2.0e6), None);
    let f = file(&[W.matrix(6, 0, &[1, 2], "data", &[W.doubles(&[2.0e6, 0.0])])]);
    let SignalError::NeedsInput { questions, .. } =
        read("x.mat", &f, &ReadOptions { leads: Some(vec!["I".into()]), ..rate(500.0) }).unwrap_err()
    else {
        panic!()
    };
    assert_eq!(questions, [Question::Units { suggested: Units::Microvolts }]);
}
