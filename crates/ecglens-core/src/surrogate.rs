//! The surrogate: a random forest on cluster proportions that reproduces the CNN's probabilities.
//!
//! Written here rather than taken from smartcore: smartcore 0.4's `RandomForestClassifier` has no
//! `predict_proba` (needed for AUROC and for showing the surrogate's probabilities) and keeps its trees
//! private (needed for impurity importances); linfa has no random forest. One binary forest per class
//! (multi-label), regression trees on the CNN's probability of the class (variance reduction — for 0/1
//! targets exactly Gini), bootstrap samples and √F features tried per split. Regressing the probability
//! rather than the decision keeps the CNN's ranking, so the surrogate's AUROC tracks the CNN's; its
//! decision uses the CNN's own thresholds.
//! Prediction is pure and runs in the browser; fitting is native only.

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum SurrogateError {
    #[error("the surrogate expects {expected} features, got {found}")]
    Features { expected: usize, found: usize },
    #[error("cannot fit the surrogate: {0}")]
    Fit(String),
}

/// One binary forest per class, plus what the UI shows about them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Surrogate {
    pub features: Vec<String>,
    pub classes: Vec<String>,
    pub forests: Vec<Forest>,
    /// Decision threshold per class (the CNN's, from the model card).
    pub thresholds: Vec<f32>,
    /// Per class, per feature: mean decrease in Gini impurity, normalised to sum 1.
    pub importances: Vec<Vec<f32>>,
    /// Per class, per feature: mean proportion where the CNN calls the class minus where it does not.
    pub contrast: Vec<Vec<f32>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Forest {
    pub trees: Vec<Tree>,
}

/// A CART tree stored as parallel arrays (compact in JSON). `feature[i] < 0` marks a leaf.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Tree {
    pub feature: Vec<i16>,
    pub threshold: Vec<f32>,
    pub left: Vec<u32>,
    pub right: Vec<u32>,
    /// At a leaf: the mean target (the CNN's probability) of its training samples.
    pub value: Vec<f32>,
}

impl Tree {
    pub fn predict(&self, x: &[f32]) -> f32 {
        let mut node = 0usize;
        // Depth is bounded by the node count; the guard keeps a corrupt tree from looping.
        for _ in 0..self.feature.len() {
            let Some(&feature) = self.feature.get(node) else { return 0.5 };
            if feature < 0 {
                return self.value.get(node).copied().unwrap_or(0.5);
            }
            let value = x.get(feature as usize).copied().unwrap_or(0.0);
            let threshold = self.threshold.get(node).copied().unwrap_or(f32::INFINITY);
            let next = if value <= threshold { self.left.get(node) } else { self.right.get(node) };
            node = next.copied().unwrap_or(u32::MAX) as usize;
        }
        0.5
    }
}

impl Forest {
    pub fn predict_proba(&self, x: &[f32]) -> f32 {
        if self.trees.is_empty() {
            return 0.5;
        }
        self.trees.iter().map(|t| t.predict(x)).sum::<f32>() / self.trees.len() as f32
    }
}

impl Surrogate {
    /// Probability of each class for one feature vector.
    pub fn predict_proba(&self, x: &[f32]) -> Result<Vec<f32>, SurrogateError> {
        if x.len() != self.features.len() {
            return Err(SurrogateError::Features { expected: self.features.len(), found: x.len() });
        }
        Ok(self.forests.iter().map(|f| f.predict_proba(x)).collect())
    }

    /// The surrogate's decisions for its probabilities.
    pub fn decide(&self, probabilities: &[f32]) -> Vec<bool> {
        probabilities.iter().zip(&self.thresholds).map(|(p, t)| p >= t).collect()
    }

    /// Importance signed by the direction of the proportion contrast.
    pub fn signed_importance(&self) -> Vec<Vec<f32>> {
        self.importances
            .iter()
            .zip(&self.contrast)
            .map(|(imp, con)| imp.iter().zip(con).map(|(i, c)| if *c < 0.0 { -i } else { *i }).collect())
            .collect()
    }
}

/// Hyper-parameters of the forest.
#[derive(Debug, Clone, Copy)]
pub struct ForestParams {
    pub n_trees: usize,
    pub max_depth: usize,
    pub min_samples_leaf: usize,
    pub seed: u64,
}

impl Default for ForestParams {
    fn default() -> Self {
        // Sized for the browser: ~60 × 5 trees of depth ≤ 8 keep the atlas near 1–2 MB of JSON.
        ForestParams { n_trees: 60, max_depth: 8, min_samples_leaf: 5, seed: 7 }
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use fitting::fit_surrogate;

#[cfg(not(target_arch = "wasm32"))]
mod fitting {
    use super::*;
    use rand::rngs::StdRng;
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};

    /// Fits one forest per class on `x` (rows = records) against targets `y[class][row]` in [0, 1]
    /// (the CNN's probabilities); `thresholds` turn the surrogate's probabilities into decisions.
    pub fn fit_surrogate(
        features: Vec<String>,
        classes: Vec<String>,
        thresholds: Vec<f32>,
        x: &[Vec<f32>],
        y: &[Vec<f32>],
        params: ForestParams,
    ) -> Result<Surrogate, SurrogateError> {
        let n_features = features.len();
        if x.is_empty() || x.iter().any(|row| row.len() != n_features) {
            return Err(SurrogateError::Fit("every row needs one value per feature".into()));
        }
        if y.len() != classes.len() || thresholds.len() != classes.len() || y.iter().any(|col| col.len() != x.len()) {
            return Err(SurrogateError::Fit("one target per class and row is needed".into()));
        }
        let mut forests = Vec::new();
        let mut importances = Vec::new();
        let mut contrast = Vec::new();
        for (class_ix, target) in y.iter().enumerate() {
            let mut rng = StdRng::seed_from_u64(params.seed.wrapping_add(class_ix as u64 * 7919));
            let mut importance = vec![0f64; n_features];
            let trees = (0..params.n_trees)
                .map(|_| {
                    let rows: Vec<usize> = (0..x.len()).map(|_| rng.gen_range(0..x.len())).collect();
                    let mut builder = Builder {
                        x,
                        y: target,
                        params,
                        rng: &mut rng,
                        tree: Tree::default(),
                        importance: &mut importance,
                    };
                    builder.grow(rows, 0);
                    builder.tree
                })
                .collect();
            let total: f64 = importance.iter().sum();
            importances.push(importance.iter().map(|v| if total > 0.0 { (v / total) as f32 } else { 0.0 }).collect());
            contrast.push(proportion_contrast(x, target));
            forests.push(Forest { trees });
        }
        Ok(Surrogate { features, classes, forests, thresholds, importances, contrast })
    }

    /// Mean proportion weighted by the target minus weighted by its complement.
    fn proportion_contrast(x: &[Vec<f32>], target: &[f32]) -> Vec<f32> {
        let n_features = x.first().map_or(0, Vec::len);
        let mut sums = [vec![0f64; n_features], vec![0f64; n_features]];
        let mut weights = [0f64; 2];
        for (row, &t) in x.iter().zip(target) {
            let w = [1.0 - f64::from(t), f64::from(t)];
            for g in 0..2 {
                weights[g] += w[g];
                for (s, v) in sums[g].iter_mut().zip(row) {
                    *s += w[g] * f64::from(*v);
                }
            }
        }
        (0..n_features)
            .map(|f| {
                let mean = |g: usize| if weights[g] > 0.0 { sums[g][f] / weights[g] } else { 0.0 };
                (mean(1) - mean(0)) as f32
            })
            .collect()
    }

    struct Builder<'a> {
        x: &'a [Vec<f32>],
        y: &'a [f32],
        params: ForestParams,
        rng: &'a mut StdRng,
        tree: Tree,
        importance: &'a mut Vec<f64>,
    }

    /// Variance of targets with sum `sum` and sum of squares `sum_sq` over `n` samples.
    fn variance(sum: f64, sum_sq: f64, n: usize) -> f64 {
        if n == 0 {
            return 0.0;
        }
        let mean = sum / n as f64;
        (sum_sq / n as f64 - mean * mean).max(0.0)
    }

    impl Builder<'_> {
        fn leaf(&mut self, value: f32) -> u32 {
            self.push(-1, 0.0, value)
        }

        fn push(&mut self, feature: i16, threshold: f32, value: f32) -> u32 {
            let id = self.tree.feature.len() as u32;
            self.tree.feature.push(feature);
            self.tree.threshold.push(threshold);
            self.tree.left.push(0);
            self.tree.right.push(0);
            self.tree.value.push(value);
            id
        }

        fn grow(&mut self, rows: Vec<usize>, depth: usize) -> u32 {
            let n = rows.len();
            let sum: f64 = rows.iter().map(|&r| f64::from(self.y[r])).sum();
            let sum_sq: f64 = rows.iter().map(|&r| f64::from(self.y[r]).powi(2)).sum();
            let value = (sum / n.max(1) as f64) as f32;
            let parent = variance(sum, sum_sq, n);
            if depth >= self.params.max_depth || parent < 1e-12 || n < 2 * self.params.min_samples_leaf {
                return self.leaf(value);
            }
            let n_features = self.x[0].len();
            let mtry = ((n_features as f64).sqrt().round() as usize).max(1);
            let mut candidates: Vec<usize> = (0..n_features).collect();
            candidates.shuffle(self.rng);
            let mut best: Option<(f64, usize, f32)> = None;
            let mut sorted = rows.clone();
            for &feature in candidates.iter().take(mtry) {
                sorted.sort_by(|a, b| self.x[*a][feature].total_cmp(&self.x[*b][feature]));
                let (mut left_sum, mut left_sq) = (0f64, 0f64);
                for split in 1..n {
                    let moved = f64::from(self.y[sorted[split - 1]]);
                    left_sum += moved;
                    left_sq += moved * moved;
                    let (lo, hi) = (self.x[sorted[split - 1]][feature], self.x[sorted[split]][feature]);
                    if lo == hi || split < self.params.min_samples_leaf || n - split < self.params.min_samples_leaf {
                        continue;
                    }
                    let weighted = (split as f64 * variance(left_sum, left_sq, split)
                        + (n - split) as f64 * variance(sum - left_sum, sum_sq - left_sq, n - split))
                        / n as f64;
                    let gain = parent - weighted;
                    if best.is_none_or(|(g, _, _)| gain > g) {
                        best = Some((gain, feature, lo + (hi - lo) / 2.0));
                    }
                }
            }
            let Some((gain, feature, threshold)) = best.filter(|(g, _, _)| *g > 1e-12) else {
                return self.leaf(value);
            };
            self.importance[feature] += gain * n as f64;
            let id = self.push(feature as i16, threshold, value);
            let (left, right): (Vec<usize>, Vec<usize>) =
                rows.into_iter().partition(|&r| self.x[r][feature] <= threshold);
            let l = self.grow(left, depth + 1);
            let r = self.grow(right, depth + 1);
            self.tree.left[id as usize] = l;
            self.tree.right[id as usize] = r;
            id
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn forest_learns_a_threshold_rule_and_ranks_the_informative_feature_first() {
            let mut rng = StdRng::seed_from_u64(1);
            let x: Vec<Vec<f32>> =
                (0..400).map(|_| vec![rng.gen::<f32>(), rng.gen::<f32>(), rng.gen::<f32>()]).collect();
            let y = vec![x.iter().map(|r| if r[1] > 0.6 { 1.0 } else { 0.0 }).collect::<Vec<f32>>()];
            let s = fit_surrogate(
                vec!["a".into(), "b".into(), "c".into()],
                vec!["X".into()],
                vec![0.5],
                &x,
                &y,
                ForestParams { n_trees: 30, ..Default::default() },
            )
            .unwrap();
            assert!(s.predict_proba(&[0.1, 0.9, 0.1]).unwrap()[0] > 0.8);
            assert!(s.predict_proba(&[0.9, 0.2, 0.9]).unwrap()[0] < 0.2);
            assert!(s.importances[0][1] > 0.8, "{:?}", s.importances);
            assert!(s.contrast[0][1] > 0.3);
            assert!(s.signed_importance()[0][1] > 0.0);
            assert!(s.predict_proba(&[0.1]).is_err());
        }
    }
}
