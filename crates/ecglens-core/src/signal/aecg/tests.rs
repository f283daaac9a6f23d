use super::*;

/// A minimal aECG: a rhythm series with the given sequences (code, origin, scale, unit, digits).
fn doc(increment: &str, leads: &[(&str, &str, &str, &str, &str)]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\"?><AnnotatedECG xmlns=\"urn:hl7-org:v3\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <component><series><code code=\"RHYTHM\"/><component><sequenceSet>",
    );
    s.push_str(&format!(
        "<component><sequence><code code=\"TIME_RELATIVE\"/><value xsi:type=\"GLIST_PQ\">{increment}</value></sequence></component>"
    ));
    for (code, origin, scale, unit, digits) in leads {
        s.push_str(&format!(
            "<component><sequence><code code=\"{code}\"/><value xsi:type=\"SLIST_PQ\"><origin value=\"{origin}\" unit=\"{unit}\"/>\
             <scale value=\"{scale}\" unit=\"{unit}\"/><digits>{digits}</digits></value></sequence></component>"
        ));
    }
    s.push_str("</sequenceSet></component></series></component></AnnotatedECG>");
    s
}

const INC: &str = "<increment value=\"2\" unit=\"ms\"/>";

fn message(r: Result<Opened, SignalError>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn reads_leads_in_mv_with_origin_scale_and_units() {
    let d = doc(
        INC,
        &[
            ("MDC_ECG_LEAD_I", "0", "2.5", "uV", "-2 0 400"),
            ("MDC_ECG_LEAD_AVR", "1", "0.5", "mV", "1 2 3"),
            ("MDC_ECG_LEAD_V4R", "0", "1", "V", "0 0 0"),
        ],
    );
    let o = read("x.xml", d.as_bytes()).unwrap();
    assert_eq!(o.record.name, "x");
    assert!((o.record.sample_rate_hz - 500.0).abs() < 1e-9);
    let names: Vec<&str> = o.record.leads.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["I", "aVR", "V4R"]);
    assert_eq!(o.record.leads[0].samples_mv, vec![-0.005, 0.0, 1.0]);
    assert_eq!(o.record.leads[1].samples_mv, vec![1.5, 2.0, 2.5]);
    assert_eq!(o.source.format, Format::Hl7Aecg);
    assert!(o.source.warnings.is_empty());
}

#[test]
fn derives_missing_limb_leads_and_says_so() {
    let d = doc(INC, &[("MDC_ECG_LEAD_I", "0", "1", "uV", "1000 0"), ("MDC_ECG_LEAD_II", "0", "1", "uV", "2000 0")]);
    let o = read("x.xml", d.as_bytes()).unwrap();
    assert_eq!(o.record.leads.len(), 6);
    assert!(o.source.warnings[0].contains("III, aVR, aVL, aVF derived"), "{:?}", o.source.warnings);
}

#[test]
fn refuses_each_problem_in_words() {
    let lead = |digits| [("MDC_ECG_LEAD_I", "0", "1", "uV", "1 2 3"), ("MDC_ECG_LEAD_II", "0", "1", "uV", digits)];
    let e = message(read("x.xml", doc(INC, &lead("1 2")).as_bytes()));
    assert!(e.contains("lead II has 2 samples but lead I has 3"), "{e}");
    let e = message(read("x.xml", doc(INC, &lead("1 2 3.5")).as_bytes()));
    assert!(e.contains("lead II: digit 3 ('3.5') is not an integer"), "{e}");
    let e = message(read("x.xml", doc("<head value=\"0\"/>", &lead("1 2 3")).as_bytes()));
    assert!(e.contains("has no <increment>: the sampling rate is unknown"), "{e}");
    let e = message(read("x.xml", doc(INC, &[("MDC_ECG_LEAD_I", "0", "1", "furlong", "1")]).as_bytes()));
    assert!(e.contains("unit 'furlong', which is not a voltage unit"), "{e}");
    let e = message(read("x.xml", doc("<increment value=\"0\" unit=\"s\"/>", &lead("1 2 3")).as_bytes()));
    assert!(e.contains("increment '0' is not a positive number"), "{e}");
    let e = message(read("x.xml", doc(INC, &[("MDC_ECG_LEAD_I", "0", "1", "uV", " \n ")]).as_bytes()));
    assert!(e.contains("the leads hold no samples"), "{e}");
    let median = doc(INC, &lead("1 2 3")).replace("RHYTHM", "REPRESENTATIVE_BEAT");
    let e = message(read("x.xml", median.as_bytes()));
    assert!(e.contains("no RHYTHM series, only REPRESENTATIVE_BEAT"), "{e}");
    let e = message(read("x.xml", b"<?xml version=\"1.0\"?><RestingECG/>"));
    assert!(e.contains("(HL7 aECG): document type is 'RestingECG', expected 'AnnotatedECG'"), "{e}");
    let full = doc(INC, &lead("1 2 3"));
    let e = message(read("x.xml", &full.as_bytes()[..full.len() - 30]));
    assert!(e.contains("the file is truncated"), "{e}");
}

#[test]
fn refuses_too_many_samples_before_allocating() {
    // 200 leads is more than MAX_SIGNALS.
    let many: Vec<(&str, &str, &str, &str, &str)> = (0..200).map(|_| ("X", "0", "1", "uV", "1")).collect();
    assert!(matches!(read("x.xml", doc(INC, &many).as_bytes()), Err(SignalError::TooLarge { .. })));
    // A 0.001 µs increment makes a few digits more than 24 hours? No: a huge increment does.
    let slow = doc("<increment value=\"100000\" unit=\"s\"/>", &[("MDC_ECG_LEAD_I", "0", "1", "uV", "1 2")]);
    let e = message(read("x.xml", slow.as_bytes()));
    assert!(e.contains("too large") && e.contains("hours"), "{e}");
}

#[test]
fn lead_names_from_codes() {
    assert_eq!(lead_name("MDC_ECG_LEAD_I"), "I");
    assert_eq!(lead_name("MDC_ECG_LEAD_AVL"), "aVL");
    assert_eq!(lead_name("MDC_ECG_LEAD_V6"), "V6");
    assert_eq!(lead_name("MDC_ECG_LEAD_V4R"), "V4R");
    assert_eq!(lead_name(""), "(no code)");
}
