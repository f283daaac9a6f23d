//! The commands behind `ecglens fit`, `calibrate` and `evaluate`, as functions over an [`Engine`] and a data
//! folder that return what they made; the binary only parses arguments, writes files and prints.
//!
//! The split is PTB-XL's: reference (training) = every record outside folds 9 and 10, validation = fold 9,
//! test = fold 10.

use std::path::Path;

use ecglens_core::clusters::Atlas;
use ecglens_core::surrogate::{fit_surrogate, ForestParams};
use ecglens_engine::Engine;
use serde::Serialize;

use crate::fit::{self, Calibration, EvaluationRow, Features, FitError, Inferred};

/// The K values `--k auto` tries.
pub const K_CANDIDATES: [usize; 5] = [4, 6, 8, 10, 12];

/// Parsimony: the smallest K whose validation fidelity is within this of the best.
pub const K_TOLERANCE: f64 = 0.005;

/// Records by role.
pub struct Split {
    pub reference: Vec<Inferred>,
    pub validation: Vec<Inferred>,
    pub test: Vec<Inferred>,
}

/// Reference = every record not in folds 9 or 10; validation = fold 9; test = fold 10.
pub fn split(inferred: Vec<Inferred>) -> Split {
    let mut split = Split { reference: Vec::new(), validation: Vec::new(), test: Vec::new() };
    for i in inferred {
        match i.item.fold {
            Some(9) => split.validation.push(i),
            Some(10) => split.test.push(i),
            _ => split.reference.push(i),
        }
    }
    split
}

/// One K tried during selection, with its validation figures (kept in the atlas's report).
#[derive(Debug, Clone, Serialize)]
pub struct KCandidate {
    pub k: usize,
    pub validation_fidelity: f64,
    pub validation_mean_entropy: f32,
    pub table: Vec<EvaluationRow>,
}

/// The smallest K within [`K_TOLERANCE`] of the best validation fidelity (None when nothing was tried).
pub fn choose_k(candidates: &[KCandidate]) -> Option<usize> {
    let best = candidates.iter().map(|c| c.validation_fidelity).fold(f64::NEG_INFINITY, f64::max);
    candidates.iter().filter(|c| c.validation_fidelity >= best - K_TOLERANCE).map(|c| c.k).min()
}

/// What `fit` made: the atlas (with its surrogate, calibration and report) and the test table.
pub struct Fitted {
    pub atlas: Atlas,
    pub test_table: Vec<EvaluationRow>,
    pub cross_validation: Vec<fit::CrossValidatedRow>,
}

/// Fits an atlas over the reference set of `data` (PTB-XL), choosing K on validation fidelity among `ks`,
/// naming clusters on LUDB landmarks when `ludb` is given, training the surrogate, calibrating the entropy and
/// evaluating on the test fold. Leaves `engine` without an atlas.
pub fn fit_atlas(
    engine: &mut Engine,
    data: &Path,
    ludb: Option<&Path>,
    ks: &[usize],
    max_rows: usize,
) -> Result<Fitted, FitError> {
    let started = std::time::Instant::now();
    let items = fit::load_ptbxl(data, &engine.card.output.classes, engine.card.input.reads_amplitude)?;
    eprintln!("{} records in {}", items.len(), data.display());
    let inferred = fit::infer_all(engine, items);
    let Split { reference, validation, test } = split(inferred.clone());
    eprintln!("reference {} / validation {} / test {}", reference.len(), validation.len(), test.len());
    if reference.is_empty() {
        return Err(FitError::EmptyReference);
    }
    let quick = ForestParams::default();
    let mut candidates = Vec::new();
    let mut fitted = Vec::new();
    for &k in ks {
        let layers = fit::fit_layers(engine, &reference, k, max_rows, 42)?;
        engine.set_atlas(Some(fit::assemble_atlas(engine, layers.clone(), None, serde_json::Value::Null)))?;
        fitted.push((k, layers));
        let rf = fit::features(engine, &reference)?;
        let vf = fit::features(engine, &validation)?;
        let table = fit::evaluate(engine, &rf, &vf, quick)?;
        let validation_fidelity = table.last().map_or(0.0, |r| r.fidelity);
        let validation_mean_entropy = mean_of_means(&vf);
        eprintln!(
            "k = {k:>2}: validation fidelity (all layers) {:.2} %, mean entropy {validation_mean_entropy:.3} nats",
            100.0 * validation_fidelity
        );
        candidates.push(KCandidate { k, validation_fidelity, validation_mean_entropy, table });
    }
    let chosen = choose_k(&candidates).ok_or(FitError::NoK)?;
    eprintln!("chosen k = {chosen}");
    // The chosen K's layers were fitted during selection: reuse them rather than fit again.
    let layers = fitted.into_iter().find(|(k, _)| *k == chosen).map(|(_, l)| l).ok_or(FitError::NoK)?;
    let mut atlas = fit::assemble_atlas(engine, layers, None, serde_json::Value::Null);
    let mut landmark_report = serde_json::Value::Null;
    if let Some(ludb) = ludb {
        engine.set_atlas(Some(atlas.clone()))?;
        landmark_report = fit::name_clusters(engine, &mut atlas, ludb, "ii")?;
    }
    engine.set_atlas(Some(atlas))?;
    let rf = fit::features(engine, &reference)?;
    let tf = fit::features(engine, &test)?;
    let params = ForestParams::default();
    let mut test_table = fit::evaluate(engine, &rf, &tf, params)?;
    test_table.extend(fit::baselines(engine, &rf, &tf, params, 10)?);
    let atlas = engine.take_atlas().ok_or(FitError::NoK)?;
    let feature_names: Vec<String> =
        atlas.layers.iter().flat_map(|l| l.cluster_names.iter().map(move |n| format!("{}:{n}", l.layer))).collect();
    let all: Vec<usize> = (0..atlas.layers.len()).collect();
    let surrogate = fit_surrogate(
        feature_names,
        engine.card.output.classes.clone(),
        engine.card.thresholds(),
        &rf.rows(&all),
        &rf.cnn_targets(),
        params,
    )
    .map_err(ecglens_engine::Error::from)?;
    let cross_validation = cross_validate(engine, &inferred, chosen, max_rows, &(1..=10).collect::<Vec<u8>>())?;
    let description = if engine.card.input.reads_amplitude {
        "PTB-XL records outside folds 9 and 10: ptbxl/records100 (raw, 100 Hz); ptbxl-extra/ is left out (z-scored upstream: no amplitude, which this model reads)"
    } else {
        "PTB-XL records outside folds 9 and 10: ptbxl/records100 (raw, 100 Hz) and the ptbxl-extra/ windows not among them"
    };
    let report = serde_json::json!({
        "reference": { "records": reference.len(), "description": description },
        "normalisation": "per channel z-score over all reference time steps",
        "soft_assignment": "spherical Gaussian mixture on the k-means centroids with the shared maximum-likelihood variance, softened by a per-layer temperature calibrated on k-means refits (report.calibration)",
        "k_selection": { "rule": "smallest K within 0.5 point of the best validation (fold 9) fidelity of the all-layer surrogate", "candidates": candidates, "chosen": chosen },
        "landmarks": landmark_report,
        "test": { "folds": [10], "table": test_table },
        "cross_validation": {
            "description": "for each fold f of 1-10: the atlas (k-means per layer at the chosen K) and the surrogates fitted on every record outside f, evaluated on f; the CNN is always the one trained on folds 1-8 (so on folds 1-8 it has seen the test records in training); mean and sample s.d. over the ten folds",
            "k": chosen,
            "table": &cross_validation,
        },
        "fit_seconds": started.elapsed().as_secs_f64(),
    });
    let mut atlas = Atlas { surrogate: Some(surrogate), report, ..atlas };
    // Entropy temperature per layer (argmax clusters, proportions and the surrogate do not depend on it).
    let taps: Vec<String> = engine.card.taps.iter().map(|t| t.name.clone()).collect();
    let calibration = fit::calibrate_atlas(&mut atlas, &reference, &validation, &taps, 10, max_rows)?;
    record_calibration(&mut atlas, &calibration);
    Ok(Fitted { atlas, test_table, cross_validation })
}

/// The paper's table over `folds`: for each, an atlas (k-means per layer with `k` clusters) and the surrogates
/// fitted on every record outside it, evaluated on it, with the trivial-surrogate baselines. Leaves `engine`
/// without an atlas.
pub fn cross_validate(
    engine: &mut Engine,
    all: &[Inferred],
    k: usize,
    max_rows: usize,
    folds: &[u8],
) -> Result<Vec<fit::CrossValidatedRow>, FitError> {
    let mut tables = Vec::with_capacity(folds.len());
    for &fold in folds {
        let started = std::time::Instant::now();
        let (test, reference): (Vec<Inferred>, Vec<Inferred>) =
            all.iter().cloned().partition(|i| i.item.fold == Some(fold));
        if test.is_empty() || reference.is_empty() {
            return Err(FitError::EmptyReference);
        }
        let layers = fit::fit_layers(engine, &reference, k, max_rows, 42 + u64::from(fold))?;
        engine.set_atlas(Some(fit::assemble_atlas(engine, layers, None, serde_json::Value::Null)))?;
        let rf = fit::features(engine, &reference)?;
        let tf = fit::features(engine, &test)?;
        let params = ForestParams::default();
        let mut table = fit::evaluate(engine, &rf, &tf, params)?;
        table.extend(fit::baselines(engine, &rf, &tf, params, u64::from(fold))?);
        let all_layers = table.iter().find(|r| r.features == "surrogate: all layers").map_or(f64::NAN, |r| r.fidelity);
        eprintln!(
            "fold {fold:>2}: {} test records, fidelity (all layers) {:.2} % ({:.0} s)",
            test.len(),
            100.0 * all_layers,
            started.elapsed().as_secs_f64()
        );
        tables.push(table);
    }
    engine.set_atlas(None)?;
    Ok(fit::over_folds(folds, &tables))
}

/// Recalibrates the entropy temperature of each layer of `engine`'s atlas on `data` (k-means refits over the
/// reference set, cross-entropy on the validation fold); returns the updated atlas and the per-layer figures.
pub fn calibrate(
    engine: &Engine,
    data: &Path,
    refits: usize,
    max_rows: usize,
) -> Result<(Atlas, Vec<Calibration>), FitError> {
    let mut atlas = engine.atlas().cloned().ok_or(FitError::NoAtlas)?;
    let items = fit::load_ptbxl(data, &engine.card.output.classes, engine.card.input.reads_amplitude)?;
    let Split { reference, validation, .. } = split(fit::infer_all(engine, items));
    let taps: Vec<String> = engine.card.taps.iter().map(|t| t.name.clone()).collect();
    let calibration = fit::calibrate_atlas(&mut atlas, &reference, &validation, &taps, refits, max_rows)?;
    record_calibration(&mut atlas, &calibration);
    Ok((atlas, calibration))
}

/// The paper's table on `folds` of `data`: surrogates trained on every other record (fold 9 too, when it is a
/// test fold), compared with the CNN.
pub fn evaluate_folds(engine: &Engine, data: &Path, folds: &[u8]) -> Result<Vec<EvaluationRow>, FitError> {
    let items = fit::load_ptbxl(data, &engine.card.output.classes, engine.card.input.reads_amplitude)?;
    let (reference, test): (Vec<Inferred>, Vec<Inferred>) = fit::infer_all(engine, items)
        .into_iter()
        .filter(|i| !matches!(i.item.fold, Some(9)) || folds.contains(&9))
        .partition(|i| !i.item.fold.is_some_and(|f| folds.contains(&f)));
    let rf = fit::features(engine, &reference)?;
    let tf = fit::features(engine, &test)?;
    fit::evaluate(engine, &rf, &tf, ForestParams::default())
}

fn record_calibration(atlas: &mut Atlas, calibration: &[Calibration]) {
    if let (Some(report), Ok(value)) = (atlas.report.as_object_mut(), serde_json::to_value(calibration)) {
        report.insert("calibration".into(), value);
    }
}

fn mean_of_means(features: &Features) -> f32 {
    let per_record = features.mean_entropy.iter().map(|e| e.iter().sum::<f32>() / e.len().max(1) as f32);
    per_record.sum::<f32>() / features.mean_entropy.len().max(1) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(k: usize, validation_fidelity: f64) -> KCandidate {
        KCandidate { k, validation_fidelity, validation_mean_entropy: 0.0, table: Vec::new() }
    }

    #[test]
    fn choose_k_prefers_the_smallest_k_near_the_best() {
        let c = [candidate(4, 0.930), candidate(6, 0.939), candidate(8, 0.945), candidate(10, 0.946)];
        assert_eq!(choose_k(&c), Some(8), "0.945 is within 0.005 of 0.946; 0.939 is not");
        assert_eq!(choose_k(&c[..2]), Some(6));
        assert_eq!(choose_k(&[candidate(12, 0.9), candidate(4, 0.9)]), Some(4), "ties: the smaller K");
        assert_eq!(choose_k(&[]), None);
    }
}
