//! Horizontal spans of a panel: the run-length bands of a layer's clusters (each visible sample in exactly
//! one band) and the cardiologists' annotated waves, both clipped to the panel's time range.

use super::layout::Panel;
use super::positive;
use crate::landmarks::{Wave, WaveKind};

/// A run of consecutive samples of one cluster, as a horizontal span of a panel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub x0: f32,
    pub x1: f32,
    pub cluster: u8,
    /// Samples `start..end` of the record.
    pub start: usize,
    pub end: usize,
}

/// Run-length bands of the visible samples of a panel. Sample `i` owns the time cell
/// `[(i − ½)/fs, (i + ½)/fs)` (centred on where it is drawn); cells are clipped to the panel, so the
/// bands tile the panel's part of the record without gap or overlap and every visible sample is in
/// exactly one band.
pub fn cluster_bands(cluster: &[u8], sample_rate_hz: f64, panel: &Panel) -> Vec<Band> {
    let mut out = Vec::new();
    cluster_bands_into(cluster, sample_rate_hz, panel, &mut out);
    out
}

pub fn cluster_bands_into(cluster: &[u8], sample_rate_hz: f64, panel: &Panel, out: &mut Vec<Band>) {
    out.clear();
    let Some((lo, hi)) = visible_cells(cluster.len(), sample_rate_hz, panel) else { return };
    let fs = sample_rate_hz;
    let x_of_cell = |edge: usize| {
        // Left edge of sample `edge`'s cell, clipped to the panel.
        let t = ((edge as f64 - 0.5) / fs).clamp(panel.t0, panel.t1);
        panel.x_of(t) as f32
    };
    let mut start = lo;
    for i in lo + 1..=hi {
        if i == hi || cluster[i] != cluster[start] {
            out.push(Band { x0: x_of_cell(start), x1: x_of_cell(i), cluster: cluster[start], start, end: i });
            start = i;
        }
    }
}

/// One annotated wave as drawn: its extent in CSS px, clipped to the panel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaveMark {
    pub x0: f64,
    pub x1: f64,
    pub kind: WaveKind,
}

/// The visible waves of a lead (from onset to offset, sample cells included), clipped to the panel's time range.
pub fn wave_marks(waves: &[Wave], sample_rate_hz: f64, panel: &Panel) -> Vec<WaveMark> {
    if !positive(sample_rate_hz) || panel.t1 <= panel.t0 {
        return Vec::new();
    }
    waves
        .iter()
        .filter_map(|w| {
            let t0 = ((w.start as f64 - 0.5) / sample_rate_hz).max(panel.t0);
            let t1 = ((w.end as f64 + 0.5) / sample_rate_hz).min(panel.t1);
            (t1 > t0).then(|| WaveMark { x0: panel.x_of(t0), x1: panel.x_of(t1), kind: w.kind })
        })
        .collect()
}

/// The samples `lo..hi` whose cells intersect the panel's time range with positive length.
pub(super) fn visible_cells(n: usize, fs: f64, panel: &Panel) -> Option<(usize, usize)> {
    let usable = n > 0 && positive(fs) && panel.t1 > panel.t0;
    if !usable {
        return None;
    }
    let lo = (panel.t0 * fs + 0.5).floor().max(0.0) as usize;
    let hi = ((panel.t1 * fs + 0.5).ceil().max(0.0) as usize).min(n);
    (lo < hi).then_some((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paper::geometry::Rect;
    use crate::paper::settings::{Layout, PaperSettings};
    use crate::paper::test_support::{close, wide_scene};

    #[test]
    fn wave_marks_are_clipped_to_the_panel() {
        let panel = Panel {
            lead: 0,
            label: "II".into(),
            row: 0,
            col: 0,
            rhythm: false,
            rect: Rect::new(100.0, 0.0, 250.0, 50.0),
            t0: 1.0,
            t1: 3.5,
            baseline_y: 25.0,
            px_per_s: 100.0,
            px_per_mv: 40.0,
            cue_strip: Rect::new(100.0, 0.0, 250.0, 8.0),
            entropy_track: None,
        };
        let waves = [
            Wave { kind: WaveKind::P, start: 0, end: 100 }, // before the panel: 0–0.2 s at 500 Hz
            Wave { kind: WaveKind::Qrs, start: 995, end: 1049 }, // 1.989–2.099 s
            Wave { kind: WaveKind::T, start: 1700, end: 1900 }, // 3.399–3.801 s: cut at 3.5 s
        ];
        let marks = wave_marks(&waves, 500.0, &panel);
        assert_eq!(marks.len(), 2);
        assert_eq!(marks[0].kind, WaveKind::Qrs);
        assert!((marks[0].x0 - (100.0 + (994.5 / 500.0 - 1.0) * 100.0)).abs() < 1e-9);
        assert!((marks[1].x1 - 350.0).abs() < 1e-9, "clipped at the panel's right edge");
    }

    #[test]
    fn bands_cover_every_visible_sample_exactly_once() {
        let s = PaperSettings::default();
        let scene = wide_scene(&s, 10.0);
        let fs = 500.0;
        let cluster: Vec<u8> = (0..5000).map(|i| ((i / 37) % 5) as u8).collect();
        for p in &scene.panels {
            let bands = cluster_bands(&cluster, fs, p);
            let (lo, hi) = visible_cells(cluster.len(), fs, p).unwrap();
            assert_eq!(bands.first().unwrap().start, lo);
            assert_eq!(bands.last().unwrap().end, hi);
            assert!(close(bands[0].x0 as f64, p.rect.x, 1e-3));
            let end_t = p.t1.min((hi as f64 - 0.5) / fs); // the panel's edge or the record's end
            assert!(close(bands.last().unwrap().x1 as f64, p.x_of(end_t), 1e-2));
            for w in bands.windows(2) {
                assert_eq!(w[0].end, w[1].start);
                assert_eq!(w[0].x1, w[1].x0);
                assert_ne!(w[0].cluster, w[1].cluster);
            }
            let covered: usize = bands.iter().map(|b| b.end - b.start).sum();
            assert_eq!(covered, hi - lo);
            for b in &bands {
                assert!(b.x1 > b.x0 && b.start < b.end);
                assert!(cluster[b.start..b.end].iter().all(|&c| c == b.cluster));
            }
        }
        // Every sample of the record is in exactly one band of the 12×1 layout (one panel per lead).
        let s = PaperSettings { layout: Layout::TwelveByOne, ..PaperSettings::default() };
        let p = &wide_scene(&s, 10.0).panels[0];
        let bands = cluster_bands(&cluster, fs, p);
        assert_eq!((bands[0].start, bands.last().unwrap().end), (0, 5000));
        // Shorter cluster vector than the panel: stops at its end.
        let bands = cluster_bands(&cluster[..100], fs, p);
        assert_eq!(bands.last().unwrap().end, 100);
        assert!(cluster_bands(&[], fs, p).is_empty());
    }
}
