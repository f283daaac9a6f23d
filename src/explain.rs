//! The whole pipeline for one record: `Engine` (model + card + atlas) → `Explanation`.
//!
//! This is the single entry point used by the CLI (`ecglens explain`) and by the browser's worker, so both
//! produce the same clusters, entropies and CSV for the same record.

use serde::{Deserialize, Serialize};

#[cfg(feature = "inference")]
use crate::card::ModelCard;
#[cfg(feature = "inference")]
use crate::clusters::{Atlas, AtlasError};
#[cfg(feature = "inference")]
use crate::model::Model;
#[cfg(feature = "inference")]
use crate::preprocess;
#[cfg(feature = "inference")]
use crate::signal::Record;
#[cfg(feature = "inference")]
use crate::Result;

/// The CSV header shared by the CLI and the browser export.
pub const CSV_HEADER: &str = "record,layer,sample,time_s,cluster,entropy";

/// A loaded model with its card and (optionally) its atlas of clusters.
#[cfg(feature = "inference")]
pub struct Engine {
    pub card: ModelCard,
    pub atlas: Option<Atlas>,
    /// Hex SHA-256 of the ONNX bytes: binds an atlas to its model.
    pub model_sha256: String,
    model: Model,
}

/// What the model sees in one record, mapped onto every sample of the original recording.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Explanation {
    pub record_name: String,
    /// The ORIGINAL recording's rate and length: `cluster`/`entropy` vectors have one entry per sample.
    pub sample_rate_hz: f64,
    pub n_samples: usize,
    /// Canonical names of the leads, in the model's order, and their samples in mV (for drawing).
    pub leads: Vec<String>,
    pub signal_mv: Vec<Vec<f32>>,
    /// Number of model windows the record was cut into (1 for records up to the model's length).
    pub windows: usize,
    pub classes: Vec<String>,
    pub cnn_probabilities: Vec<f32>,
    pub cnn_positive: Vec<bool>,
    /// Empty when the engine has no atlas.
    pub layers: Vec<LayerExplanation>,
    /// The random forest on the cluster proportions of all layers (None without an atlas).
    pub surrogate: Option<SurrogateExplanation>,
    /// Cardiologists' P/QRS/T waves that came with the record (LUDB-style annotation files), per lead; usually
    /// empty. Sample indices are at the record's own rate, like `cluster` and `entropy`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<crate::landmarks::LeadWaves>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LayerExplanation {
    pub layer: String,
    pub k: usize,
    pub cluster_names: Vec<String>,
    /// Most probable cluster of every original sample.
    pub cluster: Vec<u8>,
    /// Entropy of the soft assignment of every original sample, in nats, on [0, ln k].
    pub entropy: Vec<f32>,
    /// Share of the record's samples in each cluster.
    pub proportions: Vec<f32>,
    pub mean_entropy: f32,
    /// ln k: the top of the fixed entropy scale.
    pub max_entropy: f32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SurrogateExplanation {
    pub probabilities: Vec<f32>,
    pub positive: Vec<bool>,
    /// Share of classes on which the surrogate's decision equals the CNN's.
    pub agreement: f32,
    /// Per class, per feature (layer-major cluster proportions): the forest's impurity importance, signed
    /// by whether a larger proportion of that cluster goes with the CNN calling the class (+) or not (−).
    pub signed_importance: Vec<Vec<f32>>,
    /// Feature names, `layer:cluster name`.
    pub features: Vec<String>,
}

/// Hex SHA-256 of some bytes (models and atlases are identified by it).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(feature = "inference")]
impl Engine {
    /// Loads a model, its card and, when given, its atlas; refuses an atlas fitted for another model.
    pub fn new(onnx: &[u8], card_json: &[u8], atlas_json: Option<&[u8]>) -> Result<Self> {
        let card = ModelCard::from_json(card_json)?;
        let model = Model::load(onnx, &card)?;
        let model_sha256 = sha256_hex(onnx);
        let atlas = match atlas_json {
            Some(bytes) => {
                let atlas = Atlas::from_json(bytes)?;
                atlas.check_model(&model_sha256, &card.taps)?;
                Some(atlas)
            }
            None => None,
        };
        Ok(Engine { card, atlas, model_sha256, model })
    }

    /// The loaded model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The model on its own: preprocessing + inference, logits averaged over windows, taps per window.
    pub fn infer(&self, record: &Record) -> Result<(preprocess::Prepared, Vec<crate::model::ModelOutput>)> {
        let prepared = preprocess::prepare(record, &self.card)?;
        let outputs =
            prepared.windows.iter().map(|window| self.model.run(window.view())).collect::<Result<Vec<_>, _>>()?;
        Ok((prepared, outputs))
    }

    /// The whole explanation of one record.
    pub fn explain(&self, record: &Record) -> Result<Explanation> {
        let (prepared, outputs) = self.infer(record)?;
        self.explain_outputs(&record.name, record.sample_rate_hz, record.n_samples(), prepared, &outputs)
    }

    /// The explanation of one window that is already preprocessed (`leads × n_samples` at the model rate).
    pub fn explain_model_input(&self, name: &str, input: ndarray::Array2<f32>) -> Result<Explanation> {
        let output = self.model.run(input.view())?;
        let n = input.ncols();
        let prepared = preprocess::Prepared {
            leads_mv: input.rows().into_iter().map(|r| r.to_vec()).collect(),
            windows: vec![input],
            window_starts: vec![0],
            model_samples: n,
            lead_sources: (0..self.card.input.leads.len()).map(Some).collect(),
        };
        self.explain_outputs(name, self.card.input.sample_rate_hz, n, prepared, &[output])
    }

    /// Assembles an explanation from the model's outputs on the windows of a prepared record.
    pub fn explain_outputs(
        &self,
        record_name: &str,
        sample_rate_hz: f64,
        n_samples: usize,
        prepared: preprocess::Prepared,
        outputs: &[crate::model::ModelOutput],
    ) -> Result<Explanation> {
        let n_classes = self.card.n_classes();
        let mut mean_logits = vec![0f32; n_classes];
        for output in outputs {
            for (m, l) in mean_logits.iter_mut().zip(&output.logits) {
                *m += l / outputs.len() as f32;
            }
        }
        let cnn_probabilities = self.card.activate(&mean_logits);
        let thresholds = self.card.thresholds();
        let cnn_positive: Vec<bool> = cnn_probabilities.iter().zip(&thresholds).map(|(p, t)| p >= t).collect();
        let mut layers = Vec::new();
        if let Some(atlas) = &self.atlas {
            for layer_atlas in &atlas.layers {
                let Some(tap_ix) = self.card.taps.iter().position(|t| t.name == layer_atlas.layer) else {
                    return Err(
                        AtlasError::Invalid(format!("layer {} is not a tap of the model", layer_atlas.layer)).into()
                    );
                };
                let tap = &self.card.taps[tap_ix];
                let per_window: Vec<_> = outputs.iter().map(|o| layer_atlas.assign(o.taps[tap_ix].view())).collect();
                let mapping = crate::clusters::map_samples_to_steps(
                    n_samples,
                    sample_rate_hz,
                    self.card.input.sample_rate_hz,
                    &prepared.window_starts,
                    self.card.input.n_samples,
                    tap,
                );
                let cluster: Vec<u8> = mapping.iter().map(|&(w, s)| per_window[w].cluster[s]).collect();
                let entropy: Vec<f32> = mapping.iter().map(|&(w, s)| per_window[w].entropy[s]).collect();
                let mean_entropy = entropy.iter().sum::<f32>() / entropy.len().max(1) as f32;
                layers.push(LayerExplanation {
                    layer: layer_atlas.layer.clone(),
                    k: layer_atlas.k,
                    cluster_names: layer_atlas.cluster_names.clone(),
                    proportions: crate::clusters::proportions(&cluster, layer_atlas.k),
                    cluster,
                    entropy,
                    mean_entropy,
                    max_entropy: layer_atlas.max_entropy(),
                });
            }
        }
        let surrogate = match self.atlas.as_ref().and_then(|a| a.surrogate.as_ref()) {
            Some(forest) => {
                let features: Vec<f32> = layers.iter().flat_map(|l| l.proportions.iter().copied()).collect();
                let probabilities = forest.predict_proba(&features)?;
                let positive = forest.decide(&probabilities);
                let agree = positive.iter().zip(&cnn_positive).filter(|(a, b)| a == b).count();
                Some(SurrogateExplanation {
                    agreement: agree as f32 / n_classes.max(1) as f32,
                    probabilities,
                    positive,
                    signed_importance: forest.signed_importance(),
                    features: forest.features.clone(),
                })
            }
            None => None,
        };
        Ok(Explanation {
            record_name: record_name.to_string(),
            sample_rate_hz,
            n_samples,
            leads: self.card.input.leads.clone(),
            signal_mv: prepared.leads_mv,
            windows: prepared.windows.len(),
            classes: self.card.output.classes.clone(),
            cnn_probabilities,
            cnn_positive,
            layers,
            surrogate,
            annotations: Vec::new(),
        })
    }
}

impl Explanation {
    /// One row per sample of the original recording per layer: `record,layer,sample,time_s,cluster,entropy`.
    pub fn to_csv(&self) -> String {
        let mut out = String::with_capacity(32 * self.n_samples * self.layers.len().max(1) + 64);
        out.push_str(CSV_HEADER);
        out.push('\n');
        self.write_csv_rows(&mut out);
        out
    }

    /// The rows of [`Explanation::to_csv`] without the header (for concatenating records).
    pub fn write_csv_rows(&self, out: &mut String) {
        use std::fmt::Write;
        let record = csv_field(&self.record_name);
        for layer in &self.layers {
            for (sample, (cluster, entropy)) in layer.cluster.iter().zip(&layer.entropy).enumerate() {
                let time_s = sample as f64 / self.sample_rate_hz;
                // Writing to a String cannot fail.
                let _ = writeln!(out, "{record},{},{sample},{time_s:.4},{cluster},{entropy:.4}", layer.layer);
            }
        }
    }

    /// Class probabilities as JSON (`ecglens explain --logits`).
    pub fn probabilities_json(&self) -> serde_json::Value {
        serde_json::json!({
            "record": self.record_name,
            "classes": self.classes,
            "cnn_probabilities": self.cnn_probabilities,
            "cnn_positive": self.cnn_positive,
            "surrogate_probabilities": self.surrogate.as_ref().map(|s| &s.probabilities),
            "agreement": self.surrogate.as_ref().map(|s| s.agreement),
        })
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
