//! Records that are not a clean 12-lead strip at the model's rate: every common rate predicts as the original,
//! I + II alone get their limb leads derived, and a record lacking the chest leads is drawn with its prediction
//! withheld, never zero-filled.

use ecglens_core::signal::{resample, wfdb, Lead, Record};
use ecglens_engine::Engine;

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn engine() -> Engine {
    let onnx = std::fs::read(root().join("www/models/default.onnx")).unwrap();
    let card = std::fs::read(root().join("www/models/default.card.json")).unwrap();
    Engine::new(&onnx, &card, None).unwrap()
}

/// A bundled 500 Hz example (PTB-XL 00203_hr).
fn example() -> Record {
    wfdb::read_record_file(&root().join("www/examples/00203_hr.hea")).unwrap()
}

fn at_rate(record: &Record, rate: u64) -> Record {
    let (up, down) = resample::rational_ratio(record.sample_rate_hz, rate as f64).unwrap();
    Record {
        sample_rate_hz: rate as f64,
        leads: record
            .leads
            .iter()
            .map(|l| {
                let x: Vec<f64> = l.samples_mv.iter().map(|v| f64::from(*v)).collect();
                Lead {
                    name: l.name.clone(),
                    samples_mv: resample::resample_poly(&x, up, down).iter().map(|v| *v as f32).collect(),
                }
            })
            .collect(),
        ..record.clone()
    }
}

#[test]
fn every_common_rate_predicts_as_the_original() {
    let engine = engine();
    let original = example();
    let reference = engine.explain(&original).unwrap();
    for rate in [125, 250, 257, 300, 360, 400, 1000] {
        let e = engine.explain(&at_rate(&original, rate)).unwrap();
        assert_eq!(e.sample_rate_hz, rate as f64);
        assert_eq!(e.n_samples, (10 * rate) as usize, "{rate} Hz: one value per original sample");
        let worst = e
            .cnn_probabilities
            .iter()
            .zip(&reference.cnn_probabilities)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(worst < 0.05, "{rate} Hz: probabilities differ by {worst} from the 500 Hz record's");
        assert_eq!(e.cnn_positive, reference.cnn_positive, "{rate} Hz");
    }
}

#[test]
fn two_limb_leads_complete_the_six_and_missing_chest_leads_withhold_the_prediction() {
    let engine = engine();
    let full = example();
    let keep = |names: &[&str]| Record {
        leads: full.leads.iter().filter(|l| names.contains(&l.name.as_str())).cloned().collect(),
        ..full.clone()
    };
    // I and II only (CinC 2021's two-lead set): III, aVR, aVL, aVF follow; V1–V6 do not.
    let e = engine.explain(&keep(&["I", "II"])).unwrap();
    let reason = e.withheld.as_deref().unwrap();
    assert!(reason.contains("lacks lead(s) V1, V2, V3, V4, V5, V6"), "{reason}");
    assert!(reason.contains("never filled with zeros"), "{reason}");
    assert_eq!(e.leads, ["I", "II", "III", "aVR", "aVL", "aVF"]);
    assert!(e.cnn_probabilities.is_empty() && e.layers.is_empty());
    // The derived III is II − I, sample by sample, on the drawn trace.
    for t in (0..e.n_samples).step_by(97) {
        assert!((e.signal_mv[2][t] - (e.signal_mv[1][t] - e.signal_mv[0][t])).abs() < 1e-6);
    }
    // II and III: I follows too, and a 12-lead record lacking only aVR..aVF is predicted as the full one.
    let e = engine.explain(&keep(&["II", "III"])).unwrap();
    assert_eq!(&e.leads[..3], ["I", "II", "III"]);
    let eight = keep(&["I", "II", "V1", "V2", "V3", "V4", "V5", "V6"]);
    let e8 = engine.explain(&eight).unwrap();
    let e12 = engine.explain(&full).unwrap();
    assert!(e8.withheld.is_none());
    let worst = e8.cnn_probabilities.iter().zip(&e12.cnn_probabilities).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(worst < 1e-3, "8 stored leads + 4 derived vs 12 stored: {worst}");
    // One lead (MIT-BIH's MLII): drawn, withheld.
    let one = Record { leads: vec![Lead { name: "MLII".into(), ..full.leads[1].clone() }], ..full.clone() };
    let e = engine.explain(&one).unwrap();
    assert_eq!(e.leads, ["MLII"]);
    assert!(e.withheld.unwrap().contains("lacks lead(s) I, II, III, aVR, aVL, aVF, V1"));
}
