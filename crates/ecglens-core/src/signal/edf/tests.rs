//! Unit tests on small files written here by the spec (the integration tests read files pyedflib wrote).

use super::*;
use crate::signal::TimeWindow;

/// One signal of a test file: label, dimension, physical min/max, digital min/max, samples per record.
pub(crate) struct Sig<'a>(pub &'a str, pub &'a str, pub f64, pub f64, pub i64, pub i64, pub usize);

fn pad(text: &str, width: usize) -> Vec<u8> {
    let mut b = text.as_bytes().to_vec();
    b.resize(width, b' ');
    b
}

/// An EDF (or BDF) file: `value(signal, record, sample)` gives each digital value; annotation signals (labelled
/// "EDF Annotations") get `tal(record)` instead.
pub(crate) fn write(
    bdf: bool,
    reserved: &str,
    n_records: i64,
    duration: &str,
    signals: &[Sig],
    value: &dyn Fn(usize, usize, usize) -> i64,
    tal: &dyn Fn(usize) -> Vec<u8>,
) -> Vec<u8> {
    let ns = signals.len();
    let mut h = if bdf { b"\xFFBIOSEMI".to_vec() } else { pad("0", 8) };
    h.extend(pad("X M 01-JAN-1970 Test_Person", 80));
    h.extend(pad("Startdate 02-FEB-2003 X X cart_9", 80));
    h.extend(pad("02.02.03", 8));
    h.extend(pad("10.20.30", 8));
    h.extend(pad(&(256 * (ns + 1)).to_string(), 8));
    h.extend(pad(reserved, 44));
    h.extend(pad(&n_records.to_string(), 8));
    h.extend(pad(duration, 8));
    h.extend(pad(&ns.to_string(), 4));
    type Field<'f> = &'f dyn Fn(&Sig) -> Vec<u8>;
    let fields: [Field; 10] = [
        &|s| pad(s.0, 16),
        &|_| pad("", 80),
        &|s| pad(s.1, 8),
        &|s| pad(&s.2.to_string(), 8),
        &|s| pad(&s.3.to_string(), 8),
        &|s| pad(&s.4.to_string(), 8),
        &|s| pad(&s.5.to_string(), 8),
        &|_| pad("", 80),
        &|s| pad(&s.6.to_string(), 8),
        &|_| pad("", 32),
    ];
    for f in fields {
        for s in signals {
            h.extend(f(s));
        }
    }
    let bps = if bdf { 3 } else { 2 };
    for r in 0..n_records.max(1) as usize {
        for (k, s) in signals.iter().enumerate() {
            if s.0 == "EDF Annotations" {
                let mut t = tal(r);
                t.resize(s.6 * bps, 0);
                h.extend(t);
                continue;
            }
            for i in 0..s.6 {
                let v = value(k, r, i);
                if bdf {
                    h.extend(&(v as i32).to_le_bytes()[..3]);
                } else {
                    h.extend((v as i16).to_le_bytes());
                }
            }
        }
    }
    h
}

fn none(_: usize) -> Vec<u8> {
    Vec::new()
}

fn psg() -> Vec<u8> {
    write(
        false,
        "EDF+C",
        3,
        "1",
        &[
            Sig("EEG C3-A2", "uV", -500.0, 500.0, -2048, 2047, 100),
            Sig("ECG II", "uV", -3276.8, 3276.7, -32768, 32767, 200),
            Sig("EKG V1", "mV", -3.2768, 3.2767, -32768, 32767, 100),
            Sig("EDF Annotations", "", -1.0, 1.0, -32768, 32767, 30),
        ],
        &|k, r, i| (k as i64 * 1000 + r as i64 * 100 + i as i64) % 3000 - 1500,
        &|r| match r {
            0 => b"+0\x14\x14\x00+1.5\x150.5\x14Arousal\x14\x00".to_vec(),
            _ => format!("+{r}\x14\x14\x00").into_bytes(),
        },
    )
}

#[test]
fn reads_ecg_signals_converts_and_leaves_out_the_rest() {
    let o = read("dir/night.edf", &psg(), &ReadOptions::default()).unwrap();
    let names: Vec<&str> = o.record.leads.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["II", "V1"]);
    assert_eq!(o.record.name, "night");
    assert_eq!(o.record.sample_rate_hz, 200.0);
    assert_eq!(o.record.n_samples(), 600);
    // ECG II: digital d → d · 0.1 µV = d · 1e-4 mV (gain 6553.5/65535 = 0.1).
    let d = (1000 - 1500) as f64;
    assert!((f64::from(o.record.leads[0].samples_mv[0]) - d * 1e-4).abs() < 1e-7);
    assert_eq!(o.source.detail, "EDF+C, 4 signals");
    assert!(
        o.source.warnings.iter().any(|w| w == "ecglens: left out 1 non-ECG signal: EEG C3-A2"),
        "{:?}",
        o.source.warnings
    );
    assert!(o.source.warnings.iter().any(|w| w.contains("resampled V1 (100 Hz) to 200 Hz")), "{:?}", o.source.warnings);
    assert_eq!(o.source.events, vec![Event { onset_s: 1.5, duration_s: Some(0.5), text: "Arousal".into() }]);
    assert_eq!(o.source.device.device.as_deref(), Some("cart 9"));
    assert_eq!(o.source.device.acquired.as_deref(), Some("2003-02-02T10:20:30"));
    assert_eq!(o.patient.name.as_deref(), Some("Test Person"));
    assert_eq!(o.patient.sex.as_deref(), Some("male"));
    assert!(o.record.comments.iter().all(|c| !c.contains("Test")), "identity stays out of comments");
    assert!(o.source.warnings.iter().all(|w| !w.contains("Test")));
}

#[test]
fn probe_reads_the_header_only() {
    let bytes = psg();
    let head = &bytes[..256 * 5];
    assert_eq!(header_len("x", &bytes[..256]).unwrap(), 1280);
    let layout = probe("x", head).unwrap();
    assert_eq!(layout.variant, "EDF+C");
    assert_eq!(layout.total_duration_s, Some(3.0));
    let ecg: Vec<Option<&str>> = layout.signals.iter().map(|s| s.ecg_name.as_deref()).collect();
    assert_eq!(ecg, [None, Some("II"), Some("V1"), None]);
    assert_eq!(layout.signals[1].sample_rate_hz, Some(200.0));
    assert!(layout.signals[3].is_annotation);
    let e = probe("x", &bytes[..600]).unwrap_err().to_string();
    assert!(e.contains("is 1,280 bytes long, but the file ends at byte 600"), "{e}");
}

#[test]
fn the_users_leads_choose_signals_by_label() {
    let options = ReadOptions { leads: Some(vec!["EEG C3-A2".into(), "II".into()]), ..Default::default() };
    let o = read("x.edf", &psg(), &options).unwrap();
    let names: Vec<&str> = o.record.leads.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["EEG C3-A2", "II"]);
    assert!(!o.source.warnings.iter().any(|w| w.contains("left out")));
    let options = ReadOptions { leads: Some(vec!["V5".into()]), ..Default::default() };
    let e = read("x.edf", &psg(), &options).unwrap_err().to_string();
    assert_eq!(e, "record x lacks lead(s) V5: it has EEG C3-A2, ECG II, EKG V1");
}

#[test]
fn bdf_24_bit_and_unknown_record_count() {
    let bytes = write(
        true,
        "24BIT",
        -1,
        "0.5",
        &[Sig("II", "uV", -8388608.0, 8388607.0, -8388608, 8388607, 250)],
        &|_, r, i| if i % 2 == 0 { -8_000_000 + r as i64 } else { 1_234_567 },
        &none,
    );
    let o = read("x.bdf", &bytes, &ReadOptions::default()).unwrap();
    assert_eq!(o.record.sample_rate_hz, 500.0);
    assert_eq!(o.record.n_samples(), 250);
    assert!((o.record.leads[0].samples_mv[0] - -8000.0).abs() < 1e-3);
    assert!((o.record.leads[0].samples_mv[1] - 1234.567).abs() < 1e-3);
    assert_eq!(o.source.detail, "BDF, 1 signals");
    assert!(
        o.source.warnings[0].contains("does not say how many data records there are (-1"),
        "{:?}",
        o.source.warnings
    );
    assert_eq!(o.patient.id.as_deref(), Some("X M 01-JAN-1970 Test_Person"), "plain EDF: the whole field");
}

#[test]
fn discontinuous_records_are_joined_with_a_gap_event() {
    let bytes = write(
        false,
        "EDF+D",
        4,
        "1",
        &[Sig("ECG I", "mV", -10.0, 10.0, -10000, 10000, 10), Sig("EDF Annotations", "", -1.0, 1.0, -32768, 32767, 20)],
        &|_, r, _| r as i64,
        &|r| {
            let start = [0.25, 1.25, 14.25, 15.25][r];
            let mut t = format!("+{start}\x14\x14\x00").into_bytes();
            if r == 2 {
                t.extend(b"+14.75\x14Spike\x14\x00+5\x14In the gap\x14\x00");
            }
            t
        },
    );
    let o = read("x.edf", &bytes, &ReadOptions::default()).unwrap();
    assert_eq!(o.record.n_samples(), 40);
    let gap = "ecglens: gap of 12 s at 2 s (the recording resumes at 14 s): the trace is joined there";
    assert!(o.source.warnings.iter().any(|w| w == gap), "{:?}", o.source.warnings);
    let events: Vec<(f64, &str)> = o.source.events.iter().map(|e| (e.onset_s, e.text.as_str())).collect();
    assert_eq!(events, [(2.0, gap), (2.0, "In the gap"), (2.5, "Spike")]);
    assert_eq!(o.source.device.acquired.as_deref(), Some("2003-02-02T10:20:30.25"));
}

#[test]
fn windows_read_only_their_records() {
    let bytes = psg();
    let whole = read("x.edf", &bytes, &ReadOptions::default()).unwrap();
    let w = TimeWindow { start_s: 1.2, duration_s: 0.5 };
    let part = read("x.edf", &bytes, &ReadOptions { window: Some(w), ..Default::default() }).unwrap();
    assert_eq!(part.source.window, Some(WindowInfo { start_s: 1.2, duration_s: 0.5, total_duration_s: 3.0 }));
    assert_eq!(part.record.n_samples(), 100);
    assert_eq!(part.record.leads[0].samples_mv, whole.record.leads[0].samples_mv[240..340]);
    assert_eq!(part.source.events.len(), 1);
    let late = ReadOptions { window: Some(TimeWindow { start_s: 3.0, duration_s: 1.0 }), ..Default::default() };
    let e = read("x.edf", &bytes, &late).unwrap_err().to_string();
    assert!(e.contains("starts at 3 s, but the recording is 3 s long"), "{e}");
}

#[test]
fn units_from_amplitude_or_asked() {
    let file = |peak: i64| {
        write(
            false,
            "",
            1,
            "1",
            &[Sig("ECG", "", -32768.0, 32767.0, -32768, 32767, 10)],
            &move |_, _, i| if i == 3 { peak } else { 0 },
            &none,
        )
    };
    let o = read("x.edf", &file(1500), &ReadOptions::default()).unwrap();
    assert!((o.record.leads[0].samples_mv[3] - 1.5).abs() < 1e-6);
    assert!(
        o.source.warnings.iter().any(|w| w.contains("no voltage unit for ECG (\"\"); values up to 1500 read as µV")),
        "{:?}",
        o.source.warnings
    );
    let o = read("x.edf", &file(2), &ReadOptions::default()).unwrap();
    assert_eq!(o.record.leads[0].samples_mv[3], 2.0);
    let e = read("x.edf", &file(30), &ReadOptions::default()).unwrap_err();
    assert_eq!(
        e,
        SignalError::NeedsInput {
            file: "x.edf".into(),
            format: FORMAT,
            questions: vec![Question::Units { suggested: Units::Microvolts }]
        }
    );
    let o = read("x.edf", &file(30), &ReadOptions { units: Some(Units::Microvolts), ..Default::default() }).unwrap();
    assert!((o.record.leads[0].samples_mv[3] - 0.03).abs() < 1e-6);
}

#[test]
fn refusals_say_what_is_wrong() {
    let eeg = write(
        false,
        "",
        1,
        "1",
        &[Sig("EEG Fpz-Cz", "uV", -1.0, 1.0, -1, 1, 4), Sig("SpO2", "%", 0.0, 100.0, 0, 100, 1)],
        &|_, _, _| 0,
        &none,
    );
    let e = read("x.edf", &eeg, &ReadOptions::default()).unwrap_err().to_string();
    assert!(e.starts_with("x.edf (EDF/BDF): none of its 2 signals is labelled as an ECG: EEG Fpz-Cz, SpO2."), "{e}");
    let flat = write(false, "", 1, "1", &[Sig("II", "uV", -1.0, 1.0, 5, 5, 4)], &|_, _, _| 0, &none);
    let e = read("x.edf", &flat, &ReadOptions::default()).unwrap_err().to_string();
    assert!(e.contains("signal 1 (II): its digital minimum and maximum are both 5, so it has no scale"), "{e}");
    let zero = write(false, "", 1, "0", &[Sig("II", "uV", -1.0, 1.0, -1, 1, 4)], &|_, _, _| 0, &none);
    let e = read("x.edf", &zero, &ReadOptions::default()).unwrap_err().to_string();
    assert!(e.contains("the data records last 0 s"), "{e}");
    let mut truncated = psg();
    truncated.truncate(truncated.len() - 1);
    let e = read("x.edf", &truncated, &ReadOptions::default()).unwrap_err().to_string();
    assert!(e.contains("the header promises 3 data records of 860 bytes (3 s) after its 1,280-byte header, 3,860 bytes, but the file is 3,859 bytes: it is truncated"), "{e}");
    let e = read("x.edf", b"0       short", &ReadOptions::default()).unwrap_err().to_string();
    assert!(e.contains("it is 13 bytes long, shorter than the 256 bytes of an EDF header"), "{e}");
    let mut bad_version = psg();
    bad_version[0] = b'9';
    let e = read("x.edf", &bad_version, &ReadOptions::default()).unwrap_err().to_string();
    assert!(e.contains("its version field is \"9\""), "{e}");
}

#[test]
fn a_stated_rate_wins_over_the_users() {
    let o = read("x.edf", &psg(), &ReadOptions { sample_rate_hz: Some(500.0), ..Default::default() }).unwrap();
    assert_eq!(o.record.sample_rate_hz, 200.0);
    assert!(o.source.warnings.iter().any(|w| w == "ecglens: the file says 200 Hz; the 500 Hz given is not used"));
}

#[test]
fn rates_are_rounded_to_micro_hertz() {
    assert_eq!(rate(500, 0.1), Some(5000.0));
    assert_eq!(rate(975, 2.0), Some(487.5));
    assert_eq!(rate(3, 0.0), None);
    assert_eq!(hz(487.5), "487.5");
    assert_eq!(hz(500.0), "500");
}
