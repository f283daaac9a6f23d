//! The model card: everything the app must know about an ONNX model to feed it and to read its taps.
//!
//! The card travels beside the model (`www/models/default.card.json`). A model whose graph does not
//! match its card is refused by [`crate::model`].

use serde::{Deserialize, Serialize};

pub const CARD_FORMAT: &str = "ecglens-model-card/1";

#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("the model card is not valid JSON for this format: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unsupported model card format {found:?} (expected {CARD_FORMAT:?})")]
    Format { found: String },
    #[error("invalid model card: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ModelCard {
    pub format: String,
    pub name: String,
    pub version: String,
    pub input: InputSpec,
    pub preprocessing: Preprocessing,
    pub output: OutputSpec,
    pub taps: Vec<TapSpec>,
    #[serde(default)]
    pub training: serde_json::Value,
    #[serde(default)]
    pub metrics: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InputSpec {
    pub name: String,
    pub layout: InputLayout,
    pub shape: Vec<usize>,
    pub leads: Vec<String>,
    pub sample_rate_hz: f64,
    pub n_samples: usize,
    #[serde(default)]
    pub units: String,
    /// The lead sets the model was trained and evaluated on, largest first (empty: it needs all its leads).
    /// A record that lacks some of the card's leads is presented as the first set it covers, every other lead
    /// as [`InputSpec::missing_lead`] says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lead_sets: Vec<LeadSet>,
    /// How a lead outside the presented set reaches the model (required when `lead_sets` is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_lead: Option<MissingLead>,
    /// The model reads each lead's absolute amplitude (so inputs that were z-scored upstream do not suit it).
    #[serde(default)]
    pub reads_amplitude: bool,
}

/// One lead set a model serves (CinC 2021's reduced-lead sets, for example).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LeadSet {
    pub name: String,
    pub leads: Vec<String>,
    /// Decision thresholds of each class with this set (the output's where empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<f32>,
    /// Test-fold macro AUROC with this set, as the training measured it (informative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fold10_macro_auroc: Option<f64>,
}

/// How a missing lead is presented to the model.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MissingLead {
    /// A lead of zeros (0 mV) through the same preprocessing.
    Zeros,
}

/// How the input tensor is laid out. Only `NCW` (`[batch, leads, samples]`) is supported: a card that says
/// anything else is refused when it is read, rather than run with the axes swapped.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum InputLayout {
    #[serde(rename = "NCW")]
    Ncw,
}

/// What turns the model's raw outputs into probabilities. An unknown name (`"softmaxx"`) is refused when the
/// card is read.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// Independent classes (multi-label): `1 / (1 + e^-x)` per output.
    Sigmoid,
    /// Exclusive classes: `e^x / Σ e^x` over the outputs.
    Softmax,
    /// The outputs are already probabilities.
    #[serde(alias = "none")]
    Identity,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Preprocessing {
    #[serde(default)]
    pub steps: Vec<String>,
    pub bandpass: Option<Bandpass>,
    pub zscore: Option<ZScore>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Bandpass {
    #[serde(default)]
    pub design: String,
    #[serde(default)]
    pub order: usize,
    pub low_hz: f64,
    pub high_hz: f64,
    /// Second-order sections `[b0, b1, b2, a0, a1, a2]` at the model's sampling rate.
    pub sos: Vec<[f64; 6]>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ZScore {
    #[serde(default)]
    pub ddof: usize,
    #[serde(default = "default_min_std")]
    pub min_std: f64,
}

fn default_min_std() -> f64 {
    1e-6
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OutputSpec {
    pub name: String,
    pub classes: Vec<String>,
    pub activation: Activation,
    #[serde(default)]
    pub thresholds: Vec<f32>,
}

/// One tapped layer: an intermediate output of the graph, `[1, channels, steps]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TapSpec {
    pub name: String,
    pub output: String,
    pub channels: usize,
    pub steps: usize,
    /// Input samples (at the model rate) between consecutive steps.
    pub stride: usize,
    /// The centre of step `t` lies at input sample `t * stride + centre_offset`.
    pub centre_offset: f64,
    /// Input samples that influence one step.
    pub receptive_field: usize,
}

impl ModelCard {
    pub fn from_json(bytes: &[u8]) -> Result<Self, CardError> {
        let card: ModelCard = serde_json::from_slice(bytes)?;
        card.validate()?;
        Ok(card)
    }

    pub fn validate(&self) -> Result<(), CardError> {
        if self.format != CARD_FORMAT {
            return Err(CardError::Format { found: self.format.clone() });
        }
        let input = &self.input;
        if input.leads.is_empty() || input.n_samples == 0 {
            return Err(CardError::Invalid("the input needs at least one lead and one sample".into()));
        }
        if !(input.sample_rate_hz.is_finite() && input.sample_rate_hz > 0.0) {
            return Err(CardError::Invalid(format!("sample rate {} Hz is not positive", input.sample_rate_hz)));
        }
        if input.shape.len() != 3 || input.shape[1] != input.leads.len() || input.shape[2] != input.n_samples {
            return Err(CardError::Invalid(format!(
                "input shape {:?} does not match {} leads × {} samples",
                input.shape,
                input.leads.len(),
                input.n_samples
            )));
        }
        if self.output.classes.is_empty() {
            return Err(CardError::Invalid("the output lists no class".into()));
        }
        if !self.output.thresholds.is_empty() && self.output.thresholds.len() != self.output.classes.len() {
            return Err(CardError::Invalid("one threshold per class is needed".into()));
        }
        if self.taps.is_empty() {
            return Err(CardError::Invalid("the card names no tapped layer".into()));
        }
        if !input.lead_sets.is_empty() && input.missing_lead.is_none() {
            return Err(CardError::Invalid(
                "the card declares lead sets but not how a missing lead is presented".into(),
            ));
        }
        for set in &input.lead_sets {
            if set.leads.is_empty() {
                return Err(CardError::Invalid(format!("lead set {} lists no lead", set.name)));
            }
            if let Some(lead) = set.leads.iter().find(|l| !input.leads.contains(l)) {
                return Err(CardError::Invalid(format!(
                    "lead set {} names lead {lead}, which is not an input",
                    set.name
                )));
            }
            if !set.thresholds.is_empty() && set.thresholds.len() != self.output.classes.len() {
                return Err(CardError::Invalid(format!("lead set {} needs one threshold per class", set.name)));
            }
        }
        for tap in &self.taps {
            if tap.channels == 0 || tap.steps == 0 || tap.stride == 0 {
                return Err(CardError::Invalid(format!("tap {} has an empty shape or zero stride", tap.name)));
            }
        }
        Ok(())
    }

    pub fn n_classes(&self) -> usize {
        self.output.classes.len()
    }

    /// Decision threshold of each class (0.5 where the card gives none).
    pub fn thresholds(&self) -> Vec<f32> {
        if self.output.thresholds.len() == self.n_classes() {
            self.output.thresholds.clone()
        } else {
            vec![0.5; self.n_classes()]
        }
    }

    /// The first declared lead set all of whose leads are in `available` (the card's names), if any.
    pub fn lead_set_for(&self, available: &[&str]) -> Option<&LeadSet> {
        self.input.lead_sets.iter().find(|set| set.leads.iter().all(|l| available.contains(&l.as_str())))
    }

    /// Decision thresholds with a lead set (its own where the card gives them).
    pub fn thresholds_for(&self, lead_set: Option<&str>) -> Vec<f32> {
        match self.input.lead_sets.iter().find(|s| Some(s.name.as_str()) == lead_set) {
            Some(set) if set.thresholds.len() == self.n_classes() => set.thresholds.clone(),
            _ => self.thresholds(),
        }
    }

    /// Turns raw outputs into probabilities with the card's activation.
    pub fn activate(&self, logits: &[f32]) -> Vec<f32> {
        match self.output.activation {
            Activation::Softmax => {
                let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let exps: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
                let sum: f32 = exps.iter().sum();
                exps.iter().map(|e| e / sum).collect()
            }
            Activation::Identity => logits.to_vec(),
            Activation::Sigmoid => logits.iter().map(|l| 1.0 / (1.0 + (-l).exp())).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_activation_or_layout_is_refused() {
        let text = include_str!("../../../www/models/default.card.json");
        assert!(ModelCard::from_json(text.as_bytes()).is_ok());
        let typo = text.replace("\"activation\": \"sigmoid\"", "\"activation\": \"softmaxx\"");
        assert_ne!(typo, text);
        let e = ModelCard::from_json(typo.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("softmaxx"), "{e}");
        let nwc = text.replace("\"layout\": \"NCW\"", "\"layout\": \"NWC\"");
        assert_ne!(nwc, text);
        let e = ModelCard::from_json(nwc.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("NWC"), "{e}");
    }

    #[test]
    fn softmax_and_identity_activations() {
        let mut card: ModelCard = serde_json::from_str(include_str!("../../../www/models/default.card.json")).unwrap();
        card.output.activation = Activation::Softmax;
        let p = card.activate(&[0.0, 0.0, 0.0, 0.0, 2f32.ln()]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6 && (p[4] - 2.0 / 6.0).abs() < 1e-6, "{p:?}");
        card.output.activation = Activation::Identity;
        assert_eq!(card.activate(&[0.25, 2.0]), vec![0.25, 2.0]);
    }

    #[test]
    fn sigmoid_activation_is_the_default() {
        let card: ModelCard = serde_json::from_str(include_str!("../../../www/models/default.card.json")).unwrap();
        card.validate().unwrap();
        let p = card.activate(&vec![0.0; card.n_classes()]);
        assert!(p.iter().all(|p| (p - 0.5).abs() < 1e-6));
    }

    #[test]
    fn wrong_format_is_refused() {
        let mut card: ModelCard = serde_json::from_str(include_str!("../../../www/models/default.card.json")).unwrap();
        card.format = "other/2".into();
        assert!(matches!(card.validate(), Err(CardError::Format { .. })));
    }
}
