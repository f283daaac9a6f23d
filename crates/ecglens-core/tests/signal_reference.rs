//! The `signal` module against scipy and the `wfdb` Python package.
//!
//! Fixtures are written by `training/make_signal_reference.py`:
//! * `signal_reference.json` — `scipy.signal.resample_poly` and `sosfiltfilt` outputs on random signals;
//! * `signal_wfdb/` — tiny records in every supported format, with what `wfdb.rdrecord` reads from them;
//! * `signal_wfdb_real.json` — `wfdb.rdsamp`/`rdann` on PTB-XL 00001_hr and LUDB 1, `#[ignore]`d
//!   without `../shared/data` (reported as ignored; `scripts/test.sh` and CI run them).

use std::path::{Path, PathBuf};

use ecglens_core::landmarks::{self, WaveKind};
use ecglens_core::signal::{filter, leads, resample, wfdb, SignalError};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("tests/fixtures")
}

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join(name)).expect("fixture present");
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn vecf(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number")).collect()
}

/// |a - b| <= tol * (|b| + max|b|): relative to the value, floored by the signal's scale (values near zero).
fn assert_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol * (w.abs() + scale), "{what}[{i}]: {g} vs {w} (scale {scale})");
    }
}

#[test]
fn resample_poly_matches_scipy() {
    let r = load("signal_reference.json");
    let signals = &r["signals"];
    let cases = r["resample_poly"].as_array().unwrap();
    assert!(cases.len() >= 40);
    for c in cases {
        let name = c["signal"].as_str().unwrap();
        let n = c["n"].as_u64().unwrap() as usize;
        let x = &vecf(&signals[name])[..n];
        let (up, down) = (c["up"].as_u64().unwrap() as usize, c["down"].as_u64().unwrap() as usize);
        let y = resample::resample_poly(x, up, down);
        assert_close(&y, &vecf(&c["y"]), 1e-9, &format!("resample_poly({name}, {up}, {down})"));
    }
}

#[test]
fn firwin_matches_scipy() {
    let r = load("signal_reference.json");
    for c in r["firwin_kaiser"].as_array().unwrap() {
        let h = resample::firwin_kaiser_lowpass(
            c["numtaps"].as_u64().unwrap() as usize,
            c["cutoff"].as_f64().unwrap(),
            5.0,
        );
        assert_close(&h, &vecf(&c["h"]), 1e-12, "firwin");
    }
}

#[test]
fn sosfiltfilt_matches_scipy() {
    let r = load("signal_reference.json");
    let signals = &r["signals"];
    let cases = r["sosfiltfilt"].as_array().unwrap();
    assert!(cases.len() >= 8);
    for c in cases {
        let sos: Vec<[f64; 6]> =
            c["sos"].as_array().unwrap().iter().map(|row| vecf(row).try_into().expect("6 coefficients")).collect();
        assert_eq!(filter::default_padlen(&sos) as u64, c["padlen"].as_u64().unwrap());
        let x = vecf(&signals[c["signal"].as_str().unwrap()]);
        let y = filter::sosfiltfilt(&sos, &x).unwrap();
        assert_close(&y, &vecf(&c["y"]), 1e-9, &format!("sosfiltfilt({}, {})", c["filter"], c["signal"]));
        let padlen = filter::default_padlen(&sos);
        assert!(matches!(filter::sosfiltfilt(&sos, &x[..padlen]), Err(SignalError::TooShortToFilter { .. })));
    }
}

fn read_dir_record(dir: &Path, name: &str) -> Result<ecglens_core::Record, SignalError> {
    let hea = std::fs::read(dir.join(format!("{name}.hea"))).expect("header present");
    wfdb::read_record(&hea, &|f| std::fs::read(dir.join(f)).ok())
}

#[test]
fn tiny_records_match_python_wfdb() {
    let dir = fixtures().join("signal_wfdb");
    let exp = load("signal_wfdb/expected.json");
    let records = exp["records"].as_object().unwrap();
    assert!(records.len() >= 11, "{}", records.len());
    for (name, e) in records {
        let rec = read_dir_record(&dir, name).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(rec.name, *name);
        assert_eq!(rec.sample_rate_hz, e["fs"].as_f64().unwrap());
        let names: Vec<&str> = e["sig_name"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(rec.leads.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), names, "{name}");
        let comments: Vec<&str> = e["comments"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(rec.comments, comments, "{name}");
        for (j, want) in e["p_signal_mv"].as_array().unwrap().iter().enumerate() {
            let got: Vec<f64> = rec.leads[j].samples_mv.iter().map(|&v| v as f64).collect();
            // f32 storage: 1e-7 relative
            assert_close(&got, &vecf(want), 2e-7, &format!("{name} lead {j}"));
        }
        // The header, parsed, agrees with the file list.
        let h = wfdb::parse_header(&std::fs::read_to_string(dir.join(format!("{name}.hea"))).unwrap()).unwrap();
        assert_eq!(h.n_signals, names.len());
    }
}

#[test]
fn tiny_record_corruptions_are_errors() {
    let dir = fixtures().join("signal_wfdb");
    let hea = std::fs::read(dir.join("fmt212.hea")).unwrap();
    let dat = std::fs::read(dir.join("fmt212.dat")).unwrap();
    // truncated
    for cut in [0, 1, 2, dat.len() / 2, dat.len() - 1] {
        let e = wfdb::read_record(&hea, &|_| Some(dat[..cut].to_vec())).unwrap_err();
        assert!(matches!(e, SignalError::Truncated { .. } | SignalError::Empty { .. }), "cut {cut}: {e}");
        assert!(e.to_string().contains("fmt212"), "{e}");
    }
    // one flipped byte: the checksum catches it, and says so (the record is read, as wfdb-python reads it)
    let mut bad = dat.clone();
    bad[10] ^= 0x01;
    let r = wfdb::read_record(&hea, &|_| Some(bad.clone())).unwrap();
    assert!(r.comments.iter().any(|c| c.starts_with(wfdb::read::CHECKSUM_WARNING) && c.contains("fmt212.dat")));
    // missing file
    let e = wfdb::read_record(&hea, &|_| None).unwrap_err();
    assert!(e.to_string().contains("fmt212.dat"), "{e}");
    // unknown format
    let text = String::from_utf8(hea.clone()).unwrap().replace(".dat 212 ", ".dat 213 ");
    let e = wfdb::read_record(text.as_bytes(), &|_| Some(dat.clone())).unwrap_err();
    assert!(matches!(e, SignalError::UnsupportedFormat { format: 213, .. }), "{e}");
    // garbage header
    assert!(wfdb::read_record(&dat, &|_| Some(dat.clone())).is_err());
}

/// `../shared/data` (PTB-XL and LUDB). Tests that need it are `#[ignore]`d with the reason, so a run without it
/// reports them as ignored; `scripts/test.sh` runs them with `--include-ignored` whenever the folder is there,
/// and CI (which requires it) fails here if it is gone.
fn shared_data() -> PathBuf {
    let p = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("../shared/data");
    assert!(
        p.join("ptbxl").is_dir() && p.join("ludb").is_dir(),
        "this test needs ../shared/data (PTB-XL and LUDB) beside the clone: {} is missing",
        p.display()
    );
    p
}

#[test]
#[ignore = "needs ../shared/data"]
fn real_records_match_python_wfdb() {
    let data = shared_data();
    let exp = load("signal_wfdb_real.json");
    for key in ["ptbxl_00001_hr", "ludb_1"] {
        let e = &exp[key];
        let hea_path = data.join(format!("{}.hea", e["path"].as_str().unwrap()));
        let rec = wfdb::read_record_file(&hea_path).unwrap_or_else(|err| panic!("{key}: {err}"));
        assert_eq!(rec.sample_rate_hz, e["fs"].as_f64().unwrap());
        assert_eq!(rec.n_samples() as u64, e["sig_len"].as_u64().unwrap());
        let comments: Vec<&str> = e["comments"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(rec.comments, comments, "{key}");
        let idx: Vec<usize> = e["indices"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        for (j, lead) in rec.leads.iter().enumerate() {
            assert_eq!(lead.name, e["sig_name"][j].as_str().unwrap());
            let want = vecf(&e["values"][j]);
            for (k, &i) in idx.iter().enumerate() {
                assert!(
                    (lead.samples_mv[i] as f64 - want[k]).abs() <= 1e-6 * (1.0 + want[k].abs()),
                    "{key} {} [{i}]",
                    lead.name
                );
            }
            let sum: f64 = lead.samples_mv.iter().map(|&v| v as f64).sum();
            let sum_abs: f64 = lead.samples_mv.iter().map(|&v| (v as f64).abs()).sum();
            let (ws, wa) = (e["sum"][j].as_f64().unwrap(), e["sum_abs"][j].as_f64().unwrap());
            assert!((sum - ws).abs() <= 1e-6 * wa.max(1.0), "{key} {}: sum {sum} vs {ws}", lead.name);
            assert!((sum_abs - wa).abs() <= 1e-6 * wa.max(1.0), "{key} {}: sum|x| {sum_abs} vs {wa}", lead.name);
        }
        for lead in leads::STANDARD_12 {
            assert!(leads::lead_index(&rec, lead).is_some(), "{key}: lead {lead} named");
        }
    }
    // LUDB annotations
    let ann = &exp["ludb_1_annotations"];
    for lead in ["i", "v6"] {
        let bytes = std::fs::read(data.join(format!("ludb/data/1.{lead}"))).unwrap();
        let got = wfdb::read_annotations(&bytes).unwrap();
        let e = &ann[lead];
        let samples: Vec<usize> =
            e["sample"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        let symbols: Vec<char> =
            e["symbol"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().chars().next().unwrap()).collect();
        assert_eq!(got.iter().map(|a| a.sample).collect::<Vec<_>>(), samples, "{lead}");
        assert_eq!(got.iter().map(|a| a.symbol).collect::<Vec<_>>(), symbols, "{lead}");
        for (k, a) in got.iter().enumerate() {
            assert_eq!(i64::from(a.chan), e["chan"][k].as_i64().unwrap());
            assert_eq!(i64::from(a.num), e["num"][k].as_i64().unwrap());
            assert_eq!(i64::from(a.subtype), e["subtype"][k].as_i64().unwrap());
        }
        let w = landmarks::waves(&got);
        for kind in [WaveKind::P, WaveKind::Qrs, WaveKind::T] {
            assert!(w.iter().any(|w| w.kind == kind), "{lead}: no {kind:?} wave");
        }
    }
}

/// Every PTB-XL and LUDB record in ../shared/data reads (checksums verified) with all 12 leads.
#[test]
#[ignore = "needs ../shared/data"]
fn all_shared_records_read() {
    let data = shared_data();
    let mut n = 0;
    let mut dirs = vec![data.join("ludb/data")];
    for sub in ["records100", "records500"] {
        if let Ok(rd) = std::fs::read_dir(data.join("ptbxl").join(sub)) {
            dirs.extend(rd.flatten().map(|e| e.path()));
        }
    }
    for dir in dirs {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for entry in rd.flatten() {
            let p = entry.path();
            if p.extension().is_some_and(|e| e == "hea") {
                let rec = wfdb::read_record_file(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                for lead in leads::STANDARD_12 {
                    assert!(leads::lead_index(&rec, lead).is_some(), "{}: lead {lead}", p.display());
                }
                assert!(rec.duration_s() >= 9.99, "{}", p.display());
                n += 1;
            }
        }
    }
    println!("read {n} shared records");
    assert!(n >= 100);
}

/// Every LUDB annotation file reads as `wfdb.rdann` reads it: same count, same sample indices (sum), same
/// symbols (counts per symbol).
#[test]
#[ignore = "needs ../shared/data"]
fn all_ludb_annotations_match_python_wfdb() {
    let data = shared_data();
    let exp = load("signal_wfdb_real.json");
    let all = exp["ludb_all_annotations"].as_object().expect("summary present");
    assert!(all.len() >= 1000, "{}", all.len());
    let mut waves = 0;
    for (file, e) in all {
        let bytes = std::fs::read(data.join("ludb/data").join(file)).unwrap();
        let got = wfdb::read_annotations_named(file, &bytes).unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(got.len() as u64, e["n"].as_u64().unwrap(), "{file}");
        assert_eq!(got.iter().map(|a| a.sample as u64).sum::<u64>(), e["sum"].as_u64().unwrap(), "{file}");
        let mut counts = std::collections::BTreeMap::<String, u64>::new();
        for a in &got {
            *counts.entry(a.symbol.to_string()).or_default() += 1;
        }
        let want: std::collections::BTreeMap<String, u64> =
            e["symbols"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap())).collect();
        assert_eq!(counts, want, "{file}");
        waves += landmarks::waves(&got).len();
    }
    println!("{} LUDB annotation files, {waves} delimited waves", all.len());
    assert!(waves >= all.len(), "every LUDB annotation file delimits at least one wave");
}
