//! The entropy temperature of each layer, calibrated on k-means refits over other samples of the reference.

use serde::Serialize;

use ecglens_core::clusters::{Atlas, LayerAtlas};

use super::*;

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

pub(crate) fn squared_distances(point: ndarray::ArrayView1<f32>, centroids: &[Vec<f32>]) -> Vec<f32> {
    centroids.iter().map(|c| point.iter().zip(c).map(|(x, m)| (x - m) * (x - m)).sum()).collect()
}

/// Matches each refit centroid to an atlas centroid: repeatedly the closest free pair (greedy; K ≤ 12).
pub(crate) fn align(refit: &[Vec<f32>], atlas: &[Vec<f32>]) -> Vec<usize> {
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
pub(crate) fn posterior_scores(
    distances: &[Vec<f32>],
    votes: &[Vec<f32>],
    variance: f32,
    temperature: f32,
) -> (f64, f64) {
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
