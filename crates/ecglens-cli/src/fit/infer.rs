//! Every record through the model once; the outputs are kept so any atlas can explain them without rerunning it.

use ecglens_core::explain::Explanation;
use ecglens_engine::Engine;

use super::*;

/// One record after the model: its windows' outputs, ready to be explained with any atlas.
#[derive(Clone)]
pub struct Inferred {
    pub item: Item,
    pub sample_rate_hz: f64,
    pub n_samples: usize,
    pub prepared: ecglens_core::preprocess::Prepared,
    pub outputs: Vec<ecglens_engine::ModelOutput>,
}

pub fn progress(len: usize, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} {elapsed_precise} eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(what.to_string());
    bar
}

/// Runs the model on every item (records that fail are reported and skipped).
pub fn infer_all(engine: &Engine, items: Vec<Item>) -> Vec<Inferred> {
    let bar = progress(items.len(), "inference");
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        bar.inc(1);
        let result: Result<Inferred, FitError> = (|| match &item.source {
            Source::Wfdb(path) => {
                let record = read_wfdb(path)?;
                let (prepared, outputs) = engine.infer(&record)?;
                Ok(Inferred {
                    sample_rate_hz: record.sample_rate_hz,
                    n_samples: record.n_samples(),
                    prepared,
                    outputs,
                    item: item.clone(),
                })
            }
            Source::ModelInput(window) => {
                let output = engine.model().run(window.view()).map_err(ecglens_engine::Error::from)?;
                let n = window.ncols();
                let prepared = ecglens_core::preprocess::Prepared {
                    leads_mv: Vec::new(),
                    windows: Vec::new(),
                    window_starts: vec![0],
                    model_samples: n,
                    lead_sources: Vec::new(),
                    lead_set: None,
                    absent: Vec::new(),
                };
                Ok(Inferred {
                    sample_rate_hz: engine.card.input.sample_rate_hz,
                    n_samples: n,
                    prepared,
                    outputs: vec![output],
                    item: item.clone(),
                })
            }
        })();
        match result {
            Ok(inferred) => out.push(inferred),
            Err(e) => bar.println(format!("skipped {}: {e}", item.name)),
        }
    }
    bar.finish_and_clear();
    out
}

impl Inferred {
    pub fn explain(&self, engine: &Engine) -> Result<Explanation, ecglens_engine::Error> {
        engine.explain_outputs(
            &self.item.name,
            self.sample_rate_hz,
            self.n_samples,
            self.prepared.clone(),
            &self.outputs,
        )
    }
}
