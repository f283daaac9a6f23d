//! Traces and entropy as polylines in a panel, in CSS px. When a panel has more samples than pixel columns,
//! each column is reduced to its minimum and maximum (traces: QRS peaks survive) or its maximum (entropy: brief
//! uncertain moments stay visible), walking columns by index range; otherwise every sample is kept and the
//! ends are interpolated exactly onto the panel's edges. The work per frame follows the pixels, not the samples.

use super::layout::Panel;
use super::positive;

/// The polyline of one lead in a panel, in CSS px. When the panel has more samples than pixel columns,
/// each column keeps its minimum and maximum (in the order they occur), so QRS peaks survive; otherwise
/// every sample is kept and the ends are interpolated exactly onto the panel's edges.
pub fn trace_polyline(samples_mv: &[f32], sample_rate_hz: f64, panel: &Panel) -> Vec<(f32, f32)> {
    let mut out = Vec::new();
    trace_polyline_into(samples_mv, sample_rate_hz, panel, &mut out);
    out
}

/// [`trace_polyline`] into a reused buffer (no allocation once it is large enough).
pub fn trace_polyline_into(samples_mv: &[f32], sample_rate_hz: f64, panel: &Panel, out: &mut Vec<(f32, f32)>) {
    let (base, ppmv) = (panel.baseline_y, panel.px_per_mv);
    polyline_into(samples_mv, sample_rate_hz, panel, Decimate::MinMax, |v| base - v as f64 * ppmv, out);
}

/// The entropy of every sample as a polyline in the panel's entropy track, on the FIXED scale
/// `[0, max_entropy]` (ln K): 0 at the track's bottom, ln K at its top, whatever this record's values.
/// Empty when the panel has no track. When there are more samples than pixel columns, each column keeps
/// its maximum (the upper envelope, so brief uncertain moments stay visible).
pub fn entropy_polyline(entropy: &[f32], max_entropy: f32, sample_rate_hz: f64, panel: &Panel) -> Vec<(f32, f32)> {
    let mut out = Vec::new();
    entropy_polyline_into(entropy, max_entropy, sample_rate_hz, panel, &mut out);
    out
}

pub fn entropy_polyline_into(
    entropy: &[f32],
    max_entropy: f32,
    sample_rate_hz: f64,
    panel: &Panel,
    out: &mut Vec<(f32, f32)>,
) {
    out.clear();
    let Some(track) = panel.entropy_track else { return };
    let max = if max_entropy.is_finite() && max_entropy > 0.0 { max_entropy as f64 } else { 1.0 };
    let (bottom, h) = (track.bottom(), track.h);
    let y = |e: f32| bottom - ((e as f64) / max).clamp(0.0, 1.0) * h;
    polyline_into(entropy, sample_rate_hz, panel, Decimate::Max, y, out);
}

/// How a pixel column with several samples is reduced.
#[derive(Clone, Copy, PartialEq)]
enum Decimate {
    /// Its minimum and maximum, in the order they occur (a trace keeps its peaks).
    MinMax,
    /// Its maximum only (the upper envelope: an entropy area keeps its uncertain spikes).
    Max,
}

/// Shared by traces and entropy: samples → (x, map_y(value)) over the panel's time range.
fn polyline_into(
    values: &[f32],
    fs: f64,
    panel: &Panel,
    mode: Decimate,
    map_y: impl Fn(f32) -> f64,
    out: &mut Vec<(f32, f32)>,
) {
    out.clear();
    let n = values.len();
    let usable = n > 0 && positive(fs) && panel.t1 > panel.t0 && positive(panel.px_per_s);
    if !usable {
        return;
    }
    let t_last = (n - 1) as f64 / fs;
    let t0 = panel.t0.max(0.0);
    let t1 = panel.t1.min(t_last);
    if t1 < t0 {
        return;
    }
    let i_lo = ((t0 * fs).floor().max(0.0) as usize).min(n - 1);
    let i_hi = ((t1 * fs).ceil().max(0.0) as usize).min(n - 1);
    let count = i_hi - i_lo + 1;
    let width_px = (t1 - t0) * panel.px_per_s;
    let x_of = |t: f64| panel.rect.x + (t - panel.t0) * panel.px_per_s;
    let value_at = |t: f64| -> Option<f32> {
        // Linear interpolation between the two samples around t.
        let p = t * fs;
        let i = (p.floor().max(0.0) as usize).min(n - 1);
        let j = (i + 1).min(n - 1);
        let f = (p - i as f64).clamp(0.0, 1.0) as f32;
        let (a, b) = (values[i], values[j]);
        let v = if f <= 0.0 {
            a
        } else if f >= 1.0 {
            b
        } else {
            a + (b - a) * f
        };
        v.is_finite().then_some(v)
    };

    if (count as f64) <= width_px.max(1.0) {
        out.reserve(count + 2);
        if let Some(v) = value_at(t0) {
            out.push((x_of(t0) as f32, map_y(v) as f32));
        }
        for (k, &v) in values[i_lo..=i_hi].iter().enumerate() {
            let t = (i_lo + k) as f64 / fs;
            if t > t0 && t < t1 && v.is_finite() {
                out.push((x_of(t) as f32, map_y(v) as f32));
            }
        }
        if t1 > t0 {
            if let Some(v) = value_at(t1) {
                out.push((x_of(t1) as f32, map_y(v) as f32));
            }
        }
        return;
    }

    // Min/max per pixel column (absolute columns: stable while panning). Columns are walked by index
    // range (a tight scan per column, no per-sample division): long records stay cheap when zoomed out.
    out.reserve((width_px as usize + 2) * 2);
    let col_of = |i: usize| x_of(i as f64 / fs).floor() as i64;
    let mut i = (t0 * fs).ceil().max(0.0) as usize;
    if (i as f64) / fs < t0 {
        i += 1;
    }
    let mut last = ((t1 * fs).floor().max(0.0) as usize).min(n - 1);
    if (last as f64) / fs > t1 && last > 0 {
        last -= 1;
    }
    let index_at_x = |x: f64| ((x - panel.rect.x) / panel.px_per_s + panel.t0) * fs;
    while i <= last {
        let col = col_of(i);
        // First sample of the next column: estimated, then corrected against `col_of` exactly.
        let guess = index_at_x((col + 1) as f64).ceil();
        let mut j = if guess.is_finite() { (guess.max(i as f64 + 1.0) as usize).min(last + 1) } else { last + 1 };
        while j > i + 1 && col_of(j - 1) > col {
            j -= 1;
        }
        while j <= last && col_of(j) <= col {
            j += 1;
        }
        let (mut vmin, mut vmax) = (f32::INFINITY, f32::NEG_INFINITY);
        let (mut imin, mut imax) = (i, i);
        for (k, &v) in values[i..j].iter().enumerate() {
            if !v.is_finite() {
                continue;
            }
            if v < vmin {
                vmin = v;
                imin = i + k;
            }
            if v > vmax {
                vmax = v;
                imax = i + k;
            }
        }
        if vmin.is_finite() {
            let x = (col as f64 + 0.5) as f32;
            if mode == Decimate::Max {
                out.push((x, map_y(vmax) as f32));
            } else {
                let (first, second) = if imin <= imax { (vmin, vmax) } else { (vmax, vmin) };
                out.push((x, map_y(first) as f32));
                if imin != imax {
                    out.push((x, map_y(second) as f32));
                }
            }
        }
        i = j;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paper::bands::{cluster_bands_into, visible_cells};
    use crate::paper::layout::layout_scene;
    use crate::paper::path::PathData;
    use crate::paper::settings::{Layout, PaperSettings};
    use crate::paper::test_support::{close, names12, wide_scene};
    use crate::paper::view::View;
    use crate::paper::CSS_PX_PER_MM;

    #[test]
    fn decimation_keeps_min_and_max_of_every_column() {
        let s = PaperSettings { layout: Layout::TwelveByOne, ..PaperSettings::default() };
        let scene = layout_scene(&s, &View::default(), &names12(), 10.0, 800.0, CSS_PX_PER_MM);
        let p = &scene.panels[0];
        let fs = 1000.0;
        let samples: Vec<f32> =
            (0..10_000).map(|i| (i as f32 * 0.37).sin() * 0.5 + if i % 733 == 0 { 2.5 } else { 0.0 }).collect();
        let poly = trace_polyline(&samples, fs, p);
        let width = p.rect.w;
        assert!(poly.len() as f64 <= 2.0 * (width + 2.0), "{} points for {} px", poly.len(), width);
        // Group samples per pixel column the same way and compare.
        let mut cols: std::collections::BTreeMap<i64, (f32, f32)> = Default::default();
        for (i, &v) in samples.iter().enumerate() {
            let t = i as f64 / fs;
            if t < p.t0 || t > p.t1 {
                continue;
            }
            let c = p.x_of(t).floor() as i64;
            let e = cols.entry(c).or_insert((f32::INFINITY, f32::NEG_INFINITY));
            e.0 = e.0.min(v);
            e.1 = e.1.max(v);
        }
        assert!(cols.len() > 100);
        for (c, (vmin, vmax)) in cols {
            let x = (c as f64 + 0.5) as f32;
            let ys: Vec<f32> = poly.iter().filter(|q| q.0 == x).map(|q| q.1).collect();
            assert!(!ys.is_empty());
            let ymax = ys.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
            let ymin = ys.iter().cloned().fold(f32::INFINITY, f32::min);
            assert!((ymax as f64 - p.y_of(vmin as f64)).abs() < 1e-3);
            assert!((ymin as f64 - p.y_of(vmax as f64)).abs() < 1e-3);
        }
        // Zoomed out on a long record with gaps (NaN): still one or two points per column, in order.
        let v = View { zoom: 0.05, pan_s: 0.0 };
        let long = layout_scene(&s, &v, &names12(), 600.0, 1000.0, CSS_PX_PER_MM);
        let lp = &long.panels[0];
        let mut big: Vec<f32> = (0..300_000).map(|i| (i as f32 * 0.01).sin()).collect();
        big[1234] = 5.0;
        big[2000..2100].iter_mut().for_each(|v| *v = f32::NAN);
        let poly = trace_polyline(&big, 500.0, lp);
        assert!(poly.len() as f64 <= 2.0 * (lp.rect.w + 2.0));
        assert!(poly.windows(2).all(|w| w[0].0 <= w[1].0));
        assert!(poly.iter().all(|q| q.1.is_finite()));
        assert!(poly.iter().any(|q| close(q.1 as f64, lp.y_of(5.0), 1e-3)));
        // The 2.5 mV spikes survive.
        let top = poly.iter().map(|q| q.1).fold(f32::INFINITY, f32::min) as f64;
        assert!(top <= p.y_of(2.4));
    }

    #[test]
    fn exact_polyline_when_fewer_samples_than_pixels() {
        let s = PaperSettings { layout: Layout::ThreeByFourWithRhythm, ..PaperSettings::default() };
        let scene = wide_scene(&s, 10.0);
        let p = scene.panels.iter().find(|p| p.col == 1 && p.row == 0).unwrap(); // aVR, 2.5..5 s
        let fs = 50.0; // 0.53 samples per px at 25 mm/s: exact mode
        let samples: Vec<f32> = (0..500).map(|i| i as f32 * 0.02).collect(); // a ramp: v = t
        let poly = trace_polyline(&samples, fs, p);
        // Ends exactly on the panel edges, interior at every sample.
        assert!(close(poly[0].0 as f64, p.rect.x, 1e-3));
        assert!(close(poly.last().unwrap().0 as f64, p.rect.right(), 1e-2));
        assert!(close(poly[0].1 as f64, p.y_of(2.5), 1e-3));
        assert_eq!(poly.len(), 124 + 2); // samples 126..=249 strictly inside, plus both ends
        for q in &poly {
            let t = p.t_of(q.0 as f64);
            assert!(close(q.1 as f64, p.y_of(t), 1e-2));
        }
        // Short record: the polyline stops at the last sample.
        let short = trace_polyline(&samples[..150], fs, p);
        assert!(close(short.last().unwrap().0 as f64, p.x_of(2.98), 1e-3));
        assert!(trace_polyline(&samples[..100], fs, p).is_empty());
        assert!(trace_polyline(&[], fs, p).is_empty());
    }

    #[test]
    fn entropy_scale_is_fixed_to_ln_k() {
        let scene = wide_scene(&PaperSettings::default(), 10.0);
        let p = &scene.panels[0];
        let track = p.entropy_track.unwrap();
        let ln_k = (8f32).ln();
        let low = vec![0.1f32; 1000];
        let high = vec![ln_k; 1000];
        let y_low = entropy_polyline(&low, ln_k, 100.0, p)[0].1 as f64;
        let y_high = entropy_polyline(&high, ln_k, 100.0, p)[0].1 as f64;
        // Not normalised to the record's own maximum: 0.1 nats stays near the bottom.
        assert!(close(y_low, track.bottom() - 0.1 / ln_k as f64 * track.h, 1e-3));
        assert!(close(y_high, track.y, 1e-3));
        let zero = entropy_polyline(&[0.0; 1000], ln_k, 100.0, p);
        assert!(zero.iter().all(|q| close(q.1 as f64, track.bottom(), 1e-3)));
        // Out-of-range values are clamped to the track.
        let wild = entropy_polyline(&[-1.0, 99.0, f32::NAN, 1.0], ln_k, 1.0, p);
        assert!(wild.iter().all(|q| q.1 as f64 >= track.y - 1e-3 && q.1 as f64 <= track.bottom() + 1e-3));
        // Dense samples: one point per pixel column, at the column's maximum.
        let spiky: Vec<f32> = (0..10_000).map(|i| if i % 97 == 0 { ln_k } else { 0.0 }).collect();
        let env = entropy_polyline(&spiky, ln_k, 1000.0, p);
        assert!(env.len() as f64 <= p.rect.w + 2.0);
        let tops = env.iter().filter(|q| close(q.1 as f64, track.y, 1e-3)).count();
        assert_eq!(tops, 26); // every spike in the panel's 2.5 s (samples 0, 97, ..., 2425)
                              // No track, nothing drawn.
        let s = PaperSettings { show_entropy: false, ..PaperSettings::default() };
        let p = &wide_scene(&s, 10.0).panels[0];
        assert!(p.entropy_track.is_none());
        assert!(entropy_polyline(&high, ln_k, 100.0, p).is_empty());
    }

    #[test]
    fn a_full_frame_of_twelve_leads_is_bounded_by_its_pixel_columns() {
        // 12 leads × 10 s at 500 Hz through scene + traces + bands + path strings. What keeps a frame cheap is
        // that the work follows the pixels, not the samples: at most two trace points and one entropy point
        // per pixel column of a panel (plus its two ends), and one band per run of a cluster.
        let fs = 500.0;
        let samples: Vec<f32> = (0..5000).map(|i| (i as f32 * 0.05).sin()).collect();
        let cluster: Vec<u8> = (0..5000).map(|i| ((i / 40) % 6) as u8).collect();
        let mut poly = Vec::new();
        let mut bands = Vec::new();
        let mut path = PathData::new();
        let scene = layout_scene(&PaperSettings::default(), &View::default(), &names12(), 10.0, 1400.0, CSS_PX_PER_MM);
        let (mut trace_points, mut entropy_points, mut visible_samples) = (0, 0, 0);
        for p in &scene.panels {
            let columns = p.rect.w.ceil() as usize + 2;
            trace_polyline_into(&samples, fs, p, &mut poly);
            assert!(poly.len() <= 2 * columns, "{} trace points for {columns} columns", poly.len());
            trace_points += poly.len();
            path.polyline(&poly);
            cluster_bands_into(&cluster, fs, p, &mut bands);
            let (lo, hi) = visible_cells(cluster.len(), fs, p).unwrap();
            visible_samples += hi - lo;
            assert_eq!(bands.len(), (hi - 1) / 40 - lo / 40 + 1, "one band per run of 40 samples");
            entropy_polyline_into(&samples, 1.0, fs, p, &mut poly);
            assert!(poly.len() <= columns, "{} entropy points for {columns} columns", poly.len());
            entropy_points += poly.len();
            path.polyline(&poly);
        }
        for s in &scene.grid.minor {
            path.segment(s);
        }
        assert!(!path.is_empty());
        assert_eq!(scene.panels.len(), 13);
        // 3.7 samples per pixel column in the 2.5 s panels: decimation writes well under one point a sample.
        assert!(2 * trace_points < visible_samples, "{trace_points} trace points for {visible_samples} samples");
        assert!(4 * entropy_points < visible_samples, "{entropy_points} entropy points for {visible_samples} samples");
    }
}
