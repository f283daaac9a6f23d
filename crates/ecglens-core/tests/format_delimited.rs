//! The delimited-text reader against files Python's csv module and pandas.to_csv wrote from real PTB-XL records
//! (tools/reference/make_delimited.py) and the values pandas.read_csv reads back from them. Then the questions a
//! file without header or time column leaves open, and bad input.

use ecglens_core::signal::{self, Format, Question, ReadOptions, SignalError, Units};

mod common;

/// Bound on |ecglens − pandas.read_csv| per sample, in µV: both parse the same decimal text; ecglens keeps f32
/// (one f32 rounding of the cell, one of the scaled value: < 0.0001 µV at ECG amplitudes).
const MAX_ERROR_UV: f64 = 0.001;

fn check(stem: &str, opts: &ReadOptions) -> signal::Opened {
    let (o, facts) = common::read_and_compare(Format::Csv, stem, opts, MAX_ERROR_UV);
    // The same through sniffing by content.
    let file = facts["file"].as_str().unwrap();
    let sniffed = signal::open_with(file, &common::vendored(file), &|_| None, opts).unwrap();
    assert_eq!(sniffed.record, o.record);
    o
}

fn sidecar_options(stem: &str) -> ReadOptions {
    let (facts, _) = common::reference(stem);
    serde_json::from_value(facts["options"].clone()).unwrap()
}

#[test]
fn comma_with_time_column_needs_nothing() {
    let o = check("delimited-comma-time", &ReadOptions::default());
    assert_eq!(o.record.name, "delimited-comma-time");
    assert_eq!(o.source.detail, "CSV, header row, time column 'time'");
    assert_eq!(o.source.warnings.len(), 1, "{:?}", o.source.warnings);
    assert!(o.source.warnings[0].starts_with("ecglens: no units in the file; values up to "));
    assert!(o.source.warnings[0].ends_with(" read as mV"));
    // A rate given that differs from the time column's: the file's wins, with a warning.
    let o = check("delimited-comma-time", &ReadOptions { sample_rate_hz: Some(500.0), ..Default::default() });
    assert!(o
        .source
        .warnings
        .contains(&"ecglens: the time column gives 100 Hz; the 500 Hz given was not used".to_string()));
}

#[test]
fn semicolons_decimal_comma_and_microvolts_in_the_header() {
    let bytes = common::vendored("delimited-semicolon-uv.csv");
    let e = signal::delimited::read("delimited-semicolon-uv.csv", &bytes, &ReadOptions::default()).unwrap_err();
    let SignalError::NeedsInput { questions, format: "CSV/TSV", .. } = &e else { panic!("{e}") };
    assert_eq!(questions, &vec![Question::SampleRate { suggested_hz: 500.0 }]);
    let o = check("delimited-semicolon-uv", &sidecar_options("delimited-semicolon-uv"));
    assert_eq!(o.source.detail, "semicolon-separated, decimal comma, header row");
    assert!(o.source.warnings.is_empty(), "{:?}", o.source.warnings);
}

#[test]
fn tsv_without_header_asks_and_the_answers_read_it() {
    let bytes = common::vendored("delimited-noheader.tsv");
    let e = signal::delimited::read("delimited-noheader.tsv", &bytes, &ReadOptions::default()).unwrap_err();
    let SignalError::NeedsInput { questions, .. } = &e else { panic!("{e}") };
    let standard: Vec<String> = signal::leads::STANDARD_12.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        questions,
        &vec![Question::SampleRate { suggested_hz: 500.0 }, Question::Leads { count: 12, suggested: standard.clone() }]
    );
    assert_eq!(
        e.to_string(),
        "delimited-noheader.tsv does not say its sampling rate or the names of its 12 leads: give it in the app, in a sidecar delimited-noheader.json, or with --rate HZ --leads I,II,... in the CLI"
    );
    let o = check("delimited-noheader", &sidecar_options("delimited-noheader"));
    assert_eq!(o.source.detail, "TSV, no header row");
    assert!(o.source.warnings.is_empty(), "{:?}", o.source.warnings);
    // Without units the amplitude decides (mV), with a warning.
    let o = check("delimited-noheader", &ReadOptions { units: None, ..sidecar_options("delimited-noheader") });
    assert!(o.source.warnings[0].ends_with("read as mV"), "{:?}", o.source.warnings);
}

#[test]
fn gaps_are_filled_with_a_warning_naming_rows() {
    let text = String::from_utf8(common::vendored("delimited-comma-time.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Row 11 (line 11 of the file), lead II: empty; row 12, lead II: NaN.
    for (line, with) in [(10, ""), (11, "NaN")] {
        let mut cells: Vec<&str> = lines[line].split(',').collect();
        cells[2] = with;
        lines[line] = cells.join(",");
    }
    let o = signal::delimited::read("g.csv", lines.join("\n").as_bytes(), &ReadOptions::default()).unwrap();
    assert!(
        o.source.warnings.contains(
            &"ecglens: column 'II' had 2 empty or NaN cells (row 11, 12), filled in by linear interpolation"
                .to_string()
        ),
        "{:?}",
        o.source.warnings
    );
    let ii = &o.record.leads[1].samples_mv;
    let (a, b) = (ii[8], ii[11]);
    assert!((ii[9] - (a + (b - a) / 3.0)).abs() < 1e-6 && (ii[10] - (a + 2.0 * (b - a) / 3.0)).abs() < 1e-6);
}

#[test]
fn every_truncation_is_refused_or_valid() {
    for name in ["delimited-comma-time.csv", "delimited-semicolon-uv.csv"] {
        let bytes = common::vendored(name);
        let opts = ReadOptions { sample_rate_hz: Some(500.0), ..Default::default() };
        for cut in common::cut_points(bytes.len()) {
            match signal::delimited::read("t.csv", &bytes[..cut], &opts) {
                Ok(o) => assert!(o.record.validate().is_ok(), "{name} cut {cut}"),
                Err(e) => assert!(e.to_string().starts_with("t.csv"), "{name} cut {cut}: {e}"),
            }
        }
    }
}

#[test]
fn flipped_bytes_never_panic() {
    for name in ["delimited-comma-time.csv", "delimited-semicolon-uv.csv", "delimited-noheader.tsv"] {
        let bytes = common::vendored(name);
        let head = &bytes[..4000];
        for b in common::flipped(head, 400) {
            for opts in [
                ReadOptions::default(),
                ReadOptions { sample_rate_hz: Some(100.0), units: Some(Units::Microvolts), ..Default::default() },
            ] {
                if let Ok(o) = signal::delimited::read("f.csv", &b, &opts) {
                    assert!(o.record.validate().is_ok());
                }
            }
        }
    }
}

#[test]
fn error_messages_name_the_problem() {
    let msg = |b: &[u8]| signal::delimited::read("a.csv", b, &ReadOptions::default()).unwrap_err().to_string();
    assert_eq!(
        msg(b"time,I,II,notes\n0,1,2,3\n0.002,1,2,ok\n"),
        "a.csv (CSV/TSV): column 'notes' (4) is not numbers: row 3 has 'ok'"
    );
    assert_eq!(msg(b"I,II\n1,2\n1,2,3\n"), "a.csv (CSV/TSV): row 3 has 3 cells, but the first row has 2");
    assert_eq!(msg(b"# only a note\n"), "a.csv (CSV/TSV): it holds no rows of numbers");
    assert_eq!(
        msg(b"time,I\n0,1\n0,2\n0,3\n"),
        "a.csv (CSV/TSV): the time column 'time' does not increase (its median step is 0)"
    );
    let many: String = std::iter::once("t,I\n".to_string())
        .chain((0..40).map(|k| format!("{},{}\n", k as f64 / 100.0, if k >= 5 { "" } else { "1" })))
        .collect();
    assert_eq!(
        msg(many.as_bytes()),
        "a.csv (CSV/TSV): column 'I' (2) has 35 empty or NaN cells, the first at row 7: too many to fill in"
    );
    let e = signal::delimited::read(
        "a.tsv",
        b"1\t2\n3\t4\n",
        &ReadOptions { leads: Some(vec!["I".into()]), sample_rate_hz: Some(1.0), ..Default::default() },
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "a.tsv (CSV/TSV): 1 lead names are given but it has 2 columns");
}
