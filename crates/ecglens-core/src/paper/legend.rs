//! The cluster legend of a layer: name, tag, colour, pattern, an HTML swatch and the record's share of samples.

use super::style::{cluster_style, Pattern};
use crate::explain::Explanation;

/// One line of the cluster legend.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub cluster: usize,
    /// The cluster's name (its landmark, e.g. "QRS").
    pub name: String,
    /// The short tag also written in the bands.
    pub tag: String,
    /// `#RRGGBB`.
    pub colour: &'static str,
    pub pattern: Pattern,
    /// CSS `background` for an HTML swatch (colour + pattern).
    pub swatch_css: String,
    /// Share of this record's samples in the cluster, 0..=1.
    pub share: f32,
}

/// The legend of a layer of an explanation (empty for `None` or an unknown layer).
pub fn legend(expl: &Explanation, layer: Option<usize>) -> Vec<LegendEntry> {
    let Some(l) = layer.and_then(|i| expl.layers.get(i)) else { return Vec::new() };
    let k = l.k.max(l.cluster_names.len());
    let shares: Vec<f32> = if l.proportions.len() == k {
        l.proportions.clone()
    } else {
        let mut counts = vec![0usize; k];
        for &c in &l.cluster {
            if let Some(n) = counts.get_mut(c as usize) {
                *n += 1;
            }
        }
        let total = l.cluster.len().max(1) as f32;
        counts.into_iter().map(|n| n as f32 / total).collect()
    };
    (0..k)
        .map(|i| {
            let style = cluster_style(i);
            LegendEntry {
                cluster: i,
                name: l.cluster_names.get(i).cloned().unwrap_or_else(|| format!("cluster {}", i + 1)),
                swatch_css: style.css_swatch(),
                tag: style.tag,
                colour: style.colour,
                pattern: style.pattern,
                share: shares.get(i).copied().unwrap_or(0.0),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paper::style::PALETTE;

    #[test]
    fn legend_names_colours_and_shares() {
        let json = serde_json::json!({
            "record_name": "r", "sample_rate_hz": 100.0, "n_samples": 4,
            "leads": ["I"], "signal_mv": [[0.0, 0.0, 0.0, 0.0]], "windows": 1,
            "classes": ["NORM"], "cnn_probabilities": [0.5], "cnn_positive": [false],
            "layers": [
                { "layer": "block3", "k": 3, "cluster_names": ["QRS", "T wave", "baseline"],
                  "cluster": [0, 0, 2, 0], "entropy": [0.0, 0.1, 0.2, 0.3],
                  "proportions": [0.75, 0.0, 0.25], "mean_entropy": 0.15, "max_entropy": 1.0986 },
                { "layer": "block4", "k": 2, "cluster_names": ["a", "b"],
                  "cluster": [1, 1, 1, 0], "entropy": [0.0, 0.0, 0.0, 0.0],
                  "proportions": [], "mean_entropy": 0.0, "max_entropy": 0.693 }
            ],
            "surrogate": null
        });
        let expl: Explanation = serde_json::from_value(json).expect("the test's Explanation JSON matches the type");
        let l = legend(&expl, Some(0));
        assert_eq!(l.len(), 3);
        assert_eq!((l[0].name.as_str(), l[0].colour, l[0].share), ("QRS", PALETTE[0], 0.75));
        assert_eq!((l[2].tag.as_str(), l[2].pattern), ("3", Pattern::AntiDiagonal));
        // Shares recomputed from the samples when the proportions are missing.
        let l = legend(&expl, Some(1));
        assert_eq!(l.iter().map(|e| e.share).collect::<Vec<_>>(), vec![0.25, 0.75]);
        assert!(legend(&expl, None).is_empty() && legend(&expl, Some(9)).is_empty());
    }
}
