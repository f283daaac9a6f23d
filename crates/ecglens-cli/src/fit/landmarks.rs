//! Naming clusters after the ECG landmarks (P, QRS, T, TP) they cover on LUDB's cardiologist annotations.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ecglens_core::clusters::Atlas;
use ecglens_core::signal::wfdb;
use ecglens_engine::Engine;

use super::*;

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
