//! ecglens's engine: the ONNX model run by tract ([`model`]) and [`Engine`], the whole pipeline for one record
//! (model + card + atlas: record → [`Explanation`]).
//!
//! This is the single entry point used by the CLI (`ecglens explain`) and by the browser's worker, so both
//! produce the same clusters, entropies and CSV for the same record. Everything tract-free lives in
//! `ecglens_core`; the page's crate does not depend on this one.

pub mod model;

use ecglens_core::card::ModelCard;
use ecglens_core::clusters::{Atlas, AtlasError};
use ecglens_core::explain::{sha256_hex, Explanation, LayerExplanation, SurrogateExplanation};
use ecglens_core::preprocess;
use ecglens_core::signal::{Record, SignalError};

pub use model::{Model, ModelError, ModelOutput};

/// Every error the engine returns: the core's, or the model's.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Core(#[from] ecglens_core::Error),
    #[error(transparent)]
    Model(#[from] ModelError),
}

macro_rules! from_core {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::Core(e.into())
            }
        }
    )*};
}
from_core!(
    ecglens_core::signal::SignalError,
    ecglens_core::card::CardError,
    AtlasError,
    ecglens_core::surrogate::SurrogateError
);

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A loaded model with its card and (optionally) its atlas of clusters.
pub struct Engine {
    pub card: ModelCard,
    atlas: Option<Atlas>,
    /// Hex SHA-256 of the ONNX bytes: binds an atlas to its model.
    pub model_sha256: String,
    model: Model,
}

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

    /// The atlas of clusters, when one is loaded.
    pub fn atlas(&self) -> Option<&Atlas> {
        self.atlas.as_ref()
    }

    /// Explains with another atlas from now on (or none), after checking it was fitted for this model's taps.
    /// `fit` uses it to evaluate candidate atlases it has just made; its `model_sha256` is this model's.
    pub fn set_atlas(&mut self, atlas: Option<Atlas>) -> Result<()> {
        if let Some(atlas) = &atlas {
            atlas.check_model(&self.model_sha256, &self.card.taps)?;
        }
        self.atlas = atlas;
        Ok(())
    }

    /// Takes the atlas out (the engine explains without clusters until another is set).
    pub fn take_atlas(&mut self) -> Option<Atlas> {
        self.atlas.take()
    }

    /// The loaded model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The model on its own: preprocessing + inference, logits averaged over windows, taps per window.
    pub fn infer(&self, record: &Record) -> Result<(preprocess::Prepared, Vec<ModelOutput>)> {
        let prepared = preprocess::prepare(record, &self.card)?;
        let outputs =
            prepared.windows.iter().map(|window| self.model.run(window.view())).collect::<Result<Vec<_>, _>>()?;
        Ok((prepared, outputs))
    }

    /// The whole explanation of one record.
    ///
    /// A record that lacks some of the model's leads (after deriving the limb leads that follow from two of I,
    /// II, III) is presented as the first lead set of the card it covers, the other leads as the card says
    /// (zeros), and its explanation names the set ([`Explanation::lead_set`]) and draws only the leads given.
    /// When the card declares no set the record covers, it is not refused: its explanation has the record's own
    /// leads to draw, no prediction, and [`Explanation::withheld`] saying which leads are missing.
    /// Every explanation carries the record's signal-quality flags ([`ecglens_core::signal::quality`]).
    pub fn explain(&self, record: &Record) -> Result<Explanation> {
        let mut completed;
        let record = if ecglens_core::signal::derive::can_complete(record) {
            completed = record.clone();
            ecglens_core::signal::derive::complete_limb_leads(&mut completed);
            &completed
        } else {
            record
        };
        let mut explanation = match self.infer(record) {
            Ok((prepared, outputs)) => {
                self.explain_outputs(&record.name, record.sample_rate_hz, record.n_samples(), prepared, &outputs)?
            }
            Err(Error::Core(ecglens_core::Error::Signal(SignalError::MissingLeads { missing, .. }))) => {
                self.withheld(record, &missing)
            }
            Err(e) => return Err(e),
        };
        explanation.quality = ecglens_core::signal::quality::assess(record);
        Ok(explanation)
    }

    /// The explanation of a record the model cannot run on: its leads to draw, and why.
    fn withheld(&self, record: &Record, missing: &[String]) -> Explanation {
        let needs = self.card.input.leads.join(", ");
        Explanation {
            record_name: record.name.clone(),
            sample_rate_hz: record.sample_rate_hz,
            n_samples: record.n_samples(),
            leads: record.leads.iter().map(|l| ecglens_core::signal::leads::display_name(&l.name)).collect(),
            signal_mv: record.leads.iter().map(|l| l.samples_mv.clone()).collect(),
            windows: 0,
            classes: self.card.output.classes.clone(),
            cnn_probabilities: Vec::new(),
            cnn_positive: Vec::new(),
            layers: Vec::new(),
            surrogate: None,
            annotations: Vec::new(),
            source: None,
            withheld: Some(if self.card.input.lead_sets.is_empty() {
                format!(
                    "prediction withheld: the record lacks lead(s) {} that the model needs (it reads {needs}); its card declares no reduced lead set, so missing leads are not filled in",
                    missing.join(", ")
                )
            } else {
                let sets: Vec<&str> = self.card.input.lead_sets.iter().map(|s| s.name.as_str()).collect();
                format!(
                    "prediction withheld: the record lacks lead(s) {} and covers none of the lead sets the model serves ({})",
                    missing.join(", "),
                    sets.join(", ")
                )
            }),
            lead_set: None,
            quality: Vec::new(),
        }
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
            lead_set: None,
            absent: Vec::new(),
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
        outputs: &[ModelOutput],
    ) -> Result<Explanation> {
        let n_classes = self.card.n_classes();
        let mut mean_logits = vec![0f32; n_classes];
        for output in outputs {
            for (m, l) in mean_logits.iter_mut().zip(&output.logits) {
                *m += l / outputs.len() as f32;
            }
        }
        let cnn_probabilities = self.card.activate(&mean_logits);
        let thresholds = self.card.thresholds_for(prepared.lead_set.as_deref());
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
                let mapping = ecglens_core::clusters::map_samples_to_steps(
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
                    proportions: ecglens_core::clusters::proportions(&cluster, layer_atlas.k),
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
        let given = |ix: &usize| !prepared.absent.contains(ix);
        let leads =
            self.card.input.leads.iter().enumerate().filter(|(ix, _)| given(ix)).map(|(_, l)| l.clone()).collect();
        let lead_set = prepared.lead_set.clone();
        let signal_mv = prepared.leads_mv.into_iter().enumerate().filter(|(ix, _)| given(ix)).map(|(_, s)| s).collect();
        Ok(Explanation {
            record_name: record_name.to_string(),
            sample_rate_hz,
            n_samples,
            leads,
            signal_mv,
            windows: prepared.windows.len(),
            classes: self.card.output.classes.clone(),
            cnn_probabilities,
            cnn_positive,
            layers,
            surrogate,
            annotations: Vec::new(),
            source: None,
            withheld: None,
            lead_set,
            quality: Vec::new(),
        })
    }
}
