//! The texts that describe the record on screen: the summary line (`data-testid=summary`), the predictions table
//! and the agreement line, the annotations note, the model line and the gallery's labels.

use crate::explain::{Explanation, LayerExplanation};
use crate::landmarks::WaveKind;
use crate::protocol::{ExampleMeta, ReadyInfo};

/// The summary line before any record is shown.
pub const NO_RECORD: &str = "No record yet.";

/// A probability as the page shows it.
pub fn fmt_prob(p: f32) -> String {
    format!("{p:.3}")
}

/// The first 12 characters of a hex SHA-256 (all of it if shorter).
pub fn short_sha256(hex: &str) -> String {
    hex.chars().take(12).collect()
}

/// Layer `layer`, or the deepest one when there are fewer; None without an atlas.
pub fn layer_of(e: &Explanation, layer: usize) -> Option<&LayerExplanation> {
    e.layers.get(layer).or_else(|| e.layers.last())
}

/// The CNN's prediction: its positive classes joined with `+`, or, when none is positive, the most probable class
/// in parentheses (empty without classes).
pub fn prediction(e: &Explanation) -> String {
    if e.withheld.is_some() {
        return "withheld".into();
    }
    let positive: Vec<&str> =
        e.classes.iter().zip(&e.cnn_positive).filter(|(_, p)| **p).map(|(c, _)| c.as_str()).collect();
    if !positive.is_empty() {
        return positive.join("+");
    }
    e.cnn_probabilities
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .and_then(|(i, _)| e.classes.get(i))
        .map(|c| format!("({c})"))
        .unwrap_or_default()
}

/// Share of classes on which the surrogate's decision differs from the CNN's (None without a surrogate).
pub fn disagreement(e: &Explanation) -> Option<f32> {
    e.surrogate.as_ref().map(|s| 1.0 - s.agreement)
}

/// `Record: … | CNN: … | Surrogate: … | Layer: … | Mean entropy: …` for layer `layer` (see [`layer_of`]).
pub fn summary_text(e: &Explanation, layer: usize) -> String {
    if let Some(reason) = &e.withheld {
        return format!("Record: {} | {} | Leads: {}", e.record_name, capitalised(reason), e.leads.join(", "));
    }
    let probabilities = |p: &[f32]| {
        e.classes.iter().zip(p).map(|(c, p)| format!("{c} {}", fmt_prob(*p))).collect::<Vec<_>>().join(", ")
    };
    let cnn = probabilities(&e.cnn_probabilities);
    let sur = match &e.surrogate {
        Some(s) => probabilities(&s.probabilities),
        None => "n/a (no atlas)".into(),
    };
    let (layer_name, entropy) = match layer_of(e, layer) {
        Some(l) => (l.layer.clone(), format!("{:.3} nats (max {:.3})", l.mean_entropy, l.max_entropy)),
        None => ("none".into(), "n/a".into()),
    };
    let mut text = format!(
        "Record: {} | CNN: {cnn} | Surrogate: {sur} | Layer: {layer_name} | Mean entropy: {entropy}",
        e.record_name
    );
    if let Some(set) = &e.lead_set {
        text.push_str(&format!(" | {}", lead_set_text(set, &e.leads)));
    }
    text
}

/// How a reduced-lead record reached the model: "Lead set II (the model's other leads were given as zeros)".
pub fn lead_set_text(set: &str, given: &[String]) -> String {
    format!("Lead set {set}: the model read {} and its other leads as zeros", given.join(", "))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The quality flags of a record in a few words for its row: "II flat · V1 mains noise" (empty without flags).
pub fn quality_text(e: &Explanation) -> String {
    e.quality
        .iter()
        .flat_map(|q| q.flags.iter().map(move |f| format!("{} {}", q.lead, f.short())))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The quality flags of lead `lead` ("flat; mains noise"), for its label on the paper; empty without flags.
pub fn lead_quality_text(e: &Explanation, lead: &str) -> String {
    e.quality
        .iter()
        .filter(|q| q.lead == lead)
        .flat_map(|q| q.flags.iter().map(|f| f.describe()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// One row of the predictions table.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictionRow {
    pub class: String,
    /// The CNN's probability ([`fmt_prob`]).
    pub cnn: String,
    /// The CNN calls the class.
    pub positive: bool,
    /// The surrogate's probability, `n/a` without one.
    pub surrogate: String,
    /// Whether the surrogate decides as the CNN: `yes`, `NO`, or `–` without a surrogate.
    pub agree: &'static str,
}

/// The predictions table, a row per class.
pub fn prediction_rows(e: &Explanation) -> Vec<PredictionRow> {
    if e.withheld.is_some() {
        return Vec::new();
    }
    e.classes
        .iter()
        .enumerate()
        .map(|(i, class)| {
            let cnn = e.cnn_probabilities.get(i).copied().unwrap_or(0.0);
            let positive = e.cnn_positive.get(i).copied().unwrap_or(false);
            let (surrogate, agree) = match &e.surrogate {
                Some(s) => {
                    let p = s.probabilities.get(i).copied().unwrap_or(0.0);
                    let surrogate_positive = s.positive.get(i).copied().unwrap_or(false);
                    (fmt_prob(p), if surrogate_positive == positive { "yes" } else { "NO" })
                }
                None => ("n/a".to_string(), "–"),
            };
            PredictionRow { class: class.clone(), cnn: fmt_prob(cnn), positive, surrogate, agree }
        })
        .collect()
}

/// `CNN–surrogate agreement: 50 % of classes`, empty without a surrogate.
pub fn agreement_text(e: &Explanation) -> String {
    e.surrogate
        .as_ref()
        .map(|s| format!("CNN–surrogate agreement: {:.0} % of classes", s.agreement * 100.0))
        .unwrap_or_default()
}

/// What the record's cardiologists' annotations hold, for the side panel (empty without annotations).
pub fn annotations_text(e: &Explanation) -> String {
    if e.annotations.is_empty() {
        return String::new();
    }
    let count =
        |kind: WaveKind| e.annotations.iter().map(|a| a.waves.iter().filter(|w| w.kind == kind).count()).sum::<usize>();
    format!(
        "Cardiologists' annotations on {} leads (dark blue bars along the bottom of each lead): {} P waves, {} QRS complexes, {} T waves. Compare them with the cluster bands.",
        e.annotations.len(),
        count(WaveKind::P),
        count(WaveKind::Qrs),
        count(WaveKind::T)
    )
}

/// The model line (`data-testid=model-info`): name, version, hashes and load time, or that it is loading.
pub fn model_info_text(info: Option<&ReadyInfo>) -> String {
    match info {
        Some(i) => format!(
            "Model {} {} · sha256 {} · atlas {} · load {:.0} ms",
            i.model_name,
            i.model_version,
            short_sha256(&i.model_sha256),
            i.atlas_sha256.as_deref().map(short_sha256).unwrap_or_else(|| "none (no clusters)".into()),
            i.load_ms
        ),
        None => super::notice::LOADING_MODEL.into(),
    }
}

/// An example button's tooltip: `name — title`, or the name alone.
pub fn example_title(example: &ExampleMeta) -> String {
    if example.title.is_empty() {
        example.name.clone()
    } else {
        format!("{} — {}", example.name, example.title)
    }
}

/// An example button's superclass label, `—` when it has none.
pub fn example_superclass(example: &ExampleMeta) -> String {
    if example.superclass.is_empty() {
        "—".to_string()
    } else {
        example.superclass.clone()
    }
}

#[cfg(test)]
mod withheld_tests {
    use super::*;
    use crate::session::fixtures;
    use crate::signal::quality::{LeadQuality, QualityFlag};

    #[test]
    fn a_withheld_prediction_says_why_and_lists_no_probability() {
        let mut e = fixtures::without_atlas("mitdb-100", [0.2, 0.9]);
        e.withheld = Some("prediction withheld: the record lacks lead(s) V1 that the model needs".into());
        e.leads = vec!["MLII".into(), "V5".into()];
        assert_eq!(prediction(&e), "withheld");
        assert!(prediction_rows(&e).is_empty());
        assert_eq!(
            summary_text(&e, 0),
            "Record: mitdb-100 | Prediction withheld: the record lacks lead(s) V1 that the model needs | Leads: MLII, V5"
        );
        e.quality = vec![LeadQuality {
            lead: "V5".into(),
            flags: vec![QualityFlag::Flat { share: 0.6 }, QualityFlag::MainsNoise { hz: 50.0, share: 0.2 }],
        }];
        assert_eq!(quality_text(&e), "V5 flat · V5 mains noise");
        assert!(lead_quality_text(&e, "V5").starts_with("flat for 60 % of the recording"));
        assert_eq!(lead_quality_text(&e, "MLII"), "");
    }

    #[test]
    fn a_reduced_lead_record_names_its_lead_set() {
        let mut e = fixtures::without_atlas("holter", [0.2, 0.9]);
        e.lead_set = Some("II".into());
        e.leads = vec!["II".into()];
        assert!(
            summary_text(&e, 0).ends_with(" | Lead set II: the model read II and its other leads as zeros"),
            "{}",
            summary_text(&e, 0)
        );
        assert!(!prediction(&e).is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landmarks::{LeadWaves, Wave};
    use crate::session::fixtures::{with_atlas, without_atlas};

    #[test]
    fn summary_with_atlas_and_surrogate() {
        let e = with_atlas("00203_hr", [0.9, 0.2]);
        assert_eq!(
            summary_text(&e, 0),
            "Record: 00203_hr | CNN: NORM 0.900, MI 0.200 | Surrogate: NORM 0.750, MI 0.750 | Layer: block1 | Mean entropy: 0.100 nats (max 0.693)"
        );
        assert!(summary_text(&e, 1).ends_with("Layer: block2 | Mean entropy: 0.200 nats (max 0.693)"));
        assert_eq!(summary_text(&e, 7), summary_text(&e, 1), "a layer past the last is the deepest");
    }

    #[test]
    fn summary_without_atlas() {
        let e = without_atlas("late", [0.1, 0.6]);
        assert_eq!(
            summary_text(&e, 0),
            "Record: late | CNN: NORM 0.100, MI 0.600 | Surrogate: n/a (no atlas) | Layer: none | Mean entropy: n/a"
        );
    }

    #[test]
    fn summary_with_layers_but_no_surrogate() {
        let mut e = with_atlas("r", [0.9, 0.2]);
        e.surrogate = None;
        let text = summary_text(&e, 1);
        assert!(text.contains("| Surrogate: n/a (no atlas) | Layer: block2 | Mean entropy: 0.200 nats"), "{text}");
    }

    #[test]
    fn prediction_is_the_positive_classes_or_the_likeliest_in_parentheses() {
        assert_eq!(prediction(&without_atlas("r", [0.9, 0.2])), "NORM");
        assert_eq!(prediction(&without_atlas("r", [0.7, 0.8])), "NORM+MI");
        assert_eq!(prediction(&without_atlas("r", [0.1, 0.3])), "(MI)");
        let mut empty = without_atlas("r", [0.1, 0.3]);
        empty.classes.clear();
        assert_eq!(prediction(&empty), "");
    }

    #[test]
    fn disagreement_is_one_minus_agreement() {
        assert_eq!(disagreement(&with_atlas("r", [0.9, 0.2])), Some(0.5));
        assert_eq!(disagreement(&without_atlas("r", [0.9, 0.2])), None);
    }

    #[test]
    fn predictions_table_with_and_without_surrogate() {
        let rows = prediction_rows(&with_atlas("r", [0.9, 0.2]));
        assert_eq!(
            rows,
            vec![
                PredictionRow {
                    class: "NORM".into(),
                    cnn: "0.900".into(),
                    positive: true,
                    surrogate: "0.750".into(),
                    agree: "yes"
                },
                PredictionRow {
                    class: "MI".into(),
                    cnn: "0.200".into(),
                    positive: false,
                    surrogate: "0.750".into(),
                    agree: "NO"
                },
            ]
        );
        let rows = prediction_rows(&without_atlas("r", [0.9, 0.2]));
        assert!(rows.iter().all(|r| r.surrogate == "n/a" && r.agree == "–"));
        assert_eq!(agreement_text(&with_atlas("r", [0.9, 0.2])), "CNN–surrogate agreement: 50 % of classes");
        assert_eq!(agreement_text(&without_atlas("r", [0.9, 0.2])), "");
    }

    #[test]
    fn short_probability_vectors_read_as_zero() {
        let mut e = with_atlas("r", [0.9, 0.2]);
        e.cnn_probabilities.truncate(1);
        e.cnn_positive.truncate(1);
        let rows = prediction_rows(&e);
        assert_eq!((rows[1].cnn.as_str(), rows[1].positive), ("0.000", false));
    }

    #[test]
    fn annotations_are_counted_by_wave() {
        assert_eq!(annotations_text(&without_atlas("r", [0.9, 0.2])), "");
        let mut e = without_atlas("ludb001", [0.9, 0.2]);
        let wave = |kind| Wave { kind, start: 1, end: 3 };
        e.annotations = vec![
            LeadWaves {
                lead: "I".into(),
                file: "1.i".into(),
                waves: vec![wave(WaveKind::P), wave(WaveKind::Qrs), wave(WaveKind::T)],
            },
            LeadWaves { lead: "II".into(), file: "1.ii".into(), waves: vec![wave(WaveKind::Qrs), wave(WaveKind::Qrs)] },
        ];
        assert_eq!(
            annotations_text(&e),
            "Cardiologists' annotations on 2 leads (dark blue bars along the bottom of each lead): 1 P waves, 3 QRS complexes, 1 T waves. Compare them with the cluster bands."
        );
    }

    #[test]
    fn model_line() {
        assert_eq!(model_info_text(None), "Loading the model…");
        let mut info = ReadyInfo {
            model_name: "ecg-cnn".into(),
            model_version: "1.2".into(),
            model_sha256: "0123456789abcdef".into(),
            atlas_sha256: Some("fedcba9876543210".into()),
            load_ms: 812.4,
            ..ReadyInfo::default()
        };
        assert_eq!(
            model_info_text(Some(&info)),
            "Model ecg-cnn 1.2 · sha256 0123456789ab · atlas fedcba987654 · load 812 ms"
        );
        info.atlas_sha256 = None;
        info.model_sha256 = "abc".into();
        assert_eq!(
            model_info_text(Some(&info)),
            "Model ecg-cnn 1.2 · sha256 abc · atlas none (no clusters) · load 812 ms"
        );
    }

    #[test]
    fn example_labels() {
        let mut example = ExampleMeta { name: "00203_hr".into(), ..ExampleMeta::default() };
        assert_eq!((example_title(&example), example_superclass(&example)), ("00203_hr".into(), "—".into()));
        example.title = "sinus rhythm".into();
        example.superclass = "NORM".into();
        assert_eq!(
            (example_title(&example), example_superclass(&example)),
            ("00203_hr — sinus rhythm".into(), "NORM".into())
        );
    }
}
