//! What the model sees in one record (`Explanation`), as the engine (`ecglens_engine::Engine`) produces it and
//! the page draws it, and its CSV (shared by `ecglens explain` and the browser's export, byte for byte).

use serde::{Deserialize, Serialize};

/// The CSV header shared by the CLI and the browser export.
pub const CSV_HEADER: &str = "record,layer,sample,time_s,cluster,entropy";

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
    /// The file's format, the device's own measurements and statements, and the reader's warnings (None for
    /// the bundled examples). Never the patient's identity: that travels apart (`protocol::Response::Explained`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<crate::signal::SourceInfo>,
    /// Why the model was not run on this record (it lacks leads the model needs and its card does not say it
    /// can do without them): the trace is still drawn; `cnn_probabilities` and `layers` are then empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withheld: Option<String>,
    /// The card's lead set the record was presented as, when it lacks some of the model's leads (`leads` then
    /// lists only the leads given to the model; the others reached it as the card's `missing_lead`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_set: Option<String>,
    /// Signal-quality flags of the record's leads (only leads with a flag).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quality: Vec<crate::signal::quality::LeadQuality>,
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
                let written = writeln!(out, "{record},{},{sample},{time_s:.4},{cluster},{entropy:.4}", layer.layer);
                debug_assert!(written.is_ok(), "fmt::Write for String never fails");
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
            "lead_set": self.lead_set,
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
