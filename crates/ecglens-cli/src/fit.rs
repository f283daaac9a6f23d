//! Native only: fitting an atlas over a reference set of real ECGs (k-means with linfa), training the
//! surrogate, evaluating fidelity (the paper's table) and naming clusters after ECG landmarks (LUDB).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use linfa::prelude::*;
use linfa_clustering::KMeans;
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::Serialize;

use ecglens_core::clusters::{Atlas, LayerAtlas, ATLAS_FORMAT};
use ecglens_core::explain::Explanation;
use ecglens_core::signal::{wfdb, Record};
use ecglens_core::surrogate::{fit_surrogate, ForestParams, Surrogate};
use ecglens_engine::Engine;

/// Errors of the fitting tools (reading the datasets).
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    #[error("{path}: {reason}")]
    Data { path: String, reason: String },
    #[error(transparent)]
    Engine(#[from] ecglens_engine::Error),
    #[error("k-means failed: {0}")]
    KMeans(String),
    #[error("the reference set is empty: no record to fit or evaluate on")]
    EmptyReference,
    #[error("no K was fitted (give --k a number, or auto)")]
    NoK,
    #[error("this needs an atlas (--atlas), and none is loaded")]
    NoAtlas,
}

fn data_err(path: &Path, reason: impl ToString) -> FitError {
    FitError::Data { path: path.display().to_string(), reason: reason.to_string() }
}

/// Where a reference or test record comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A WFDB header; its signal files lie beside it.
    Wfdb(PathBuf),
    /// A window already preprocessed by the model's pipeline (`leads × n_samples`).
    ModelInput(Array2<f32>),
}

#[derive(Debug, Clone)]
pub struct Item {
    pub name: String,
    pub fold: Option<u8>,
    /// Ground truth per class of the card, when known.
    pub labels: Option<Vec<bool>>,
    pub source: Source,
}

/// Reads a WFDB record from disk (header + the signal files it names, looked up beside it), with the same
/// size limits as everywhere else (`wfdb::read_record_file`).
pub fn read_wfdb(header: &Path) -> Result<Record, FitError> {
    wfdb::read_record_file(header).map_err(|e| data_err(header, e))
}

/// PTB-XL diagnostic superclass labels of a `scp_codes` dict, the PTB-XL benchmark's way.
fn superclasses(scp_codes: &str, code_to_class: &BTreeMap<String, String>, classes: &[String]) -> Vec<bool> {
    let mut labels = vec![false; classes.len()];
    for part in scp_codes.trim_matches(|c| c == '{' || c == '}').split(',') {
        let code = part.split(':').next().unwrap_or("").trim().trim_matches('\'').trim_matches('"');
        if let Some(class) = code_to_class.get(code) {
            if let Some(ix) = classes.iter().position(|c| c == class) {
                labels[ix] = true;
            }
        }
    }
    labels
}

fn read_csv(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>), FitError> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| data_err(path, e))?;
    let headers = reader.headers().map_err(|e| data_err(path, e))?.iter().map(str::to_string).collect();
    let rows = reader
        .records()
        .map(|r| r.map(|r| r.iter().map(str::to_string).collect()))
        .collect::<Result<_, _>>()
        .map_err(|e| data_err(path, e))?;
    Ok((headers, rows))
}

fn column(headers: &[String], name: &str, path: &Path) -> Result<usize, FitError> {
    headers.iter().position(|h| h == name).ok_or_else(|| data_err(path, format!("no column {name}")))
}

/// The records of `<data>/ptbxl` (raw WFDB at 500 Hz) and `<data>/ptbxl-extra` (preprocessed windows).
pub fn load_ptbxl(data: &Path, classes: &[String]) -> Result<Vec<Item>, FitError> {
    let ptbxl = data.join("ptbxl");
    let statements = ptbxl.join("scp_statements.csv");
    let (headers, rows) = read_csv(&statements)?;
    let class_col = column(&headers, "diagnostic_class", &statements)?;
    let diag_col = column(&headers, "diagnostic", &statements)?;
    let code_to_class: BTreeMap<String, String> =
        rows.iter().filter(|r| r[diag_col].starts_with('1')).map(|r| (r[0].clone(), r[class_col].clone())).collect();
    let database = ptbxl.join("ptbxl_database.csv");
    let (headers, rows) = read_csv(&database)?;
    let (id_col, fold_col, scp_col, hr_col) = (
        column(&headers, "ecg_id", &database)?,
        column(&headers, "strat_fold", &database)?,
        column(&headers, "scp_codes", &database)?,
        column(&headers, "filename_hr", &database)?,
    );
    let mut items = Vec::new();
    for row in &rows {
        let header = ptbxl.join(format!("{}.hea", row[hr_col]));
        if !header.exists() {
            continue;
        }
        let labels = superclasses(&row[scp_col], &code_to_class, classes);
        items.push(Item {
            name: format!("ptbxl-{}", row[id_col].trim_end_matches(".0")),
            fold: row[fold_col].trim_end_matches(".0").parse().ok(),
            labels: labels.iter().any(|l| *l).then_some(labels),
            source: Source::Wfdb(header),
        });
    }
    let extra = data.join("ptbxl-extra");
    if extra.join("records.csv").exists() {
        let path = extra.join("signals_100hz.npy");
        let bytes = std::fs::read(&path).map_err(|e| data_err(&path, e))?;
        let array = read_npy(&bytes).map_err(|e| data_err(&path, e))?;
        let records = extra.join("records.csv");
        let (headers, rows) = read_csv(&records)?;
        let (ix_col, id_col, fold_col, sc_col) = (
            column(&headers, "index", &records)?,
            column(&headers, "ecg_id", &records)?,
            column(&headers, "strat_fold", &records)?,
            column(&headers, "superclasses", &records)?,
        );
        for row in &rows {
            let index: usize = row[ix_col].parse().map_err(|e| data_err(&records, e))?;
            if index >= array.len_of(ndarray::Axis(0)) {
                return Err(data_err(
                    &records,
                    format!(
                        "row index {index}, but {} holds {} records",
                        path.display(),
                        array.len_of(ndarray::Axis(0))
                    ),
                ));
            }
            let window = array.index_axis(ndarray::Axis(0), index).to_owned();
            let labels: Option<Vec<bool>> = (!row[sc_col].is_empty())
                .then(|| classes.iter().map(|c| row[sc_col].split(';').any(|s| s == c)).collect());
            items.push(Item {
                name: format!("ptbxl-{}", row[id_col]),
                fold: row[fold_col].trim_end_matches(".0").parse().ok(),
                labels,
                source: Source::ModelInput(window),
            });
        }
    }
    Ok(items)
}

/// A minimal reader for NumPy `.npy` v1/v2 arrays of little-endian float16/float32 in C order, shape (n, leads, samples).
pub fn read_npy(bytes: &[u8]) -> Result<ndarray::Array3<f32>, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file".into());
    }
    let (header_len, start) = match (bytes[6], bytes.get(8..12)) {
        (1, _) => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10usize),
        (_, Some(&[a, b, c, d])) => (u32::from_le_bytes([a, b, c, d]) as usize, 12usize),
        _ => return Err("truncated header".into()),
    };
    let header = std::str::from_utf8(bytes.get(start..start.saturating_add(header_len)).ok_or("truncated header")?)
        .map_err(|e| e.to_string())?;
    if header.contains("'fortran_order': True") {
        return Err("Fortran order is not supported".into());
    }
    let shape_text = header.split("'shape': (").nth(1).and_then(|s| s.split(')').next()).ok_or("no shape")?;
    let shape: Vec<usize> = shape_text
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().map_err(|_| "bad shape"))
        .collect::<Result<_, _>>()?;
    if shape.len() != 3 {
        return Err(format!("expected 3 dimensions, found {shape:?}"));
    }
    let data = &bytes[start + header_len..];
    let n = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)).ok_or("the shape overflows")?;
    let values: Vec<f32> = if header.contains("'<f2'") {
        data.chunks_exact(2).take(n).map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32()).collect()
    } else if header.contains("'<f4'") {
        data.chunks_exact(4).take(n).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
    } else {
        return Err("only little-endian float16/float32 arrays are supported".into());
    };
    ndarray::Array3::from_shape_vec((shape[0], shape[1], shape[2]), values).map_err(|e| e.to_string())
}

/// One record after the model: its windows' outputs, ready to be explained with any atlas.
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

/// Per-channel mean and std of a layer's activations over the reference set, and a row sample
/// (normalised) of at most `max_rows` time steps for k-means.
pub fn layer_matrix(
    reference: &[Inferred],
    tap_ix: usize,
    max_rows: usize,
    seed: u64,
) -> Result<LayerMatrix, FitError> {
    let channels = reference
        .iter()
        .find_map(|r| r.outputs.first())
        .and_then(|o| o.taps.get(tap_ix))
        .map(|t| t.nrows())
        .ok_or(FitError::EmptyReference)?;
    let mut sum = vec![0f64; channels];
    let mut sum_sq = vec![0f64; channels];
    let mut count = 0usize;
    for inferred in reference {
        for output in &inferred.outputs {
            for column in output.taps[tap_ix].columns() {
                for (c, v) in column.iter().enumerate() {
                    sum[c] += f64::from(*v);
                    sum_sq[c] += f64::from(*v) * f64::from(*v);
                }
                count += 1;
            }
        }
    }
    let mean: Vec<f32> = sum.iter().map(|s| (s / count as f64) as f32).collect();
    let std: Vec<f32> = sum_sq
        .iter()
        .zip(&sum)
        .map(|(sq, s)| {
            let m = s / count as f64;
            ((sq / count as f64 - m * m).max(0.0).sqrt() as f32).max(1e-6)
        })
        .collect();
    let matrix = normalised_steps(reference, tap_ix, &mean, &std, max_rows, seed);
    Ok(LayerMatrix { mean, std, matrix })
}

/// A layer's normalisation over the reference set, and the normalised rows sampled for k-means.
pub struct LayerMatrix {
    /// Per channel, over every reference time step.
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    /// `rows × channels`, z-scored with `mean` and `std`.
    pub matrix: Array2<f32>,
}

/// k-means++ with restarts (linfa) on a normalised activation matrix: centroids and the shared per-dimension variance.
pub fn kmeans(matrix: &Array2<f32>, k: usize, n_runs: usize, seed: u64) -> Result<(Vec<Vec<f32>>, f32, f64), FitError> {
    let (n, d) = matrix.dim();
    let data = ndarray016::Array2::from_shape_vec((n, d), matrix.iter().copied().collect())
        .map_err(|e| FitError::KMeans(e.to_string()))?;
    let dataset = linfa::DatasetBase::from(data);
    let rng = rand_xoshiro::Xoshiro256Plus::seed_from_u64(seed);
    let model = KMeans::params_with_rng(k, rng)
        .n_runs(n_runs)
        .max_n_iterations(300)
        .tolerance(1e-4)
        .fit(&dataset)
        .map_err(|e| FitError::KMeans(e.to_string()))?;
    let centroids: Vec<Vec<f32>> = model.centroids().rows().into_iter().map(|r| r.to_vec()).collect();
    // linfa's inertia is the mean squared distance to the nearest centroid per observation.
    let inertia = f64::from(model.inertia());
    let variance = (inertia / d as f64).max(1e-6) as f32;
    Ok((centroids, variance, inertia))
}

/// Fits one layer atlas per tap with `k` clusters.
pub fn fit_layers(
    engine: &Engine,
    reference: &[Inferred],
    k: usize,
    max_rows: usize,
    seed: u64,
) -> Result<Vec<LayerAtlas>, FitError> {
    engine
        .card
        .taps
        .iter()
        .enumerate()
        .map(|(tap_ix, tap)| {
            let LayerMatrix { mean, std, matrix } = layer_matrix(reference, tap_ix, max_rows, seed + tap_ix as u64)?;
            let (centroids, variance, _) = kmeans(&matrix, k, 3, seed + 100 + tap_ix as u64)?;
            Ok(LayerAtlas {
                layer: tap.name.clone(),
                k,
                mean,
                std,
                centroids,
                variance,
                temperature: 1.0,
                cluster_names: (0..k).map(|c| format!("C{}", c + 1)).collect(),
                landmark_shares: Vec::new(),
            })
        })
        .collect()
}

/// How one layer's temperature τ was calibrated (kept in the atlas's report).
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    pub layer: String,
    /// k-means refits, each on another random sample of the reference steps.
    pub refits: usize,
    /// Held-out time steps (validation records) the temperature was fitted on.
    pub points: usize,
    /// Share of held-out steps where some refit disagrees with the atlas's own cluster.
    pub refit_disagreement: f64,
    pub temperature: f32,
    /// Cross-entropy of the posterior against the refits' votes, at τ = 1 and at the fitted τ (nats).
    pub cross_entropy_at_1: f64,
    pub cross_entropy: f64,
    /// Mean posterior entropy of the held-out steps at τ = 1 and at the fitted τ (nats).
    pub mean_entropy_at_1: f64,
    pub mean_entropy: f64,
}

/// Steps of `records` at one tap (a random sample of at most `max_rows`), normalised with a per-channel mean and std.
fn normalised_steps(
    records: &[Inferred],
    tap_ix: usize,
    mean: &[f32],
    std: &[f32],
    max_rows: usize,
    seed: u64,
) -> Array2<f32> {
    let mut rows: Vec<(usize, usize, usize)> = Vec::new();
    for (r, inferred) in records.iter().enumerate() {
        for (w, output) in inferred.outputs.iter().enumerate() {
            rows.extend((0..output.taps[tap_ix].ncols()).map(|s| (r, w, s)));
        }
    }
    rows.shuffle(&mut StdRng::seed_from_u64(seed));
    rows.truncate(max_rows);
    let mut matrix = Array2::<f32>::zeros((rows.len(), mean.len()));
    for (i, (r, w, s)) in rows.iter().enumerate() {
        for (c, v) in records[*r].outputs[*w].taps[tap_ix].column(*s).iter().enumerate() {
            matrix[[i, c]] = (v - mean[c]) / std[c];
        }
    }
    matrix
}

fn squared_distances(point: ndarray::ArrayView1<f32>, centroids: &[Vec<f32>]) -> Vec<f32> {
    centroids.iter().map(|c| point.iter().zip(c).map(|(x, m)| (x - m) * (x - m)).sum()).collect()
}

/// Matches each refit centroid to an atlas centroid: repeatedly the closest free pair (greedy; K ≤ 12).
fn align(refit: &[Vec<f32>], atlas: &[Vec<f32>]) -> Vec<usize> {
    let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
    for (i, r) in refit.iter().enumerate() {
        for (j, d) in squared_distances(ndarray::ArrayView1::from(r.as_slice()), atlas).into_iter().enumerate() {
            pairs.push((d, i, j));
        }
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut to_atlas = vec![usize::MAX; refit.len()];
    let mut taken = vec![false; atlas.len()];
    for (_, i, j) in pairs {
        if to_atlas[i] == usize::MAX && !taken[j] {
            to_atlas[i] = j;
            taken[j] = true;
        }
    }
    to_atlas
}

/// Mean cross-entropy −Σ q log p_τ and mean entropy of p_τ, with p_τ(k) ∝ exp(−d_k / (2σ²τ)).
fn posterior_scores(distances: &[Vec<f32>], votes: &[Vec<f32>], variance: f32, temperature: f32) -> (f64, f64) {
    let scale = 2.0 * f64::from(variance) * f64::from(temperature);
    let (mut cross_entropy, mut entropy) = (0.0, 0.0);
    for (d, q) in distances.iter().zip(votes) {
        let logits: Vec<f64> = d.iter().map(|d| -f64::from(*d) / scale).collect();
        let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let log_z = max + logits.iter().map(|l| (l - max).exp()).sum::<f64>().ln();
        for (l, q) in logits.iter().zip(q) {
            let log_p = l - log_z;
            cross_entropy -= f64::from(*q) * log_p;
            entropy -= log_p.exp() * log_p;
        }
    }
    let n = distances.len().max(1) as f64;
    (cross_entropy / n, entropy / n)
}

/// Calibrates one layer's temperature τ so that its soft assignment says how sure the clustering itself is.
///
/// The atlas's k-means is refitted `refits` times, each on another random sample of `max_rows` reference steps
/// (another seed too), as if the reference set had been drawn again. On held-out steps, the refits' votes (their
/// clusters, matched to the atlas's) form a target distribution q, and τ minimises the cross-entropy of the
/// posterior p_τ against q: a proper scoring rule, so p_τ ends up as spread as the refits disagree. Steps deep
/// inside a cluster stay near 0 nats; steps where a re-drawn reference set would cluster differently go up.
pub fn calibrate_temperature(
    layer: &LayerAtlas,
    reference: &[Inferred],
    held_out: &[Inferred],
    tap_ix: usize,
    refits: usize,
    max_rows: usize,
    seed: u64,
) -> Result<Calibration, FitError> {
    let points = normalised_steps(held_out, tap_ix, &layer.mean, &layer.std, 20_000, seed);
    let distances: Vec<Vec<f32>> = points.rows().into_iter().map(|p| squared_distances(p, &layer.centroids)).collect();
    let mut votes = vec![vec![0f32; layer.k]; points.nrows()];
    for b in 0..refits {
        let matrix = layer_matrix(reference, tap_ix, max_rows, seed + 1_000 + b as u64)?.matrix;
        // Three k-means++ restarts, as the atlas itself was fitted (`fit_layers`).
        let (centroids, _, _) = kmeans(&matrix, layer.k, 3, seed + 2_000 + b as u64)?;
        let to_atlas = align(&centroids, &layer.centroids);
        for (p, vote) in points.rows().into_iter().zip(votes.iter_mut()) {
            let d = squared_distances(p, &centroids);
            let nearest = (0..d.len()).min_by(|a, b| d[*a].total_cmp(&d[*b])).unwrap_or(0);
            vote[to_atlas[nearest]] += 1.0 / refits as f32;
        }
    }
    let disagreeing = distances
        .iter()
        .zip(&votes)
        .filter(|(d, q)| {
            let own = (0..d.len()).min_by(|a, b| d[*a].total_cmp(&d[*b])).unwrap_or(0);
            q[own] < 1.0 - 1e-6
        })
        .count();
    // Cross-entropy is convex in 1/τ: golden-section search on ln τ ∈ [ln 0.01, ln 1000].
    let score = |ln_t: f64| posterior_scores(&distances, &votes, layer.variance, ln_t.exp() as f32).0;
    let (mut lo, mut hi) = (0.01f64.ln(), 1000f64.ln());
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (hi - g * (hi - lo), lo + g * (hi - lo));
    let (mut fa, mut fb) = (score(a), score(b));
    for _ in 0..60 {
        if fa < fb {
            hi = b;
            (b, fb) = (a, fa);
            a = hi - g * (hi - lo);
            fa = score(a);
        } else {
            lo = a;
            (a, fa) = (b, fb);
            b = lo + g * (hi - lo);
            fb = score(b);
        }
    }
    let temperature = ((lo + hi) / 2.0).exp() as f32;
    let (cross_entropy_at_1, mean_entropy_at_1) = posterior_scores(&distances, &votes, layer.variance, 1.0);
    let (cross_entropy, mean_entropy) = posterior_scores(&distances, &votes, layer.variance, temperature);
    Ok(Calibration {
        layer: layer.layer.clone(),
        refits,
        points: points.nrows(),
        refit_disagreement: disagreeing as f64 / points.nrows().max(1) as f64,
        temperature,
        cross_entropy_at_1,
        cross_entropy,
        mean_entropy_at_1,
        mean_entropy,
    })
}

/// Calibrates every layer's temperature (see [`calibrate_temperature`]) in place; returns the evidence.
pub fn calibrate_atlas(
    atlas: &mut Atlas,
    reference: &[Inferred],
    held_out: &[Inferred],
    tap_names: &[String],
    refits: usize,
    max_rows: usize,
) -> Result<Vec<Calibration>, FitError> {
    let mut out = Vec::new();
    for layer in atlas.layers.iter_mut() {
        let Some(tap_ix) = tap_names.iter().position(|t| *t == layer.layer) else { continue };
        let calibration = calibrate_temperature(layer, reference, held_out, tap_ix, refits, max_rows, 4242)?;
        layer.temperature = calibration.temperature;
        out.push(calibration);
    }
    Ok(out)
}

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

fn macro_auroc(probabilities: &[Vec<f32>], labels: &[Vec<bool>]) -> Option<f64> {
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

fn agreement(a: &[Vec<bool>], b: &[Vec<bool>]) -> (f64, f64) {
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
    let labelled: Vec<usize> = (0..test.labels.len()).filter(|i| test.labels[*i].is_some()).collect();
    let truth: Vec<Vec<bool>> = labelled.iter().filter_map(|i| test.labels[*i].clone()).collect();
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

fn surrogate_row(
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
    let truth: Vec<Vec<bool>> = labelled.iter().filter_map(|i| test.labels[*i].clone()).collect();
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

/// Builds an atlas from fitted layers and a surrogate on all layers.
pub fn assemble_atlas(
    engine: &Engine,
    layers: Vec<LayerAtlas>,
    surrogate: Option<Surrogate>,
    report: serde_json::Value,
) -> Atlas {
    Atlas {
        format: ATLAS_FORMAT.into(),
        model_sha256: engine.model_sha256.clone(),
        model_name: engine.card.name.clone(),
        layers,
        surrogate,
        report,
    }
}

/// The landmarks a sample can lie in.
pub const LANDMARKS: [&str; 4] = ["P", "QRS", "T", "TP"];

/// Per sample of a LUDB record: 0 = P, 1 = QRS, 2 = T, 3 = TP (T offset → next P onset), None otherwise
/// (PR and ST segments, and everything outside the annotated span).
pub fn landmark_track(annotations: &[wfdb::Annotation], n_samples: usize) -> Vec<Option<u8>> {
    use ecglens_core::landmarks::WaveKind;
    let mut track = vec![None; n_samples];
    let waves: Vec<(usize, usize, u8)> = ecglens_core::landmarks::waves(annotations)
        .into_iter()
        .map(|w| {
            let k = match w.kind {
                WaveKind::P => 0,
                WaveKind::Qrs => 1,
                WaveKind::T => 2,
            };
            (w.start, w.end.min(n_samples.saturating_sub(1)), k)
        })
        .collect();
    for (start, end, k) in &waves {
        for slot in track.iter_mut().take(*end + 1).skip(*start) {
            *slot = Some(*k);
        }
    }
    for pair in waves.windows(2) {
        let ((_, t_end, a), (p_start, _, b)) = (pair[0], pair[1]);
        if a == 2 && b == 0 {
            for slot in track.iter_mut().take(p_start).skip(t_end + 1) {
                *slot = Some(3);
            }
        }
    }
    track
}

/// Share of each cluster's samples in each landmark, over LUDB records, per layer; then names.
pub fn name_clusters(
    engine: &Engine,
    atlas: &mut Atlas,
    ludb: &Path,
    annotation_lead: &str,
) -> Result<serde_json::Value, FitError> {
    let data = ludb.join("data");
    let mut headers: Vec<PathBuf> = std::fs::read_dir(&data)
        .map_err(|e| data_err(&data, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "hea"))
        .collect();
    headers.sort();
    let n_layers = atlas.layers.len();
    // counts[layer][cluster][landmark], totals[layer][cluster] (annotated span only)
    let mut counts: Vec<Vec<[usize; 4]>> = atlas.layers.iter().map(|l| vec![[0; 4]; l.k]).collect();
    let mut totals: Vec<Vec<usize>> = atlas.layers.iter().map(|l| vec![0; l.k]).collect();
    let bar = progress(headers.len(), "landmarks");
    let mut used = 0;
    for header in &headers {
        bar.inc(1);
        let annotation_path = header.with_extension(annotation_lead);
        let Ok(bytes) = std::fs::read(&annotation_path) else { continue };
        let Ok(annotations) = wfdb::read_annotations(&bytes) else { continue };
        let Ok(record) = read_wfdb(header) else { continue };
        let Ok(explanation) = engine.explain(&record) else { continue };
        let track = landmark_track(&annotations, record.n_samples());
        let first = annotations.first().map_or(0, |a| a.sample);
        let last = annotations.last().map_or(0, |a| a.sample);
        for (l, layer) in explanation.layers.iter().enumerate().take(n_layers) {
            let end = (last + 1).min(record.n_samples()).min(layer.cluster.len());
            let start = first.min(end);
            for (&cluster, &mark) in layer.cluster[start..end].iter().zip(&track[start..end]) {
                let c = usize::from(cluster);
                totals[l][c] += 1;
                if let Some(m) = mark {
                    counts[l][c][usize::from(m)] += 1;
                }
            }
        }
        used += 1;
    }
    bar.finish_and_clear();
    for (l, layer) in atlas.layers.iter_mut().enumerate() {
        layer.landmark_shares = (0..layer.k)
            .map(|c| (0..4).map(|m| counts[l][c][m] as f32 / totals[l][c].max(1) as f32).collect())
            .collect();
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for c in 0..layer.k {
            let shares = &layer.landmark_shares[c];
            let (best, share) =
                shares.iter().enumerate().fold((0, 0f32), |acc, (m, s)| if *s > acc.1 { (m, *s) } else { acc });
            layer.cluster_names[c] = if share >= 0.6 {
                let n = seen.entry(LANDMARKS[best]).or_insert(0);
                *n += 1;
                if *n == 1 {
                    LANDMARKS[best].to_string()
                } else {
                    format!("{} ({})", LANDMARKS[best], n)
                }
            } else {
                format!("C{}", c + 1)
            };
        }
    }
    Ok(
        serde_json::json!({ "ludb_records": used, "annotation_lead": annotation_lead, "landmarks": LANDMARKS, "rule": "a cluster is named after a landmark holding at least 60 % of its samples inside the annotated span" }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn align_matches_permuted_centroids() {
        let atlas = vec![vec![0.0, 0.0], vec![10.0, 0.0], vec![0.0, 10.0]];
        let refit = vec![vec![0.5, 9.0], vec![0.2, -0.1], vec![9.0, 1.0]];
        assert_eq!(align(&refit, &atlas), vec![2, 0, 1]);
    }

    #[test]
    fn temperature_follows_the_votes() {
        // Two clusters; a point near the boundary on which the refits split 50/50, and two clear points.
        let distances = vec![vec![1.0, 1.2], vec![0.1, 30.0], vec![30.0, 0.1]];
        let split = vec![vec![0.5, 0.5], vec![1.0, 0.0], vec![0.0, 1.0]];
        let sure = vec![vec![1.0, 0.0], vec![1.0, 0.0], vec![0.0, 1.0]];
        let ce = |votes: &[Vec<f32>], t: f32| posterior_scores(&distances, votes, 1.0, t).0;
        // When the refits agree with the nearest centroid everywhere, a colder posterior always scores better.
        assert!(ce(&sure, 0.1) < ce(&sure, 1.0) && ce(&sure, 1.0) < ce(&sure, 10.0));
        // A split vote on the boundary point makes a too-cold posterior costly.
        assert!(ce(&split, 0.01) > ce(&split, 1.0));
        let (_, h_cold) = posterior_scores(&distances, &split, 1.0, 0.1);
        let (_, h_warm) = posterior_scores(&distances, &split, 1.0, 10.0);
        assert!(h_cold < h_warm);
    }

    #[test]
    fn auroc_matches_hand_computed_values() {
        assert_eq!(auroc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]), Some(0.75));
        assert_eq!(auroc(&[0.5, 0.5], &[false, true]), Some(0.5));
        assert_eq!(auroc(&[0.5, 0.5], &[true, true]), None);
    }

    #[test]
    fn landmark_track_marks_waves_and_the_tp_segment() {
        let a = |sample, symbol| wfdb::Annotation { sample, code: 0, symbol, subtype: 0, chan: 0, num: 0, aux: None };
        let ann = vec![
            a(10, '('),
            a(12, 'p'),
            a(15, ')'),
            a(20, '('),
            a(22, 'N'),
            a(25, ')'),
            a(30, '('),
            a(33, 't'),
            a(38, ')'),
            a(50, '('),
            a(52, 'p'),
            a(55, ')'),
        ];
        let track = landmark_track(&ann, 60);
        assert_eq!(track[12], Some(0));
        assert_eq!(track[17], None); // PR segment
        assert_eq!(track[22], Some(1));
        assert_eq!(track[35], Some(2));
        assert_eq!(track[45], Some(3));
        assert_eq!(track[50], Some(0));
    }

    #[test]
    fn kmeans_separates_two_blobs() {
        let mut m = Array2::<f32>::zeros((200, 2));
        for i in 0..200 {
            let offset = if i < 100 { -5.0 } else { 5.0 };
            m[[i, 0]] = offset + (i % 7) as f32 * 0.1;
            m[[i, 1]] = (i % 5) as f32 * 0.1;
        }
        let (centroids, variance, _) = kmeans(&m, 2, 3, 1).unwrap();
        let mut xs: Vec<f32> = centroids.iter().map(|c| c[0]).collect();
        xs.sort_by(f32::total_cmp);
        assert!((xs[0] + 4.7).abs() < 0.2 && (xs[1] - 5.3).abs() < 0.2, "{xs:?}");
        assert!(variance < 0.1);
    }
}
