//! Records that are not a clean 12-lead strip at the model's rate: every common rate predicts as the original,
//! I + II alone get their limb leads derived, a reduced-lead record is presented as the card's lead set exactly as
//! training presented it (onnxruntime reference), and one outside every set is drawn with its prediction withheld.

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
fn reduced_lead_records_are_presented_as_the_card_lead_sets_as_training_presented_them() {
    let engine = engine();
    let sets: Vec<&str> = engine.card.input.lead_sets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(sets, ["12-lead", "limb-6", "I+II", "I", "II"]);
    let text = std::fs::read_to_string(root().join("tests/fixtures/lead_sets_reference.json")).unwrap();
    let reference: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut compared = 0;
    for entry in reference["records"].as_array().unwrap() {
        let full = wfdb::read_record_file(&root().join(entry["path"].as_str().unwrap())).unwrap();
        for (set, logits) in entry["logits"].as_object().unwrap() {
            let leads: Vec<&str> =
                reference["lead_sets"][set].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
            let canonical =
                |name: &str| ecglens_core::signal::leads::canonical_lead_name(name).unwrap_or("").to_string();
            let reduced = Record {
                leads: full.leads.iter().filter(|l| leads.contains(&canonical(&l.name).as_str())).cloned().collect(),
                ..full.clone()
            };
            assert_eq!(reduced.leads.len(), leads.len(), "{set}");
            let e = engine.explain(&reduced).unwrap();
            // I + II reach the model as the six limb leads they give.
            let presented = match set.as_str() {
                "12-lead" => None,
                "I+II" => Some("limb-6"),
                other => Some(other),
            };
            assert_eq!(e.lead_set.as_deref(), presented, "{set}");
            assert!(e.withheld.is_none(), "{set}");
            let drawn = if set == "I+II" { 6 } else { leads.len() };
            assert_eq!(e.leads.len(), drawn, "{set}: only the leads given to the model are drawn");
            for (k, (p, l)) in e.cnn_probabilities.iter().zip(logits.as_array().unwrap()).enumerate() {
                let want = 1.0 / (1.0 + (-l.as_f64().unwrap()).exp());
                assert!(
                    (f64::from(*p) - want).abs() < 1e-3,
                    "{} {set} class {k}: tract {p} vs onnxruntime {want}",
                    entry["file"]
                );
            }
            // The lead set's own thresholds decide.
            let thresholds = engine.card.thresholds_for(e.lead_set.as_deref());
            let positive: Vec<bool> = e.cnn_probabilities.iter().zip(&thresholds).map(|(p, t)| p >= t).collect();
            assert_eq!(e.cnn_positive, positive, "{set}");
            compared += 1;
        }
    }
    assert_eq!(compared, 30);
}

#[test]
fn limb_leads_are_derived_and_a_record_outside_every_lead_set_is_withheld() {
    let engine = engine();
    let full = example();
    let keep = |names: &[&str]| Record {
        leads: full.leads.iter().filter(|l| names.contains(&l.name.as_str())).cloned().collect(),
        ..full.clone()
    };
    // I and II only (CinC 2021's two-lead set): III, aVR, aVL, aVF follow, drawn as derived.
    let e = engine.explain(&keep(&["I", "II"])).unwrap();
    assert_eq!(e.leads, ["I", "II", "III", "aVR", "aVL", "aVF"]);
    for t in (0..e.n_samples).step_by(97) {
        assert!((e.signal_mv[2][t] - (e.signal_mv[1][t] - e.signal_mv[0][t])).abs() < 1e-6);
    }
    // II and III: I follows too, and a 12-lead record lacking only aVR..aVF is predicted as the full one.
    let e = engine.explain(&keep(&["II", "III"])).unwrap();
    assert_eq!(&e.leads[..3], ["I", "II", "III"]);
    let eight = keep(&["I", "II", "V1", "V2", "V3", "V4", "V5", "V6"]);
    let e8 = engine.explain(&eight).unwrap();
    let e12 = engine.explain(&full).unwrap();
    assert!(e8.withheld.is_none() && e8.lead_set.is_none());
    let worst = e8.cnn_probabilities.iter().zip(&e12.cnn_probabilities).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(worst < 1e-3, "8 stored leads + 4 derived vs 12 stored: {worst}");
    // V1 alone, or MIT-BIH's MLII (a modified lead, not II): no lead set the card declares; drawn, withheld.
    for name in ["V1", "MLII"] {
        let source = if name == "V1" { 6 } else { 1 };
        let one = Record { leads: vec![Lead { name: name.into(), ..full.leads[source].clone() }], ..full.clone() };
        let e = engine.explain(&one).unwrap();
        assert_eq!(e.leads, [name]);
        let reason = e.withheld.unwrap();
        assert!(
            reason.contains("covers none of the lead sets the model serves (12-lead, limb-6, I+II, I, II)"),
            "{reason}"
        );
        assert!(e.cnn_probabilities.is_empty() && e.layers.is_empty());
    }
}
