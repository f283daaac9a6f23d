//! Fidelity of the surrogate to the CNN, and both against the truth: the paper's table.

use serde::Serialize;

use ecglens_core::surrogate::{fit_surrogate, ForestParams, Surrogate};
use ecglens_engine::Engine;

use super::*;

/// Cluster proportions (per layer, layer-major) and CNN probabilities of every record under an atlas.
pub struct Features {
    pub names: Vec<String>,
    pub per_layer: Vec<Vec<Vec<f32>>>,
    pub cnn_probabilities: Vec<Vec<f32>>,
    pub cnn_positive: Vec<Vec<bool>>,
    pub labels: Vec<Option<Vec<bool>>>,
    pub folds: Vec<Option<u8>>,
    pub mean_entropy: Vec<Vec<f32>>,
}

pub fn features(engine: &Engine, records: &[Inferred]) -> Result<Features, FitError> {
    let mut f = Features {
        names: vec![],
        per_layer: vec![],
        cnn_probabilities: vec![],
        cnn_positive: vec![],
        labels: vec![],
        folds: vec![],
        mean_entropy: vec![],
    };
    for inferred in records {
        let e = inferred.explain(engine)?;
        f.names.push(inferred.item.name.clone());
        f.per_layer.push(e.layers.iter().map(|l| l.proportions.clone()).collect());
        f.mean_entropy.push(e.layers.iter().map(|l| l.mean_entropy).collect());
        f.cnn_probabilities.push(e.cnn_probabilities);
        f.cnn_positive.push(e.cnn_positive);
        f.labels.push(inferred.item.labels.clone());
        f.folds.push(inferred.item.fold);
    }
    Ok(f)
}

impl Features {
    /// Rows of the surrogate's input: the chosen layers' proportions, concatenated.
    pub fn rows(&self, layers: &[usize]) -> Vec<Vec<f32>> {
        self.per_layer.iter().map(|p| layers.iter().flat_map(|l| p[*l].iter().copied()).collect()).collect()
    }

    /// Indices of the records with ground truth.
    pub fn labelled(&self) -> Vec<usize> {
        (0..self.labels.len()).filter(|i| self.labels[*i].is_some()).collect()
    }

    /// The ground truth of `labelled` records, in that order.
    pub fn truth(&self, labelled: &[usize]) -> Vec<Vec<bool>> {
        labelled.iter().filter_map(|i| self.labels[*i].clone()).collect()
    }

    /// `targets[class][row]`: the CNN's probabilities.
    pub fn cnn_targets(&self) -> Vec<Vec<f32>> {
        let n_classes = self.cnn_probabilities.first().map_or(0, Vec::len);
        (0..n_classes).map(|c| self.cnn_probabilities.iter().map(|p| p[c]).collect()).collect()
    }
}

/// Area under the ROC curve (Mann–Whitney U with tie correction); None when a class is absent.
pub fn auroc(scores: &[f32], labels: &[bool]) -> Option<f64> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|a, b| scores[*a].total_cmp(&scores[*b]));
    let mut ranks = vec![0f64; scores.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for o in &order[i..=j] {
            ranks[*o] = rank;
        }
        i = j + 1;
    }
    let positives = labels.iter().filter(|l| **l).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let rank_sum: f64 = ranks.iter().zip(labels).filter(|(_, l)| **l).map(|(r, _)| r).sum();
    Some((rank_sum - (positives * (positives + 1)) as f64 / 2.0) / (positives * negatives) as f64)
}

/// One row of the paper's table.
#[derive(Debug, Clone, Serialize)]
pub struct EvaluationRow {
    pub features: String,
    pub n_records: usize,
    /// Share of (record, class) decisions on which the surrogate equals the CNN.
    pub fidelity: f64,
    /// Share of records on which all five decisions agree.
    pub exact_fidelity: f64,
    pub accuracy: f64,
    pub macro_auroc: Option<f64>,
}

pub(crate) fn macro_auroc(probabilities: &[Vec<f32>], labels: &[Vec<bool>]) -> Option<f64> {
    let n_classes = probabilities.first()?.len();
    let per_class: Vec<f64> = (0..n_classes)
        .filter_map(|c| {
            let s: Vec<f32> = probabilities.iter().map(|p| p[c]).collect();
            let l: Vec<bool> = labels.iter().map(|l| l[c]).collect();
            auroc(&s, &l)
        })
        .collect();
    (!per_class.is_empty()).then(|| per_class.iter().sum::<f64>() / per_class.len() as f64)
}

pub(crate) fn agreement(a: &[Vec<bool>], b: &[Vec<bool>]) -> (f64, f64) {
    let mut same = 0usize;
    let mut total = 0usize;
    let mut exact = 0usize;
    for (x, y) in a.iter().zip(b) {
        let s = x.iter().zip(y).filter(|(p, q)| p == q).count();
        same += s;
        total += x.len();
        exact += usize::from(s == x.len());
    }
    (same as f64 / total.max(1) as f64, exact as f64 / a.len().max(1) as f64)
}

/// The paper's table on `test`: the CNN against the truth, then surrogates on each layer and on all layers.
pub fn evaluate(
    engine: &Engine,
    reference: &Features,
    test: &Features,
    params: ForestParams,
) -> Result<Vec<EvaluationRow>, FitError> {
    if reference.per_layer.is_empty() {
        return Err(FitError::EmptyReference);
    }
    let labelled = test.labelled();
    let truth = test.truth(&labelled);
    let cnn_pos: Vec<Vec<bool>> = labelled.iter().map(|i| test.cnn_positive[*i].clone()).collect();
    let cnn_prob: Vec<Vec<f32>> = labelled.iter().map(|i| test.cnn_probabilities[*i].clone()).collect();
    let mut rows = vec![EvaluationRow {
        features: "CNN".into(),
        n_records: labelled.len(),
        fidelity: 1.0,
        exact_fidelity: 1.0,
        accuracy: agreement(&cnn_pos, &truth).0,
        macro_auroc: macro_auroc(&cnn_prob, &truth),
    }];
    let n_layers = engine.card.taps.len();
    let mut sets: Vec<(String, Vec<usize>)> =
        (0..n_layers).map(|l| (engine.card.taps[l].name.clone(), vec![l])).collect();
    sets.push(("all layers".into(), (0..n_layers).collect()));
    for (name, layers) in sets {
        let surrogate = fit_surrogate(
            layers
                .iter()
                .flat_map(|l| (0..reference.per_layer[0][*l].len()).map(move |c| format!("{l}:{c}")))
                .collect(),
            engine.card.output.classes.clone(),
            engine.card.thresholds(),
            &reference.rows(&layers),
            &reference.cnn_targets(),
            params,
        )
        .map_err(ecglens_engine::Error::from)?;
        rows.push(surrogate_row(&name, &surrogate, test, &layers, &labelled)?);
    }
    Ok(rows)
}

pub(crate) fn surrogate_row(
    name: &str,
    surrogate: &Surrogate,
    test: &Features,
    layers: &[usize],
    labelled: &[usize],
) -> Result<EvaluationRow, FitError> {
    let x = test.rows(layers);
    let probabilities: Vec<Vec<f32>> = x
        .iter()
        .map(|row| surrogate.predict_proba(row))
        .collect::<Result<_, _>>()
        .map_err(ecglens_engine::Error::from)?;
    let positive: Vec<Vec<bool>> = probabilities.iter().map(|p| surrogate.decide(p)).collect();
    let (fidelity, exact_fidelity) = agreement(&positive, &test.cnn_positive);
    let truth = test.truth(labelled);
    let pos_l: Vec<Vec<bool>> = labelled.iter().map(|i| positive[*i].clone()).collect();
    let prob_l: Vec<Vec<f32>> = labelled.iter().map(|i| probabilities[*i].clone()).collect();
    Ok(EvaluationRow {
        features: format!("surrogate: {name}"),
        n_records: test.names.len(),
        fidelity,
        exact_fidelity,
        accuracy: agreement(&pos_l, &truth).0,
        macro_auroc: macro_auroc(&prob_l, &truth),
    })
}

pub fn table_markdown(rows: &[EvaluationRow]) -> String {
    let mut out = String::from("| features | records | fidelity (per decision) | fidelity (all 5 agree) | accuracy vs truth | macro AUROC vs truth |\n|---|---|---|---|---|---|\n");
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {:.1} % | {:.1} % | {:.1} % | {} |\n",
            r.features,
            r.n_records,
            100.0 * r.fidelity,
            100.0 * r.exact_fidelity,
            100.0 * r.accuracy,
            r.macro_auroc.map_or("n/a".into(), |a| format!("{a:.3}"))
        ));
    }
    out
}

/// Trivial surrogates, so that a fidelity means something: one that always gives each class the reference
/// set's majority CNN decision (its score is that decision's share, a constant: AUROC 0.5), and a forest trained
/// on the same proportions shuffled across records (`seed`), so that they carry no information about the record.
pub fn baselines(
    engine: &Engine,
    reference: &Features,
    test: &Features,
    params: ForestParams,
    seed: u64,
) -> Result<Vec<EvaluationRow>, FitError> {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    if reference.per_layer.is_empty() {
        return Err(FitError::EmptyReference);
    }
    let labelled = test.labelled();
    let truth = test.truth(&labelled);
    let n_classes = engine.card.n_classes();
    let share: Vec<f32> = (0..n_classes)
        .map(|c| {
            let positive = reference.cnn_positive.iter().filter(|p| p[c]).count();
            positive as f32 / reference.cnn_positive.len().max(1) as f32
        })
        .collect();
    let majority: Vec<bool> = share.iter().map(|s| *s > 0.5).collect();
    let constant_positive = vec![majority.clone(); test.names.len()];
    let (fidelity, exact_fidelity) = agreement(&constant_positive, &test.cnn_positive);
    let constant_l = vec![majority; labelled.len()];
    let mut rows = vec![EvaluationRow {
        features: "baseline: majority decision".into(),
        n_records: test.names.len(),
        fidelity,
        exact_fidelity,
        accuracy: agreement(&constant_l, &truth).0,
        macro_auroc: macro_auroc(&vec![share; labelled.len()], &truth),
    }];
    let layers: Vec<usize> = (0..engine.card.taps.len()).collect();
    let mut shuffled = reference.rows(&layers);
    shuffled.shuffle(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed));
    let surrogate = fit_surrogate(
        (0..shuffled.first().map_or(0, Vec::len)).map(|c| format!("feature {c}")).collect(),
        engine.card.output.classes.clone(),
        engine.card.thresholds(),
        &shuffled,
        &reference.cnn_targets(),
        params,
    )
    .map_err(ecglens_engine::Error::from)?;
    let mut row = surrogate_row("permuted proportions", &surrogate, test, &layers, &labelled)?;
    row.features = "baseline: forest on permuted proportions".into();
    rows.push(row);
    Ok(rows)
}

/// One figure of the paper's table over folds: mean and sample standard deviation.
#[derive(Debug, Clone, Serialize)]
pub struct Spread {
    pub mean: f64,
    pub sd: f64,
    pub per_fold: Vec<f64>,
}

impl Spread {
    pub fn of(values: Vec<f64>) -> Spread {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n.max(1.0);
        let sd = if values.len() > 1 {
            (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        Spread { mean, sd, per_fold: values }
    }
}

/// One row of the paper's table over folds.
#[derive(Debug, Clone, Serialize)]
pub struct CrossValidatedRow {
    pub features: String,
    pub folds: Vec<u8>,
    pub n_records: Vec<usize>,
    pub fidelity: Spread,
    pub exact_fidelity: Spread,
    pub accuracy: Spread,
    pub macro_auroc: Spread,
}

/// Rows of the same name across the folds' tables (every table lists the same rows in the same order).
pub fn over_folds(folds: &[u8], tables: &[Vec<EvaluationRow>]) -> Vec<CrossValidatedRow> {
    let Some(first) = tables.first() else { return Vec::new() };
    (0..first.len())
        .map(|r| {
            let column = |f: &dyn Fn(&EvaluationRow) -> f64| Spread::of(tables.iter().map(|t| f(&t[r])).collect());
            CrossValidatedRow {
                features: first[r].features.clone(),
                folds: folds.to_vec(),
                n_records: tables.iter().map(|t| t[r].n_records).collect(),
                fidelity: column(&|row| row.fidelity),
                exact_fidelity: column(&|row| row.exact_fidelity),
                accuracy: column(&|row| row.accuracy),
                macro_auroc: column(&|row| row.macro_auroc.unwrap_or(f64::NAN)),
            }
        })
        .collect()
}

/// The cross-validated table as Markdown: mean ± s.d. over the folds.
pub fn cross_validated_markdown(rows: &[CrossValidatedRow]) -> String {
    let mut out = String::from("| features | records per fold | fidelity (per decision) | fidelity (all 5 agree) | accuracy vs truth | macro AUROC vs truth |\n|---|---|---|---|---|---|\n");
    let pct = |s: &Spread| format!("{:.1} ± {:.1} %", 100.0 * s.mean, 100.0 * s.sd);
    for r in rows {
        let (lo, hi) = (r.n_records.iter().min().copied().unwrap_or(0), r.n_records.iter().max().copied().unwrap_or(0));
        out.push_str(&format!(
            "| {} | {lo}–{hi} | {} | {} | {} | {:.3} ± {:.3} |\n",
            r.features,
            pct(&r.fidelity),
            pct(&r.exact_fidelity),
            pct(&r.accuracy),
            r.macro_auroc.mean,
            r.macro_auroc.sd
        ));
    }
    out
}
