//! Unit tests of the NumPy reader on arrays written here byte by byte (the real files are in
//! tests/format_numpy.rs).

use super::*;

/// An `.npy` v1.0 of `values` (little-endian f32 unless `descr` says otherwise), with numpy's padding.
pub(crate) fn npy(descr: &str, fortran: bool, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let shape_text = header::shape_text(shape);
    let dict = format!(
        "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape_text}, }}",
        if fortran { "True" } else { "False" }
    );
    let mut text = dict.into_bytes();
    while (10 + text.len() + 1) % 64 != 0 {
        text.push(b' ');
    }
    text.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(text.len() as u16).to_le_bytes());
    out.extend_from_slice(&text);
    out.extend_from_slice(data);
    out
}

fn f32s(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn answered(rate: f64, leads: &[&str], units: Units) -> ReadOptions {
    ReadOptions {
        sample_rate_hz: Some(rate),
        leads: Some(leads.iter().map(|s| s.to_string()).collect()),
        units: Some(units),
        ..Default::default()
    }
}

#[test]
fn leads_by_samples_and_samples_by_leads_and_fortran_order() {
    // Two leads of three samples: lead I = 1, 2, 3; lead II = 10, 20, 30 (values in mV).
    let o = answered(250.0, &["I", "II"], Units::Millivolts);
    let c_leads_first = npy("<f4", false, &[2, 3], &f32s(&[1.0, 2.0, 3.0, 10.0, 20.0, 30.0]));
    let c_samples_first = npy("<f4", false, &[3, 2], &f32s(&[1.0, 10.0, 2.0, 20.0, 3.0, 30.0]));
    let f_leads_first = npy("<f4", true, &[2, 3], &f32s(&[1.0, 10.0, 2.0, 20.0, 3.0, 30.0]));
    for bytes in [c_leads_first, c_samples_first, f_leads_first] {
        let r = read("a.npy", &bytes, &o).unwrap();
        assert_eq!(r.record.leads[0].samples_mv, vec![1.0, 2.0, 3.0]);
        assert_eq!(r.record.leads[1].samples_mv, vec![10.0, 20.0, 30.0]);
        assert_eq!(r.record.sample_rate_hz, 250.0);
        assert_eq!(r.source.part, None);
    }
}

#[test]
fn a_batch_reads_only_its_record() {
    // (records=2, samples=3, leads=2), big-endian float64.
    let values: Vec<f64> = (0..12).map(f64::from).collect();
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_be_bytes()).collect();
    let bytes = npy(">f8", false, &[2, 3, 2], &data);
    let mut o = answered(100.0, &["I", "II"], Units::Millivolts);
    o.item = 1;
    let r = read("X_test.npy", &bytes, &o).unwrap();
    assert_eq!(r.record.leads[0].samples_mv, vec![6.0, 8.0, 10.0]);
    assert_eq!(r.record.leads[1].samples_mv, vec![7.0, 9.0, 11.0]);
    assert_eq!(r.source.part, Some(Part { index: 1, count: 2, label: "X_test[1]".into() }));
    assert_eq!(r.source.detail, ".npy v1.0, float64, big-endian (2, 3, 2), records × samples × leads");
    o.item = 2;
    let e = read("X_test.npy", &bytes, &o).unwrap_err().to_string();
    assert_eq!(e, "X_test.npy (NumPy): record 2 was asked for, but the array holds 2 records (0 to 1)");
    // Fortran order too.
    let fortran: Vec<u8> = {
        let mut v = [0f64; 12];
        for r in 0..2 {
            for s in 0..3 {
                for l in 0..2 {
                    v[r + 2 * (s + 3 * l)] = (r * 6 + s * 2 + l) as f64;
                }
            }
        }
        v.iter().flat_map(|x| x.to_be_bytes()).collect()
    };
    o.item = 1;
    let r = read("X_test.npy", &npy(">f8", true, &[2, 3, 2], &fortran), &o).unwrap();
    assert_eq!(r.record.leads[1].samples_mv, vec![7.0, 9.0, 11.0]);
}

#[test]
fn asks_what_the_array_cannot_say_and_answers_work() {
    let twelve: Vec<f32> = (0..12 * 1000).map(|i| ((i % 100) as f32 - 50.0) * 30.0).collect();
    let bytes = npy("<f4", false, &[1000, 12], &f32s(&twelve));
    let e = read("x.npy", &bytes, &ReadOptions::default()).unwrap_err();
    let SignalError::NeedsInput { questions, format, .. } = &e else { panic!("{e}") };
    assert_eq!(*format, "NumPy");
    assert_eq!(
        questions,
        &vec![
            Question::SampleRate { suggested_hz: 100.0 },
            Question::Leads { count: 12, suggested: suggested_leads(12) },
        ]
    );
    // Units are decided from the amplitude (values up to 1,500 → µV), with a warning.
    let o = ReadOptions { sample_rate_hz: Some(100.0), leads: Some(suggested_leads(12)), ..Default::default() };
    let r = read("x.npy", &bytes, &o).unwrap();
    assert_eq!(r.source.warnings, vec!["ecglens: no units in the file; values up to 1,500 read as µV".to_string()]);
    assert!((r.record.leads[0].samples_mv[0] + 1.5).abs() < 1e-6);
    assert_eq!(r.record.leads[11].name, "V6");
    // Values of 60 could be either: ask.
    let bytes = npy("<f4", false, &[2, 3], &f32s(&[60.0; 6]));
    let e = read("x.npy", &bytes, &answered(1.0, &["I", "II"], Units::Millivolts).or(&ReadOptions::default()));
    assert!(e.is_ok());
    let o = ReadOptions { sample_rate_hz: Some(1.0), leads: Some(vec!["I".into(), "II".into()]), ..Default::default() };
    let SignalError::NeedsInput { questions, .. } = read("x.npy", &bytes, &o).unwrap_err() else { panic!() };
    assert_eq!(questions, vec![Question::Units { suggested: Units::Microvolts }]);
}

#[test]
fn leads_axis_from_the_names_given() {
    // (8, 10): both axes could be leads; 10 names say the second is.
    let bytes = npy("<f4", false, &[8, 10], &f32s(&[0.5; 80]));
    let names: Vec<String> = (1..=10).map(|k| format!("ch{k}")).collect();
    let o = ReadOptions {
        sample_rate_hz: Some(1.0),
        leads: Some(names),
        units: Some(Units::Millivolts),
        ..Default::default()
    };
    let r = read("x.npy", &bytes, &o).unwrap();
    assert_eq!((r.record.leads.len(), r.record.n_samples()), (10, 8));
    assert_eq!(r.record.leads[9].name, "ch10");
    // Without names the shorter axis is proposed as the leads.
    let SignalError::NeedsInput { questions, .. } = read("x.npy", &bytes, &ReadOptions::default()).unwrap_err() else {
        panic!()
    };
    assert!(questions.contains(&Question::Leads { count: 8, suggested: suggested_leads(8) }), "{questions:?}");
}

#[test]
fn bad_arrays_say_what_is_wrong() {
    let o = answered(500.0, &["I"], Units::Millivolts);
    let msg = |bytes: &[u8], o: &ReadOptions| read("a.npy", bytes, o).unwrap_err().to_string();
    assert_eq!(
        msg(&npy("<f4", false, &[5, 7, 9, 2], &f32s(&[0.0; 630])), &ReadOptions::default()),
        "a.npy (NumPy): the array has shape (5, 7, 9, 2): expected (samples,), (leads, samples), (samples, leads), (records, samples, leads) or (records, leads, samples)"
    );
    assert!(msg(&npy("<f4", false, &[100, 5000], &f32s(&[0.0; 500_000])), &ReadOptions::default())
        .contains("neither axis is a plausible number of leads"));
    assert!(msg(&npy("<c8", false, &[3], &[0; 24]), &o).contains("complex numbers"));
    assert!(msg(&npy("|O", false, &[3], &[0; 24]), &o).contains("Python objects"));
    assert!(msg(&npy("<f4", false, &[0], &[]), &o).contains("it is empty"));
    let e = msg(&npy("<f4", false, &[12, 5000], &f32s(&[0.0; 10])), &o);
    assert_eq!(e, "a.npy (NumPy): the header says shape (12, 5000) of float32, which needs 240,128 bytes, but the file holds 168: it is truncated");
    let e = msg(&npy("<f4", false, &[4], &f32s(&[0.0, 1.0, f32::NAN, 0.0])), &o);
    assert_eq!(
        e,
        "a.npy (NumPy): lead I has an invalid value (NaN) at sample 2 (0.004 s): ecglens does not fill gaps in arrays"
    );
    let e = msg(&npy("<f4", false, &[2, 4], &f32s(&[0.0; 8])), &o);
    assert!(e.contains("but 1 lead names are given: no axis is 1 long"), "{e}");
    let e = msg(&npy("<f4", false, &[u32::MAX as usize, u32::MAX as usize, 12], &[]), &o);
    assert!(e.contains("truncated") || e.contains("too large"), "{e}");
}

#[test]
fn units_from_the_amplitude() {
    assert_eq!(units_from_peak(2.3).unwrap().0, Units::Millivolts);
    let (u, w) = units_from_peak(2300.0).unwrap();
    assert_eq!((u, w.as_str()), (Units::Microvolts, "ecglens: no units in the file; values up to 2,300 read as µV"));
    assert_eq!(units_from_peak(0.003), Err(Question::Units { suggested: Units::Volts }));
    assert_eq!(units_from_peak(60.0), Err(Question::Units { suggested: Units::Microvolts }));
    assert_eq!(units_from_peak(1e7), Err(Question::Units { suggested: Units::Microvolts }));
    assert_eq!(suggested_leads(2), vec!["I", "II"]);
    assert_eq!(suggested_rate(5000), 500.0);
}
