//! Explanations for the session's tests: small, hand-made, with or without an atlas and a surrogate.

use crate::explain::{Explanation, LayerExplanation, SurrogateExplanation};

/// Two classes, no atlas: no layers, no surrogate.
pub fn without_atlas(record_name: &str, cnn_probabilities: [f32; 2]) -> Explanation {
    Explanation {
        record_name: record_name.into(),
        sample_rate_hz: 500.0,
        n_samples: 4,
        leads: vec!["I".into()],
        signal_mv: vec![vec![0.0; 4]],
        windows: 1,
        classes: vec!["NORM".into(), "MI".into()],
        cnn_probabilities: cnn_probabilities.to_vec(),
        cnn_positive: cnn_probabilities.iter().map(|p| *p >= 0.5).collect(),
        layers: vec![],
        surrogate: None,
        annotations: vec![],
        source: None,
        withheld: None,
        lead_set: None,
        quality: Vec::new(),
    }
}

fn layer(name: &str, mean_entropy: f32) -> LayerExplanation {
    LayerExplanation {
        layer: name.into(),
        k: 2,
        cluster_names: vec!["QRS".into(), "TP".into()],
        cluster: vec![0, 0, 1, 1],
        entropy: vec![mean_entropy; 4],
        proportions: vec![0.5, 0.5],
        mean_entropy,
        max_entropy: 2f32.ln(),
    }
}

/// Two layers (`block1` mean entropy 0.1, `block2` 0.2) and a surrogate that agrees on the first class only.
pub fn with_atlas(record_name: &str, cnn_probabilities: [f32; 2]) -> Explanation {
    let mut e = without_atlas(record_name, cnn_probabilities);
    e.layers = vec![layer("block1", 0.1), layer("block2", 0.2)];
    let positive = vec![e.cnn_positive[0], !e.cnn_positive[1]];
    e.surrogate = Some(SurrogateExplanation {
        probabilities: positive.iter().map(|p| if *p { 0.75 } else { 0.25 }).collect(),
        positive,
        agreement: 0.5,
        signed_importance: vec![vec![0.5, -0.25], vec![0.0, 0.125]],
        features: vec!["block1:QRS".into(), "block1:TP".into()],
    });
    e
}
