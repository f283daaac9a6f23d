//! The display list of small synthetic records: what is drawn, in which colour, where and in which order.

use super::*;
use crate::landmarks::{LeadWaves, Wave, WaveKind};
use crate::paper::bands::cluster_bands;
use crate::paper::settings::Layout;
use crate::paper::style::{Pattern, PALETTE};
use crate::paper::test_support::close;
use crate::paper::STANDARD_LEADS;

const FS: f64 = 100.0;
const N: usize = 1000; // 10 s

fn layer(name: &str, run: usize, names: &[&str]) -> LayerExplanation {
    let k = names.len();
    LayerExplanation {
        layer: name.into(),
        k,
        cluster_names: names.iter().map(|s| s.to_string()).collect(),
        cluster: (0..N).map(|i| ((i / run) % k) as u8).collect(),
        entropy: (0..N).map(|i| (i % 50) as f32 / 50.0).collect(),
        proportions: Vec::new(),
        mean_entropy: 0.5,
        max_entropy: (k as f32).ln(),
    }
}

/// Twelve standard leads, 10 s at 100 Hz, ±0.5 mV; layer 0 in runs of 1 s (names fit), layer 1 in runs of
/// 0.12 s (only tags fit), layer 2 in runs of 0.05 s (nothing fits); QRS and P waves annotated on lead II.
fn explanation() -> Explanation {
    let signal: Vec<f32> = (0..N).map(|i| (i as f32 * 0.3).sin() * 0.5).collect();
    Explanation {
        record_name: "synthetic".into(),
        sample_rate_hz: FS,
        n_samples: N,
        leads: STANDARD_LEADS.iter().map(|s| s.to_string()).collect(),
        signal_mv: vec![signal; 12],
        windows: 1,
        classes: vec!["NORM".into()],
        cnn_probabilities: vec![0.5],
        cnn_positive: vec![false],
        layers: vec![
            layer("block3", 100, &["QRS", "T wave", "baseline"]),
            layer("block4", 12, &["QRS", "baseline"]),
            layer("block5", 5, &["QRS", "baseline"]),
        ],
        surrogate: None,
        annotations: vec![LeadWaves {
            lead: "II".into(),
            file: "synthetic.ii".into(),
            waves: vec![
                Wave { kind: WaveKind::Qrs, start: 100, end: 110 }, // 0.11 s: 10 px, the name fits
                Wave { kind: WaveKind::Qrs, start: 200, end: 210 },
                Wave { kind: WaveKind::P, start: 300, end: 301 }, // 0.02 s: 1.9 px, a bar without a name
            ],
        }],
        source: None,
        withheld: None,
        lead_set: None,
        quality: Vec::new(),
    }
}

fn twelve_by_one() -> PaperSettings {
    PaperSettings { layout: Layout::TwelveByOne, ..PaperSettings::default() }
}

fn list(layer: Option<usize>, settings: &PaperSettings, view: &View, dpr: f64) -> DisplayList {
    display_list(&explanation(), layer, settings, view, 1000.0, dpr, &mut DisplayBuffers::default())
}

/// The points of every subpath of a path (M, L, h, v, Z: what [`PathData`] writes).
fn subpaths(path: &PathData) -> Vec<Vec<(f64, f64)>> {
    let s = path.as_str();
    let starts: Vec<usize> = s.char_indices().filter(|(_, c)| "MLhvZ".contains(*c)).map(|(i, _)| i).collect();
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    for (n, &i) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(s.len());
        let args: Vec<f64> = s[i + 1..end].split_whitespace().map(|a| a.parse().unwrap()).collect();
        let last = out.last().and_then(|p| p.last().copied()).unwrap_or((0.0, 0.0));
        match &s[i..i + 1] {
            "M" => out.push(vec![(args[0], args[1])]),
            "L" => out.last_mut().unwrap().push((args[0], args[1])),
            "h" => out.last_mut().unwrap().push((last.0 + args[0], last.1)),
            "v" => out.last_mut().unwrap().push((last.0, last.1 + args[0])),
            _ => {
                let first = out.last().unwrap()[0];
                out.last_mut().unwrap().push(first);
            }
        }
    }
    out
}

fn fills<'a>(list: &'a DisplayList, colour: &str) -> Vec<&'a PathData> {
    let f = |op: &'a DrawOp| match op {
        DrawOp::FillPath { path, colour: c } if c == colour => Some(path),
        _ => None,
    };
    list.ops.iter().filter_map(f).collect()
}

fn strokes<'a>(list: &'a DisplayList, colour: &str) -> Vec<(&'a PathData, f64)> {
    let f = |op: &'a DrawOp| match op {
        DrawOp::StrokePath { path, colour: c, width_px } if c == colour => Some((path, *width_px)),
        _ => None,
    };
    list.ops.iter().filter_map(f).collect()
}

/// (text, x, y, font, colour) of every text op.
fn texts<'a>(list: &'a DisplayList) -> Vec<(&'a str, f64, f64, Font, &'a str)> {
    let f = |op: &'a DrawOp| match op {
        DrawOp::Text { text, x, y, style } => Some((text.as_str(), *x, *y, style.font, style.colour.as_ref())),
        _ => None,
    };
    list.ops.iter().filter_map(f).collect()
}

/// Index of the first op that `pick` accepts.
fn first(list: &DisplayList, pick: impl Fn(&DrawOp) -> bool) -> usize {
    list.ops.iter().position(pick).unwrap()
}

fn is_fill(op: &DrawOp, colour: &str) -> bool {
    matches!(op, DrawOp::FillPath { colour: c, .. } if c == colour)
}

fn is_stroke(op: &DrawOp, colour: &str) -> bool {
    matches!(op, DrawOp::StrokePath { colour: c, .. } if c == colour)
}

fn is_text(op: &DrawOp, s: &str) -> bool {
    matches!(op, DrawOp::Text { text, .. } if text == s)
}

#[test]
fn paper_then_bands_grid_strips_labels_entropy_ink_waves_leads_caption() {
    let l = list(Some(0), &twelve_by_one(), &View::default(), 1.0);
    let s = cluster_style(0);
    assert_eq!(
        l.ops[0],
        DrawOp::FillRect { rect: Rect::new(0.0, 0.0, 1000.0, l.surface.css_height), colour: PAPER_BG.into() }
    );
    let order = [
        first(&l, |op| is_fill(op, &s.fill_rgba)),
        first(&l, |op| is_stroke(op, GRID_MINOR)),
        first(&l, |op| is_stroke(op, GRID_MAJOR)),
        first(&l, |op| is_fill(op, &s.strip_rgba)),
        first(&l, |op| is_text(op, "QRS")),
        first(&l, |op| is_fill(op, ENTROPY_FILL)),
        first(&l, |op| is_stroke(op, ENTROPY_BORDER)),
        first(&l, |op| is_text(op, "ln K")),
        first(&l, |op| is_stroke(op, TRACE)),
        first(&l, |op| is_fill(op, WAVE_BAR)),
        first(&l, |op| is_text(op, "I")),
        l.ops.len() - 1,
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    // All band washes come before the grid, all strips after it.
    let grid = order[1];
    for k in 0..3 {
        let st = cluster_style(k);
        assert!(l.ops.iter().position(|op| is_fill(op, &st.fill_rgba)).unwrap() < grid);
        assert!(l.ops.iter().position(|op| is_fill(op, &st.strip_rgba)).unwrap() > grid);
    }
    assert!(matches!(l.ops.last(), Some(DrawOp::Text { style: TextStyle { font: Font::Caption, .. }, .. })));
}

#[test]
fn one_band_per_cluster_run_in_the_palette_colours() {
    let l = list(Some(0), &twelve_by_one(), &View::default(), 1.0);
    let expl = explanation();
    let layer = &expl.layers[0];
    for (k, colour) in PALETTE.iter().enumerate().take(3) {
        let st = cluster_style(k);
        assert_eq!(st.colour, *colour);
        let band_fill = fills(&l, &st.fill_rgba);
        let strip_fill = fills(&l, &st.strip_rgba);
        assert_eq!((band_fill.len(), strip_fill.len()), (1, 1), "one batched path per cluster");
        let expected: usize = l
            .scene
            .panels
            .iter()
            .map(|p| cluster_bands(&layer.cluster, FS, p).iter().filter(|b| b.cluster as usize == k).count())
            .sum();
        assert_eq!(subpaths(band_fill[0]).len(), expected);
        assert_eq!(subpaths(strip_fill[0]).len(), expected);
        // 9.9 s visible of runs of 1 s cycling 0, 1, 2: cluster 0 at 0, 3, 6, 9 s; 1 at 1, 4, 7; 2 at 2, 5, 8.
        assert_eq!(expected, 12 * if k == 0 { 4 } else { 3 });
        // Each band spans a panel's trace area (all alike in 12×1); each strip its cue strip.
        let (trace_h, strip_h) = (l.scene.panels[0].rect.h, l.scene.panels[0].cue_strip.h);
        for (band, strip) in subpaths(band_fill[0]).iter().zip(&subpaths(strip_fill[0])) {
            assert!(close(band[2].1 - band[0].1, trace_h, 0.02) && close(strip[2].1 - strip[0].1, strip_h, 0.02));
            assert!(close(band[0].0, strip[0].0, 1e-9) && close(band[1].0, strip[1].0, 1e-9));
        }
        // The hatch: the cluster's dark colour and pen.
        let hatch = strokes(&l, &st.stroke);
        assert_eq!(hatch.len(), usize::from(st.pattern != Pattern::Solid));
        assert!(hatch.iter().all(|h| h.1 == st.hatch_width_px()));
    }
    // No colour beyond the layer's three clusters.
    let fourth = cluster_style(3);
    assert!(fills(&l, &fourth.fill_rgba).is_empty() && fills(&l, &fourth.strip_rgba).is_empty());
}

#[test]
fn band_labels_are_names_tags_or_nothing_by_width() {
    let names = |l: &DisplayList| -> Vec<String> {
        texts(l).iter().filter(|t| t.3 == Font::Band).map(|t| t.0.to_string()).collect()
    };
    // Runs of 1 s (94 px): every band is labelled with its name, in its cluster's dark colour, centred.
    let wide = list(Some(0), &twelve_by_one(), &View::default(), 1.0);
    let labels: Vec<_> = texts(&wide).into_iter().filter(|t| t.3 == Font::Band).collect();
    assert_eq!(labels.len(), 12 * 10);
    for t in &labels {
        let k = ["QRS", "T wave", "baseline"].iter().position(|n| *n == t.0).unwrap();
        assert_eq!(t.4, cluster_style(k).stroke);
    }
    // The first band of lead I: from the panel's edge to the cell edge of sample 100 (0.995 s), snapped.
    let p = &wide.scene.panels[0];
    assert!(close(labels[0].1, p.rect.x + 0.4975 * p.px_per_s, 1.0), "{}", labels[0].1);
    assert!(close(labels[0].2, p.cue_strip.y + p.cue_strip.h / 2.0, 1e-9));
    // Runs of 0.12 s (11 px): only the tags fit.
    let narrow = names(&list(Some(1), &twelve_by_one(), &View::default(), 1.0));
    assert!(!narrow.is_empty() && narrow.iter().all(|t| t == "1" || t == "2"), "{narrow:?}");
    // Runs of 0.05 s (5 px): nothing fits; the bands are drawn all the same.
    let slivers = list(Some(2), &twelve_by_one(), &View::default(), 1.0);
    assert!(names(&slivers).is_empty());
    assert_eq!(fills(&slivers, &cluster_style(0).fill_rgba).len(), 1);
    // Labels switched off.
    let off = PaperSettings { show_cluster_labels: false, ..twelve_by_one() };
    assert!(names(&list(Some(0), &off, &View::default(), 1.0)).is_empty());
}

#[test]
fn no_bands_labels_or_entropy_without_a_layer() {
    for layer in [None, Some(99)] {
        let l = list(layer, &twelve_by_one(), &View::default(), 1.0);
        for k in 0..3 {
            let st = cluster_style(k);
            assert!(fills(&l, &st.fill_rgba).is_empty() && fills(&l, &st.strip_rgba).is_empty());
            assert!(strokes(&l, &st.stroke).is_empty());
        }
        assert!(fills(&l, ENTROPY_FILL).is_empty() && strokes(&l, ENTROPY_BORDER).is_empty());
        assert!(l.scene.panels.iter().all(|p| p.entropy_track.is_none()));
        let texts = texts(&l);
        assert!(texts.iter().all(|t| t.3 != Font::Band && t.0 != "ln K"));
        assert_eq!(texts.last().unwrap().0, "synthetic   25 mm/s   10 mm/mV");
        // The paper itself is all there.
        assert_eq!(strokes(&l, GRID_MINOR).len(), 1);
        assert_eq!(strokes(&l, TRACE).len(), 1);
    }
}

#[test]
fn entropy_areas_and_scale_when_a_layer_is_selected() {
    let l = list(Some(0), &twelve_by_one(), &View::default(), 1.0);
    let areas = fills(&l, ENTROPY_FILL);
    assert_eq!(areas.len(), 1);
    let areas = subpaths(areas[0]);
    assert_eq!(areas.len(), 12, "one area per panel");
    for (area, p) in areas.iter().zip(&l.scene.panels) {
        let track = p.entropy_track.unwrap();
        // Closed on the track's bottom, never above its top.
        assert!(close(area[0].1, track.bottom(), 0.01) && close(area[area.len() - 2].1, track.bottom(), 0.01));
        assert!(area.iter().all(|q| q.1 >= track.y - 0.01 && q.1 <= track.bottom() + 0.01));
    }
    // Background and border: the tracks themselves, the border one device pixel wide.
    let background = fills(&l, ENTROPY_BG);
    assert_eq!(background.len(), 1);
    let border = strokes(&l, ENTROPY_BORDER);
    assert_eq!((border.len(), border[0].0, border[0].1), (1, background[0], 1.0));
    assert_eq!(subpaths(border[0].0).len(), 12);
    // The scale in the gutter of every row, right-aligned against the trace area.
    let scale: Vec<_> = texts(&l).into_iter().filter(|t| t.0 == "ln K" || t.0 == "0").collect();
    assert_eq!(scale.len(), 2 * 12);
    assert!(scale.iter().all(|t| t.1 == l.scene.frame.x0 - 2.0 && t.3 == Font::Small && t.4 == CAPTION));
    // Switched off: no track, no area.
    let off = PaperSettings { show_entropy: false, ..twelve_by_one() };
    let l = list(Some(0), &off, &View::default(), 1.0);
    assert!(fills(&l, ENTROPY_FILL).is_empty() && strokes(&l, ENTROPY_BORDER).is_empty());
}

#[test]
fn ink_has_a_trace_per_panel_and_the_pulses_and_marks() {
    for layout in Layout::ALL {
        let settings = PaperSettings { layout, ..PaperSettings::default() };
        let l = list(Some(0), &settings, &View::default(), 1.0);
        let ink = strokes(&l, TRACE);
        assert_eq!(ink.len(), 1);
        assert_eq!(ink[0].1, TRACE_WIDTH_PX);
        let s = &l.scene;
        let expected = s.calibration.len() + s.column_marks.len() + s.panels.len();
        assert_eq!(subpaths(ink[0].0).len(), expected, "{layout:?}");
    }
    // A lead without samples is skipped, the others are drawn.
    let mut expl = explanation();
    expl.signal_mv.truncate(11);
    let l = display_list(&expl, None, &twelve_by_one(), &View::default(), 1000.0, 1.0, &mut DisplayBuffers::default());
    let s = &l.scene;
    assert_eq!(subpaths(strokes(&l, TRACE)[0].0).len(), s.calibration.len() + s.column_marks.len() + 11);
}

#[test]
fn grid_lines_sit_on_device_pixels() {
    for dpr in [1.0, 2.0, 1.5] {
        let l = list(None, &twelve_by_one(), &View::default(), dpr);
        let scale = l.surface.scale_x();
        let minor = strokes(&l, GRID_MINOR);
        let major = strokes(&l, GRID_MAJOR);
        assert_eq!((minor[0].1, major[0].1), (1.0 / scale, scale.round().max(1.0) / scale));
        assert_eq!(subpaths(minor[0].0).len(), l.scene.grid.minor.len());
        assert_eq!(subpaths(major[0].0).len(), l.scene.grid.major.len());
        for line in subpaths(minor[0].0) {
            let (a, b) = (line[0], line[1]);
            let along = if a.0 == b.0 { a.0 * scale } else { a.1 * l.surface.scale_y() };
            assert!(close(along.fract(), 0.5, 0.02), "dpr {dpr}: {a:?} {b:?}");
        }
    }
    assert_eq!(list(None, &twelve_by_one(), &View::default(), 2.0).surface.backing_width, 2000);
}

#[test]
fn every_op_stays_on_the_surface_and_bands_in_the_trace_area() {
    for layout in Layout::ALL {
        for dpr in [1.0, 2.0] {
            for view in [View::default(), View { zoom: 3.0, pan_s: 4.0 }] {
                let settings = PaperSettings { layout, ..PaperSettings::default() };
                let l = list(Some(0), &settings, &view, dpr);
                let (w, h) = (l.surface.css_width, l.surface.css_height);
                let inside = |x: f64, y: f64| x >= -0.01 && x <= w + 0.01 && y >= -0.01 && y <= h + 0.01;
                for op in &l.ops {
                    match op {
                        DrawOp::FillRect { rect, .. } => {
                            assert!(inside(rect.x, rect.y) && inside(rect.right(), rect.bottom()))
                        }
                        DrawOp::FillPath { path, .. } | DrawOp::StrokePath { path, .. } => {
                            for q in subpaths(path).into_iter().flatten() {
                                assert!(inside(q.0, q.1), "{layout:?} dpr {dpr} {view:?}: {q:?} outside {w} × {h}");
                            }
                        }
                        DrawOp::Text { x, y, .. } => assert!(inside(*x, *y)),
                    }
                }
                let (x0, x1) = (l.scene.frame.x0, l.scene.frame.x0 + l.scene.frame.area_width(l.scene.view.zoom));
                for k in 0..3 {
                    let st = cluster_style(k);
                    let paths =
                        fills(&l, &st.fill_rgba).into_iter().chain(strokes(&l, &st.stroke).into_iter().map(|s| s.0));
                    for q in paths.flat_map(subpaths).flatten() {
                        assert!(q.0 >= x0 - 0.51 && q.0 <= x1 + 0.51, "{layout:?} {view:?}: band at x {}", q.0);
                    }
                }
            }
        }
    }
}

#[test]
fn wave_marks_are_bars_with_the_names_that_fit() {
    let l = list(None, &twelve_by_one(), &View::default(), 1.0);
    let bars = fills(&l, WAVE_BAR);
    assert_eq!(bars.len(), 1);
    let bars = subpaths(bars[0]);
    assert_eq!(bars.len(), 3, "two QRS and a P, on lead II only");
    let p = l.scene.panels.iter().find(|p| p.label == "II").unwrap();
    for bar in &bars {
        assert!(close(bar[0].1, p.rect.bottom() - WAVE_BAR_PX - 1.0, 0.01));
        assert!(bar[1].0 - bar[0].0 >= 1.0 - 0.01, "at least 1 px wide");
    }
    let names: Vec<_> = texts(&l).into_iter().filter(|t| t.4 == WAVE_BAR).map(|t| t.0).collect();
    assert_eq!(names, ["QRS", "QRS"]);
    // Without annotations: nothing in the annotation colour.
    let mut expl = explanation();
    expl.annotations.clear();
    let l = display_list(&expl, None, &twelve_by_one(), &View::default(), 1000.0, 1.0, &mut DisplayBuffers::default());
    assert!(fills(&l, WAVE_BAR).is_empty() && texts(&l).iter().all(|t| t.4 != WAVE_BAR));
}

#[test]
fn lead_names_and_the_caption() {
    let l = list(Some(0), &PaperSettings::default(), &View { zoom: 2.0, pan_s: 0.0 }, 1.0);
    let leads: Vec<_> = texts(&l).into_iter().filter(|t| t.3 == Font::Lead).collect();
    assert_eq!(leads.len(), l.scene.panels.len());
    for (t, p) in leads.iter().zip(&l.scene.panels) {
        assert_eq!((t.0, t.1, t.2, t.4), (p.label.as_str(), p.rect.x + 4.0, p.cue_strip.bottom() + 2.0, LABEL));
    }
    let caption = texts(&l).pop().unwrap();
    assert_eq!(caption.0, "synthetic   25 mm/s   10 mm/mV   layer block3 (K = 3)   time zoom 200 %");
    assert_eq!((caption.1, caption.3), (l.scene.frame.x0, Font::Caption));
    assert!(close(caption.2, l.scene.footer.y + l.scene.footer.h / 2.0, 1e-9));
}

#[test]
fn buffers_reused_across_frames_make_the_same_lists() {
    let expl = explanation();
    let mut buffers = DisplayBuffers::default();
    for (layer, layout) in [(Some(0), Layout::TwelveByOne), (None, Layout::SixByTwo), (Some(1), Layout::default())] {
        let settings = PaperSettings { layout, ..PaperSettings::default() };
        let fresh =
            display_list(&expl, layer, &settings, &View::default(), 1000.0, 2.0, &mut DisplayBuffers::default());
        let reused = display_list(&expl, layer, &settings, &View::default(), 1000.0, 2.0, &mut buffers);
        assert_eq!(reused, fresh);
        buffers.recycle(reused);
    }
    // The surface is the scene's height on the device's pixels.
    let l = display_list(&expl, Some(0), &PaperSettings::default(), &View::default(), 1000.0, 2.0, &mut buffers);
    assert_eq!(l.surface, Surface::new(1000.0, l.scene.height, 2.0));
}

#[test]
fn duration_comes_from_n_samples_or_the_longest_lead() {
    let mut expl = explanation();
    assert_eq!(duration_s(&expl), 10.0);
    expl.n_samples = 0;
    expl.signal_mv[3].extend([0.0; 500]);
    assert_eq!(duration_s(&expl), 15.0);
    expl.sample_rate_hz = 0.0;
    assert_eq!(duration_s(&expl), 0.0);
}

#[test]
fn a_flagged_lead_says_so_beside_its_name() {
    use crate::signal::quality::{LeadQuality, QualityFlag};
    let mut e = explanation();
    e.quality = vec![LeadQuality { lead: "V5".into(), flags: vec![QualityFlag::Flat { share: 0.9 }] }];
    let l = display_list(&e, None, &twelve_by_one(), &View::default(), 1000.0, 1.0, &mut DisplayBuffers::default());
    let names: Vec<&str> = texts(&l).iter().filter(|t| t.3 == Font::Lead).map(|t| t.0).collect();
    assert!(names.contains(&"V5 ⚠ flat"), "{names:?}");
    assert!(names.contains(&"V4"), "{names:?}");
}
