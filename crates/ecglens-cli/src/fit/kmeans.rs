//! The atlas's clusters: per-layer normalisation over the reference steps, a row sample, k-means (linfa).

use linfa::prelude::*;
use linfa_clustering::KMeans;
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use ecglens_core::clusters::{Atlas, LayerAtlas, ATLAS_FORMAT};
use ecglens_core::surrogate::Surrogate;
use ecglens_engine::Engine;

use super::*;

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

/// Steps of `records` at one tap (a random sample of at most `max_rows`), normalised with a per-channel mean and std.
pub(crate) fn normalised_steps(
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
