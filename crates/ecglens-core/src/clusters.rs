//! Time-localized clusters: the atlas fitted over a reference set, soft assignment of every time step of
//! a tapped layer, its entropy, and the mapping of steps back onto the samples of the original recording.
//!
//! Soft assignment: each layer's clusters are the components of a spherical Gaussian mixture with equal
//! weights and one shared variance σ² (the maximum-likelihood σ² of the k-means partition), so that
//! `p(k | x) ∝ exp(−‖x − c_k‖² / (2σ²τ))`. At τ = 1 that posterior is far too sure in 64–128 dimensions
//! (mean entropy ≈ 0.01 nats), so each layer's temperature τ is calibrated: k-means is refitted on other samples
//! of the reference set, and τ minimises the cross-entropy of the posterior against the refits' votes on held-out
//! steps (`fit::calibrate_temperature`). Entropy then says how reproducible a step's cluster is. Activations are
//! normalised per channel (z-score over the reference set) first.

use serde::{Deserialize, Serialize};

use crate::card::TapSpec;

pub const ATLAS_FORMAT: &str = "ecglens-atlas/1";

#[derive(Debug, thiserror::Error)]
pub enum AtlasError {
    #[error("the atlas is not valid JSON for this format: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unsupported atlas format {found:?} (expected {ATLAS_FORMAT:?})")]
    Format { found: String },
    #[error("this atlas was fitted for another model (atlas: sha256 {atlas}, model: sha256 {model}); fit an atlas for this model with `ecglens fit`")]
    ModelMismatch { atlas: String, model: String },
    #[error("invalid atlas: {0}")]
    Invalid(String),
}

/// Everything fitted over the reference set, bound to one model by its hash.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Atlas {
    pub format: String,
    /// Hex SHA-256 of the ONNX model the atlas was fitted with.
    pub model_sha256: String,
    pub model_name: String,
    pub layers: Vec<LayerAtlas>,
    /// Random forest on the concatenated proportions of all layers (in layer order).
    pub surrogate: Option<crate::surrogate::Surrogate>,
    /// Provenance and evidence (reference set, K selection, evaluation): free-form, for humans.
    #[serde(default)]
    pub report: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LayerAtlas {
    /// Tap name (as in the model card).
    pub layer: String,
    pub k: usize,
    /// Per-channel mean and standard deviation over the reference set.
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    /// `k` centroids in the normalised space, each `channels` long.
    pub centroids: Vec<Vec<f32>>,
    /// Shared per-dimension variance σ² of the mixture.
    pub variance: f32,
    /// Softening temperature τ of the posterior.
    #[serde(default = "one")]
    pub temperature: f32,
    /// Display name of each cluster: its landmark ("QRS", "T", ...) or "C3".
    pub cluster_names: Vec<String>,
    /// Per cluster, the share of its samples inside each landmark (P, QRS, T, TP) on the annotated set.
    #[serde(default)]
    pub landmark_shares: Vec<Vec<f32>>,
}

fn one() -> f32 {
    1.0
}

impl Atlas {
    pub fn from_json(bytes: &[u8]) -> Result<Self, AtlasError> {
        let atlas: Atlas = serde_json::from_slice(bytes)?;
        if atlas.format != ATLAS_FORMAT {
            return Err(AtlasError::Format { found: atlas.format });
        }
        for layer in &atlas.layers {
            layer.validate()?;
        }
        Ok(atlas)
    }

    /// Refuses an atlas fitted for another model, or whose layers do not match the card's taps.
    pub fn check_model(&self, model_sha256: &str, taps: &[TapSpec]) -> Result<(), AtlasError> {
        if !self.model_sha256.eq_ignore_ascii_case(model_sha256) {
            return Err(AtlasError::ModelMismatch {
                atlas: self.model_sha256.clone(),
                model: model_sha256.to_string(),
            });
        }
        for layer in &self.layers {
            let tap = taps
                .iter()
                .find(|t| t.name == layer.layer)
                .ok_or_else(|| AtlasError::Invalid(format!("layer {} is not a tap of the model", layer.layer)))?;
            if tap.channels != layer.mean.len() {
                return Err(AtlasError::Invalid(format!(
                    "layer {} has {} channels in the atlas, {} in the model",
                    layer.layer,
                    layer.mean.len(),
                    tap.channels
                )));
            }
        }
        Ok(())
    }
}

impl LayerAtlas {
    pub fn validate(&self) -> Result<(), AtlasError> {
        let channels = self.mean.len();
        let bad = |what: &str| Err(AtlasError::Invalid(format!("layer {}: {what}", self.layer)));
        if self.k < 2 || self.k > 255 {
            return bad("k must be between 2 and 255");
        }
        if self.std.len() != channels || self.centroids.len() != self.k || self.cluster_names.len() != self.k {
            return bad("normalisation, centroids and names disagree with k and the channel count");
        }
        if self.centroids.iter().any(|c| c.len() != channels) {
            return bad("a centroid has the wrong number of channels");
        }
        if !(self.variance.is_finite() && self.variance > 0.0 && self.temperature.is_finite() && self.temperature > 0.0)
        {
            return bad("variance and temperature must be positive");
        }
        Ok(())
    }

    /// ln k: the top of the fixed entropy scale.
    pub fn max_entropy(&self) -> f32 {
        (self.k as f32).ln()
    }

    /// Soft assignment of every step of a `channels × steps` activation matrix.
    pub fn assign(&self, activations: ndarray::ArrayView2<f32>) -> StepAssignment {
        let steps = activations.ncols();
        let mut cluster = Vec::with_capacity(steps);
        let mut entropy = Vec::with_capacity(steps);
        let mut normalised = vec![0f32; self.mean.len()];
        let mut distances = vec![0f32; self.k];
        for column in activations.columns() {
            for (ix, value) in column.iter().enumerate() {
                normalised[ix] = (value - self.mean[ix]) / self.std[ix];
            }
            for (k, centroid) in self.centroids.iter().enumerate() {
                distances[k] = squared_distance(&normalised, centroid);
            }
            let (best, h) = posterior_argmax_entropy(&distances, 2.0 * self.variance * self.temperature);
            cluster.push(best as u8);
            entropy.push(h);
        }
        StepAssignment { cluster, entropy }
    }
}

/// Per-step result of [`LayerAtlas::assign`].
#[derive(Debug, Clone, PartialEq)]
pub struct StepAssignment {
    pub cluster: Vec<u8>,
    pub entropy: Vec<f32>,
}

pub fn squared_distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The most probable component and the entropy (nats) of `p_k ∝ exp(−d_k / scale)`.
pub fn posterior_argmax_entropy(squared_distances: &[f32], scale: f32) -> (usize, f32) {
    let mut best = 0;
    for (k, d) in squared_distances.iter().enumerate() {
        if *d < squared_distances[best] {
            best = k;
        }
    }
    let d_min = squared_distances[best];
    // log-sum-exp around the best component: numerically safe for any distance.
    let logits: Vec<f64> = squared_distances.iter().map(|d| -f64::from(d - d_min) / f64::from(scale)).collect();
    let z: f64 = logits.iter().map(|l| l.exp()).sum();
    let log_z = z.ln();
    let entropy: f64 = logits
        .iter()
        .map(|l| {
            let log_p = l - log_z;
            let p = log_p.exp();
            if p > 0.0 {
                -p * log_p
            } else {
                0.0
            }
        })
        .sum();
    (best, entropy.max(0.0) as f32)
}

/// For every sample of the original recording, the window and the layer step whose receptive-field
/// centre is nearest to it.
///
/// `original_rate_hz` → `model_rate_hz` is the resampling done by preprocessing; windows start at the
/// given model samples and are `window` samples long. A sample covered by two windows (the last window
/// overlaps its predecessor) takes the window in which it lies farthest from an edge.
pub fn map_samples_to_steps(
    n_original: usize,
    original_rate_hz: f64,
    model_rate_hz: f64,
    window_starts: &[usize],
    window: usize,
    tap: &TapSpec,
) -> Vec<(usize, usize)> {
    let ratio = model_rate_hz / original_rate_hz;
    let last_step = tap.steps.saturating_sub(1) as f64;
    (0..n_original)
        .map(|i| {
            let m = i as f64 * ratio;
            let mut best = (0usize, f64::NEG_INFINITY);
            for (w, &start) in window_starts.iter().enumerate() {
                let local = m - start as f64;
                let margin = local.min(window as f64 - 1.0 - local);
                if margin > best.1 {
                    best = (w, margin);
                }
            }
            let local = m - window_starts.get(best.0).copied().unwrap_or(0) as f64;
            let step = ((local - tap.centre_offset) / tap.stride as f64).round().clamp(0.0, last_step) as usize;
            (best.0, step)
        })
        .collect()
}

/// Share of each of `k` clusters among the given labels.
pub fn proportions(cluster: &[u8], k: usize) -> Vec<f32> {
    let mut counts = vec![0usize; k];
    for c in cluster {
        if let Some(slot) = counts.get_mut(usize::from(*c)) {
            *slot += 1;
        }
    }
    let n = cluster.len().max(1) as f32;
    counts.into_iter().map(|c| c as f32 / n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tap(stride: usize, steps: usize, centre_offset: f64) -> TapSpec {
        TapSpec { name: "b".into(), output: "b".into(), channels: 2, steps, stride, centre_offset, receptive_field: 9 }
    }

    #[test]
    fn entropy_is_zero_when_certain_and_ln_k_when_uniform() {
        let (best, h) = posterior_argmax_entropy(&[0.0, 1e6, 1e6], 1.0);
        assert_eq!(best, 0);
        assert!(h < 1e-6);
        let (_, h) = posterior_argmax_entropy(&[3.0, 3.0, 3.0, 3.0], 1.0);
        assert!((h - 4f32.ln()).abs() < 1e-5);
    }

    #[test]
    fn steps_map_to_the_nearest_centre_at_the_original_rate() {
        // 500 Hz original, 100 Hz model, stride 4 → one step every 20 original samples.
        let map = map_samples_to_steps(5000, 500.0, 100.0, &[0], 1000, &tap(4, 250, 1.5));
        assert_eq!(map[0], (0, 0));
        assert_eq!(map[4999], (0, 249));
        // model sample 41.5 is the centre of step 10 → original sample 207.5
        assert_eq!(map[207].1, 10);
        assert_eq!(map[208].1, 10);
    }

    #[test]
    fn overlapping_last_window_takes_over_past_the_middle_of_the_overlap() {
        let starts = [0, 1000, 1500];
        let map = map_samples_to_steps(2500, 100.0, 100.0, &starts, 1000, &tap(1, 1000, 0.0));
        assert_eq!(map[1100], (1, 100));
        assert_eq!(map[2400], (2, 900));
        assert_eq!(map[1000], (1, 0));
    }

    proptest! {
        #[test]
        fn every_sample_gets_a_valid_step(n in 1usize..4000, rate in prop::sample::select(vec![100.0, 250.0, 257.0, 360.0, 500.0, 1000.0]),
                                          stride in 1usize..16, steps in 1usize..300) {
            let model_samples = ((n as f64) * 100.0 / rate).ceil() as usize;
            let starts = crate::preprocess::window_starts(model_samples, 1000);
            let map = map_samples_to_steps(n, rate, 100.0, &starts, 1000, &tap(stride, steps, stride as f64 / 2.0));
            prop_assert_eq!(map.len(), n);
            for (w, s) in &map {
                prop_assert!(*w < starts.len());
                prop_assert!(*s < steps);
            }
            // steps never go backwards within one window
            for pair in map.windows(2) {
                if pair[0].0 == pair[1].0 { prop_assert!(pair[1].1 >= pair[0].1); }
            }
        }

        #[test]
        fn proportions_sum_to_one(labels in prop::collection::vec(0u8..6, 1..500)) {
            let p = proportions(&labels, 6);
            prop_assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        }

        #[test]
        fn entropy_stays_on_the_fixed_scale(d in prop::collection::vec(0f32..1e4, 2..12), scale in 1e-3f32..1e3) {
            let (best, h) = posterior_argmax_entropy(&d, scale);
            prop_assert!(best < d.len());
            prop_assert!(h >= 0.0 && h <= (d.len() as f32).ln() + 1e-4);
        }
    }
}
