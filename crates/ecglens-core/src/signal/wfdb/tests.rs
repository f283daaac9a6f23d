//! The WFDB reader's unit tests.

use super::read::interpolate_gaps;
use super::*;
use crate::signal::{Record, SignalError};

fn one_file(hea: &str, dat: Vec<u8>) -> Result<Record, SignalError> {
    read_record(hea.as_bytes(), &|_| Some(dat.clone()))
}

fn fmt16(vals: &[i16]) -> Vec<u8> {
    vals.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[test]
fn header_fields() {
    let h = parse_header(
        "# leading comment\nrec/0 2 500/1(0) 1000 12:00:00 01/01/2020\n\
         a.dat 212x1:0+12 1000(5)/uV 12 3 7 -5 0 lead II extra\n\
         b.dat 16\n#tail comment\n",
    );
    let h = h.unwrap();
    assert_eq!(h.record_name, "rec");
    assert_eq!(h.n_segments, Some(0));
    assert!(h.signals.is_empty()); // multi-segment: signal lines are segment lines, not parsed
    let h = parse_header(
        "rec 2 500/1(0) 1000 12:00:00 01/01/2020\r\n\
         a.dat 212x1:0+12 1000(5)/uV 12 3 7 -5 0 lead II extra\r\n\
         b.dat 16\r\n#tail comment\r\n",
    )
    .unwrap();
    assert_eq!(h.n_signals, 2);
    assert_eq!(h.sample_rate_hz, 500.0);
    assert_eq!(h.counter_freq_hz, Some(1.0));
    assert_eq!(h.base_counter, Some(0.0));
    assert_eq!(h.n_samples, Some(1000));
    assert_eq!(h.base_time.as_deref(), Some("12:00:00"));
    let a = &h.signals[0];
    assert_eq!((a.format, a.samples_per_frame, a.skew, a.byte_offset), (212, 1, 0, 12));
    assert_eq!((a.adc_gain, a.baseline, a.units.as_str()), (1000.0, 5, "uV"));
    assert_eq!((a.adc_resolution, a.adc_zero, a.initial_value, a.checksum), (12, 3, 7, Some(-5)));
    assert_eq!(a.description, "lead II extra");
    assert_eq!(a.gain_adu_per_mv(), Some(1e6));
    let b = &h.signals[1];
    assert_eq!((b.adc_gain, b.baseline, b.units.as_str(), b.adc_resolution), (200.0, 0, "mV", 16));
    assert_eq!(b.description, "");
    assert_eq!(h.comments, vec!["tail comment"]);
    // defaults: no frequency, no samples
    let h = parse_header("x 1\nx.dat 80 0(3) 8 9\n").unwrap();
    assert_eq!(h.sample_rate_hz, 250.0);
    assert_eq!(h.n_samples, None);
    assert_eq!((h.signals[0].adc_gain, h.signals[0].baseline, h.signals[0].adc_zero), (200.0, 3, 9));
    let h = parse_header("x 1\nx.dat 16 100 16 4\n").unwrap();
    assert_eq!(h.signals[0].baseline, 4); // baseline defaults to ADC zero
    assert_eq!(h.signals[0].initial_value, 4);
}

#[test]
fn header_errors() {
    for bad in [
        "",
        "# only a comment",
        "rec two 500",
        "rec 1 -5 10\nr.dat 16",
        "rec 1 abc 10\nr.dat 16",
        "rec 2 500 10\nr.dat 16",
        "rec 1 500 10\nr.dat",
        "rec 1 500 10\nr.dat 16q",
        "rec 1 500 10\nr.dat 16 1000(5/mV",
        "rec 1 500 10\nr.dat 16 abc",
        "rec 1 500 10\nr.dat 16 100 x",
        "rec 1 500 -10\nr.dat 16",
        "rec 65 500 10",
    ] {
        assert!(parse_header(bad).is_err(), "{bad:?}");
    }
    let e = parse_header("rec 1 500 10\nr.dat 16 abc").unwrap_err();
    assert_eq!(e.to_string(), "rec.hea, line 2: the gain \"abc\" is not a number");
    let e = read_record(&[0xff, 0xfe, 0x00], &|_| None).unwrap_err();
    assert!(matches!(e, SignalError::HeaderNotText { .. }), "{e}");
    let e = read_record(b"r\0 1", &|_| None).unwrap_err();
    assert!(matches!(e, SignalError::HeaderNotText { .. }), "{e}");
}

#[test]
fn reads_format_16_two_leads() {
    let hea = "r 2 100 3\nr.dat 16 100(10)/mV 16 0 0 30 0 I\nr.dat 16 200 16 0 0 -200 0 aVR\n# age: 50\n";
    let rec = one_file(hea, fmt16(&[110, 0, 10, 200, -90, -400])).unwrap();
    assert_eq!(rec.name, "r");
    assert_eq!(rec.sample_rate_hz, 100.0);
    assert_eq!(rec.leads[0].name, "I");
    assert_eq!(rec.leads[0].samples_mv, vec![1.0, 0.0, -1.0]);
    assert_eq!(rec.leads[1].samples_mv, vec![0.0, 1.0, -2.0]);
    assert_eq!(rec.comments, vec!["age: 50"]);
}

#[test]
fn checksum_verified() {
    let hea_ok = "r 1 100 3\nr.dat 16 1 16 0 0 6 0 I\n";
    assert!(one_file(hea_ok, fmt16(&[1, 2, 3])).is_ok());
    let hea_neg = "r 1 100 2\nr.dat 16 1 16 0 0 -3 0 I\n";
    assert!(one_file(hea_neg, fmt16(&[-1, -2])).is_ok());
    // A mismatch (CinC 2017 writes 0) is read, as wfdb-python reads it, with a warning naming the lead.
    let r = one_file("r 1 100 3\nr.dat 16 1 16 0 0 0 0 I\n", fmt16(&[1, 2, 3])).unwrap();
    assert_eq!(r.leads[0].samples_mv.len(), 3);
    let warning = r.comments.iter().find(|c| c.starts_with(super::read::CHECKSUM_WARNING)).unwrap();
    assert!(warning.contains("lead I in r.dat adds up to 6, the header says 0"), "{warning}");
}

#[test]
fn multi_segment_records_are_joined() {
    // A layout segment naming I and II, a segment with both, a null stretch, a segment with II only.
    let files: std::collections::HashMap<&str, Vec<u8>> = [
        ("m.hea", b"m/4 2 100 9\nm_layout 0\ns1 3\n~ 2\ns2 4\n".to_vec()),
        ("m_layout.hea", b"m_layout 2 100 0\n~ 16 200 16 0 0 0 0 I\n~ 16 200 16 0 0 0 0 II\n".to_vec()),
        ("s1.hea", b"s1 2 100 3\ns1.dat 16 200 16 0 0 0 0 I\ns1.dat 16 200 16 0 0 0 0 II\n".to_vec()),
        ("s1.dat", fmt16(&[200, 400, 200, 400, 200, 400])),
        ("s2.hea", b"s2 1 100 4\ns2.dat 16 200 16 0 0 0 0 II\n".to_vec()),
        ("s2.dat", fmt16(&[-200, -200, -200, -200])),
    ]
    .into_iter()
    .collect();
    let r = read_record(&files["m.hea"], &|name| files.get(name).cloned()).unwrap();
    assert_eq!(r.n_samples(), 9);
    assert_eq!(r.leads[0].name, "I");
    assert_eq!(r.leads[0].samples_mv, vec![1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(r.leads[1].samples_mv, vec![2.0, 2.0, 2.0, 0.0, 0.0, -1.0, -1.0, -1.0, -1.0]);
    let notes = r.comments.join("\n");
    assert!(notes.contains("no signal from 0.0 s for 0.0 s (null segment)"), "{notes}");
    assert!(notes.contains("lead I is absent from segment s2 (0.1 s for 0.0 s): drawn at 0 mV"), "{notes}");
    // A missing segment header is named.
    let e = read_record(&files["m.hea"], &|name| (name != "s2.hea").then(|| files.get(name).cloned()).flatten())
        .unwrap_err()
        .to_string();
    assert!(e.contains("s2.hea"), "{e}");
}

#[test]
fn format_212_310_311_80_61_160_24_32_8() {
    // 212: values 1, -2, 2047, -2047 packed in pairs
    let pack212 = |a: i32, b: i32| {
        let (a, b) = (a as u32 & 0xFFF, b as u32 & 0xFFF);
        [(a & 0xFF) as u8, ((a >> 8) | ((b >> 8) << 4)) as u8, (b & 0xFF) as u8]
    };
    let mut d = pack212(1, -2).to_vec();
    d.extend(pack212(2047, -2047));
    let r = one_file("r 1 10 4\nr.dat 212 1 12 0 0 -1 0 II\n", d.clone()).unwrap();
    assert_eq!(r.leads[0].samples_mv, vec![1.0, -2.0, 2047.0, -2047.0]);
    // odd count: 3 values need 5 bytes
    let r = one_file("r 1 10 3\nr.dat 212 1\n", d[..5].to_vec()).unwrap();
    assert_eq!(r.leads[0].samples_mv, vec![1.0, -2.0, 2047.0]);
    assert!(one_file("r 1 10 3\nr.dat 212 1\n", d[..4].to_vec()).is_err());
    // two signals interleaved in 212
    let r = one_file("r 2 10 2\nr.dat 212 1 12 0 0 2048 0 I\nr.dat 212 1 12 0 0 -2049 0 II\n", d.clone()).unwrap();
    assert_eq!(r.leads[0].samples_mv, vec![1.0, 2047.0]);
    assert_eq!(r.leads[1].samples_mv, vec![-2.0, -2047.0]);
    // 310: s0 = bits 1..10 of w0, s1 = bits 1..10 of w1, s2 = bits 11..15 of w0 (low) + of w1 (high)
    let (s0, s1, s2) = (5i32 & 0x3FF, -3i32 & 0x3FF, -200i32 & 0x3FF);
    let w0 = ((s0 << 1) | ((s2 & 0x1F) << 11)) as u16;
    let w1 = ((s1 << 1) | ((s2 >> 5) << 11)) as u16;
    let mut d = w0.to_le_bytes().to_vec();
    d.extend(w1.to_le_bytes());
    let r = one_file("r 1 10 3\nr.dat 310 1\n", d.clone()).unwrap();
    assert_eq!(r.leads[0].samples_mv, vec![5.0, -3.0, -200.0]);
    let r = one_file("r 1 10 1\nr.dat 310 1\n", d[..2].to_vec()).unwrap();
    assert_eq!(r.leads[0].samples_mv, vec![5.0]);
    // 311: three 10-bit values in one little-endian 32-bit word
    let w = (s0 as u32) | (s1 as u32) << 10 | (s2 as u32) << 20;
    let r = one_file("r 1 10 3\nr.dat 311 1\n", w.to_le_bytes().to_vec()).unwrap();
    assert_eq!(r.leads[0].samples_mv, vec![5.0, -3.0, -200.0]);
    // 80: offset binary
    let r = one_file("r 1 10 3\nr.dat 80 1\n", vec![128, 1, 255]).unwrap();
    assert_eq!(r.leads[0].samples_mv, vec![0.0, -127.0, 127.0]);
    // 61: big endian
    let r = one_file("r 1 10 2\nr.dat 61 1\n", vec![0x01, 0x00, 0xFF, 0xFE]).unwrap();
    assert_eq!(r.leads[0].samples_mv, vec![256.0, -2.0]);
    // 160: offset binary 16
    let r = one_file("r 1 10 2\nr.dat 160 1\n", vec![0x00, 0x80, 0x01, 0x80]).unwrap();
    assert_eq!(r.leads[0].samples_mv, vec![0.0, 1.0]);
    // 24 and 32
    let r = one_file("r 1 10 2\nr.dat 24 1\n", vec![0xFF, 0xFF, 0xFF, 0x02, 0x00, 0x00]).unwrap();
    assert_eq!(r.leads[0].samples_mv, vec![-1.0, 2.0]);
    let r = one_file("r 1 10 1\nr.dat 32 1\n", (-70000i32).to_le_bytes().to_vec()).unwrap();
    assert_eq!(r.leads[0].samples_mv, vec![-70000.0]);
    // 8: first differences from the initial value
    let r = one_file("r 1 10 3\nr.dat 8 1 8 0 10\n", vec![0, 5, 0xFE]).unwrap();
    assert_eq!(r.leads[0].samples_mv, vec![10.0, 15.0, 13.0]);
}

#[test]
fn offsets_multiple_files_units() {
    let hea = "r 2 100 2\na.dat 16+4 1/uV 16 0 0 -1000 0 V1\nb.dat 80 2/V 8 0 0 0 0 V2\n";
    let mut a = vec![9, 9, 9, 9];
    a.extend(fmt16(&[1000, -2000]));
    let b = vec![130u8, 126];
    let rec = read_record(hea.as_bytes(), &|n| match n {
        "a.dat" => Some(a.clone()),
        "b.dat" => Some(b.clone()),
        _ => None,
    })
    .unwrap();
    assert_eq!(rec.leads[0].samples_mv, vec![1.0, -2.0]);
    assert_eq!(rec.leads[1].samples_mv, vec![1000.0, -1000.0]);
    let e = read_record(hea.as_bytes(), &|n| (n == "a.dat").then(|| a.clone())).unwrap_err();
    assert!(matches!(&e, SignalError::MissingSignalFile { file, .. } if file == "b.dat"), "{e}");
    // non-voltage signal left out with a note
    let hea = "r 2 100 2\nr.dat 16 1/mV 16 0 0 4 0 I\nr.dat 16 1/mmHg 16 0 0 6 0 ABP\n";
    let rec = one_file(hea, fmt16(&[1, 2, 3, 4])).unwrap();
    assert_eq!(rec.leads.len(), 1);
    assert!(rec.comments.iter().any(|c| c.starts_with("ecglens:") && c.contains("ABP")));
    // slices variant
    let d = fmt16(&[1, 2]);
    let rec = read_record_slices(b"r 1 100 2\nr.dat 16 1\n", &|_| Some(&d[..])).unwrap();
    assert_eq!(rec.leads[0].name, "signal 1");
    assert_eq!(rec.n_samples(), 2);
}

#[test]
fn inferred_length_and_bad_data() {
    let rec = one_file("r 2 100\nr.dat 16\nr.dat 16\n", fmt16(&[1, 2, 3, 4, 5])).unwrap();
    assert_eq!(rec.n_samples(), 2);
    // truncated
    let e = one_file("r 2 100 3\nr.dat 16 1 16 0 0 0 0 I\nr.dat 16 1 16 0 0 0 0 II\n", fmt16(&[1, 2, 3, 4, 5]))
        .unwrap_err();
    match &e {
        SignalError::Truncated { expected_bytes, actual_bytes, .. } => {
            assert_eq!((*expected_bytes, *actual_bytes), (12, 10))
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("r.dat"), "{e}");
    // zero length
    assert!(matches!(one_file("r 1 100\nr.dat 16\n", vec![]), Err(SignalError::Empty { .. })));
    assert!(matches!(one_file("r 0 100 10\n", vec![]), Err(SignalError::NoLeads { .. })));
    // unknown format
    let e = one_file("r 1 100 1\nr.dat 999 1 16 0 0 0 0 V3\n", vec![0; 8]).unwrap_err();
    assert!(matches!(e, SignalError::UnsupportedFormat { format: 999, .. }), "{e}");
    assert!(e.to_string().contains("V3"));
    // unsupported features
    // a multi-segment header without its segment lines
    let e = one_file("r/2 1 100 1\n", vec![]).unwrap_err().to_string();
    assert!(e.contains("announces 2 segments but only 0 segment lines follow"), "{e}");
    assert!(matches!(one_file("r 1 100 1\nr.dat 16x2\n", vec![0; 8]), Err(SignalError::Unsupported { .. })));
    assert!(matches!(one_file("r 1 100 1\nr.dat 16:1\n", vec![0; 8]), Err(SignalError::Unsupported { .. })));
    // absurd sizes
    let e = one_file("r 1 100 10000000000\nr.dat 16\n", vec![0; 8]).unwrap_err();
    assert!(matches!(e, SignalError::TooLarge { .. }), "{e}");
    let e = one_file("r 12 1000000 40000000\nr.dat 16\nr.dat 16\nr.dat 16\nr.dat 16\nr.dat 16\nr.dat 16\nr.dat 16\nr.dat 16\nr.dat 16\nr.dat 16\nr.dat 16\nr.dat 16\n", vec![0; 8]).unwrap_err();
    assert!(matches!(e, SignalError::TooLarge { .. }), "{e}");
    // offset beyond the file
    assert!(matches!(one_file("r 1 100 1\nr.dat 16+100\n", vec![0; 8]), Err(SignalError::Truncated { .. })));
}

#[test]
fn invalid_samples_interpolated_or_refused() {
    let mut v = vec![0i16; 200];
    for (i, x) in v.iter_mut().enumerate() {
        *x = i as i16;
    }
    v[50] = -32768;
    v[199] = -32768;
    let cks = |v: &[i16]| v.iter().map(|&x| i64::from(x)).sum::<i64>();
    let rec = one_file(&format!("r 1 100 200\nr.dat 16 1 16 0 0 {} 0 V4\n", cks(&v)), fmt16(&v)).unwrap();
    assert_eq!(rec.leads[0].samples_mv[50], 50.0);
    assert_eq!(rec.leads[0].samples_mv[199], 198.0);
    assert!(rec.comments.iter().any(|c| c.contains("V4") && c.contains("2 invalid")));
    v[10] = -32768;
    let e = one_file(&format!("r 1 100 200\nr.dat 16 1 16 0 0 {} 0 V4\n", cks(&v)), fmt16(&v)).unwrap_err();
    assert!(matches!(&e, SignalError::InvalidSamples { lead, count: 3, .. } if lead == "V4"), "{e}");
    let e = one_file("r 1 100 1\nr.dat 212 1\n", vec![0x00, 0x08, 0x00]).unwrap_err();
    assert!(matches!(e, SignalError::InvalidSamples { .. }), "{e}");
    let mut g = [f32::NAN, 1.0, f32::NAN, f32::NAN, 4.0, f32::NAN];
    interpolate_gaps(&mut g);
    assert_eq!(g, [1.0, 1.0, 2.0, 3.0, 4.0, 4.0]);
}

fn encode(format: u32, v: &[i64]) -> Vec<u8> {
    match format {
        16 => v.iter().flat_map(|&x| (x as i16).to_le_bytes()).collect(),
        212 => {
            let mut out = Vec::new();
            for pair in v.chunks(2) {
                let a = pair[0] as u32 & 0xFFF;
                let b = pair.get(1).map_or(0, |&x| x as u32 & 0xFFF);
                out.extend([(a & 0xFF) as u8, ((a >> 8) | ((b >> 8) << 4)) as u8]);
                if pair.len() == 2 {
                    out.push((b & 0xFF) as u8);
                }
            }
            out
        }
        80 => v.iter().map(|&x| (x + 128) as u8).collect(),
        _ => unreachable!(),
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Random digital values in one of three formats, 1–4 interleaved leads, random gain and baseline:
    /// the reader returns (adu - baseline) / gain for every sample, and the checksums agree.
    #[test]
    fn roundtrip(fmt_i in 0usize..3, n_sig in 1usize..5, n in 1usize..40, seed in 0u64..u64::MAX,
                 gain in 1.0f64..5000.0, baseline in -100i64..100) {
        let format = [16u32, 212, 80][fmt_i];
        let lim = [32767i64, 2047, 127][fmt_i];
        let mut state = seed;
        let mut next = || { state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); (state >> 33) as i64 };
        let values: Vec<Vec<i64>> = (0..n_sig).map(|_| (0..n).map(|_| next() % (2 * lim + 1) - lim).collect()).collect();
        let mut hea = format!("rt {n_sig} 500 {n}\n");
        for (j, v) in values.iter().enumerate() {
            hea += &format!("rt.dat {format} {gain}({baseline})/mV 0 0 0 {} 0 V{}\n", v.iter().sum::<i64>(), j + 1);
        }
        let interleaved: Vec<i64> = (0..n).flat_map(|t| values.iter().map(move |v| v[t])).collect();
        let dat = encode(format, &interleaved);
        let rec = read_record(hea.as_bytes(), &|_| Some(dat.clone())).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
        proptest::prop_assert_eq!(rec.leads.len(), n_sig);
        for (lead, v) in rec.leads.iter().zip(&values) {
            for (got, &d) in lead.samples_mv.iter().zip(v) {
                let want = ((d - baseline) as f64 / gain) as f32;
                proptest::prop_assert_eq!(*got, want);
            }
        }
        // one byte short: an error, never a panic
        proptest::prop_assert!(read_record(hea.as_bytes(), &|_| Some(dat[..dat.len() - 1].to_vec())).is_err());
    }

    /// Headers assembled from plausible and implausible tokens, with random data: never a panic,
    /// and whatever is accepted is a valid record.
    #[test]
    fn never_panics(toks in proptest::collection::vec(0usize..24, 0..30), dat in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
        const T: [&str; 24] = ["r", "2", "1", "500", "0", "-1", "16", "212", "310", "80", "8", "r.dat", "\n", "\n",
            "100(3)/mV", "1/uV", "x", "16+2", "16x2", "#c", "4294967296", "99999999999999999999", "1e308", "nan"];
        let hea: String = toks.iter().map(|&i| T[i]).collect::<Vec<_>>().join(" ");
        if let Ok(rec) = read_record(hea.as_bytes(), &|_| Some(dat.clone())) {
            proptest::prop_assert!(rec.validate().is_ok());
        }
        let _ = read_annotations(&dat);
    }
}

fn ann_word(a: u16, i: u16) -> [u8; 2] {
    ((a << 10) | (i & 0x3FF)).to_le_bytes()
}

#[test]
fn annotations() {
    let mut b = Vec::new();
    b.extend(ann_word(39, 100)); // ( at 100
    b.extend(ann_word(62, 3)); // CHN 3
    b.extend(ann_word(24, 10)); // p at 110
    b.extend(ann_word(61, 0xFF)); // SUB -1
    b.extend(ann_word(40, 10)); // ) at 120
    b.extend(ann_word(63, 3)); // AUX "abc" + pad
    b.extend(b"abc\0");
    b.extend(ann_word(59, 0)); // SKIP 100000
    b.extend(((100_000u32 >> 16) as u16).to_le_bytes());
    b.extend(((100_000u32 & 0xFFFF) as u16).to_le_bytes());
    b.extend(ann_word(1, 5)); // N at 120 + 100000 + 5
    b.extend(ann_word(60, 7)); // NUM 7
    b.extend([0, 0]);
    b.extend(ann_word(1, 5)); // after EOF: ignored
    let a = read_annotations(&b).unwrap();
    assert_eq!(a.len(), 4);
    assert_eq!((a[0].sample, a[0].symbol, a[0].chan), (100, '(', 3)); // CHN modifies the annotation before it
    assert_eq!((a[1].sample, a[1].symbol, a[1].chan, a[1].subtype), (110, 'p', 3, -1));
    assert_eq!((a[2].sample, a[2].symbol, a[2].chan, a[2].aux.as_deref()), (120, ')', 3, Some("abc")));
    assert_eq!((a[3].sample, a[3].symbol, a[3].num, a[3].chan), (100_125, 'N', 7, 3));
    let grouped = crate::landmarks::waves(&a);
    assert_eq!(grouped, vec![crate::landmarks::Wave { kind: crate::landmarks::WaveKind::P, start: 100, end: 120 }]);
    // truncated pseudo-annotations and negative times are errors
    let mut t = ann_word(59, 0).to_vec();
    t.extend([1, 2]);
    assert!(read_annotations(&t).is_err());
    let mut t = ann_word(1, 1).to_vec();
    t.extend(ann_word(63, 10));
    t.extend(b"abc");
    assert!(read_annotations(&t).is_err());
    let mut t = ann_word(59, 0).to_vec();
    t.extend(0xFFFFu16.to_le_bytes());
    t.extend(0xFFF0u16.to_le_bytes());
    t.extend(ann_word(1, 0));
    assert!(read_annotations(&t).is_err());
    assert!(read_annotations(&[]).unwrap().is_empty());
    assert!(read_annotations(&[7]).unwrap().is_empty());
    assert_eq!(annotation_symbol(1), 'N');
    assert_eq!(annotation_symbol(27), 't');
    assert_eq!(annotation_symbol(41), 'r');
    assert_eq!(annotation_symbol(15), '\u{FFFD}');
    assert_eq!(annotation_symbol(50), '\u{FFFD}');
}
