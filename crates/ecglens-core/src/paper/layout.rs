//! The paper's layout: which lead goes in which row and column (found by name, not position), and where
//! every panel, calibration pulse, column mark, entropy track and the footer sit, for a view of a record.

use super::geometry::{Rect, Segment};
use super::grid::{build_grid, Grid};
use super::settings::{Layout, PaperSettings};
use super::view::{Frame, View};
use super::{
    CAL_PULSE_S, CSS_PX_PER_MM, CUE_STRIP_MM, ENTROPY_GAP_MM, ENTROPY_TRACK_MM, FOOTER_MM, RHYTHM_LEAD,
    RIGHT_MARGIN_MM, STANDARD_LEADS,
};

/// One lead drawn over one time range.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Index into the record's leads.
    pub lead: usize,
    pub label: String,
    pub row: usize,
    pub col: usize,
    /// The 3×4 layout's full-length rhythm strip.
    pub rhythm: bool,
    /// The trace area, CSS px (traces may overshoot it vertically, as on paper).
    pub rect: Rect,
    /// Visible time range, s: `rect.x` ↔ `t0`, `rect.right()` ↔ `t1`.
    pub t0: f64,
    pub t1: f64,
    /// y of 0 mV.
    pub baseline_y: f64,
    pub px_per_s: f64,
    pub px_per_mv: f64,
    /// The cluster cue strip at the top of the trace area.
    pub cue_strip: Rect,
    /// Where this panel's entropy is drawn (when `show_entropy`).
    pub entropy_track: Option<Rect>,
}

impl Panel {
    pub fn x_of(&self, t_s: f64) -> f64 {
        self.rect.x + (t_s - self.t0) * self.px_per_s
    }
    pub fn t_of(&self, x_px: f64) -> f64 {
        self.t0 + (x_px - self.rect.x) / self.px_per_s
    }
    pub fn y_of(&self, mv: f64) -> f64 {
        self.baseline_y - mv * self.px_per_mv
    }
}

/// One row of the paper.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Trace area of the whole row, gutter included.
    pub rect: Rect,
    pub baseline_y: f64,
    pub entropy_track: Option<Rect>,
}

/// Everything to draw, in CSS px.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub width: f64,
    pub height: f64,
    /// The ruled part of the canvas (gutter + trace area + right margin).
    pub paper: Rect,
    pub frame: Frame,
    /// The view actually used (clamped to the frame).
    pub view: View,
    pub rows: Vec<Row>,
    pub panels: Vec<Panel>,
    pub grid: Grid,
    /// One 1 mV × 0.2 s pulse per row, in the gutter (its width shrinks if 0.2 s does not fit).
    pub calibration: Vec<Vec<(f32, f32)>>,
    /// Short vertical ticks at the column boundaries of each row (as printed on 12-lead paper).
    pub column_marks: Vec<Segment>,
    /// A strip under the last row for a caption ("25 mm/s · 10 mm/mV ...").
    pub footer: Rect,
}

/// Trace-area height of a row and the baseline's offset from its top, mm: room for 3 mV, baseline at
/// two thirds (whole millimetres, so the baseline sits on a grid line).
fn row_metrics_mm(gain_mm_per_mv: f64) -> (f64, f64) {
    let trace_h = ((3.0 * gain_mm_per_mv / 5.0).round() * 5.0).max(15.0);
    (trace_h, (trace_h * 2.0 / 3.0).round())
}

fn find_lead(names: &[String], wanted: &str) -> Option<usize> {
    names.iter().position(|n| n.trim().eq_ignore_ascii_case(wanted))
}

/// Lead indices per row (`None`: empty slot) plus whether the row is a rhythm strip.
fn assign_rows(layout: Layout, names: &[String]) -> Vec<(Vec<Option<usize>>, bool)> {
    let standard = STANDARD_LEADS.iter().all(|l| find_lead(names, l).is_some());
    let mut rows: Vec<(Vec<Option<usize>>, bool)> = if standard {
        layout
            .standard_rows()
            .into_iter()
            .map(|r| (r.into_iter().map(|l| find_lead(names, l)).collect(), false))
            .collect()
    } else {
        // Not the standard twelve: fill the slots in the record's own order (column-major, like the
        // standard layouts), 12×1 gets one row per lead.
        let cols = layout.columns();
        let n = names.len();
        let rows_n = match layout {
            Layout::TwelveByOne => n.max(1),
            Layout::ThreeByFourWithRhythm => 3.max(n.div_ceil(cols)),
            Layout::SixByTwo => 6.max(n.div_ceil(cols)),
        };
        (0..rows_n).map(|r| ((0..cols).map(|c| Some(c * rows_n + r).filter(|&i| i < n)).collect(), false)).collect()
    };
    if layout == Layout::ThreeByFourWithRhythm && !names.is_empty() {
        let rhythm = find_lead(names, RHYTHM_LEAD).unwrap_or(0);
        rows.push((vec![Some(rhythm)], true));
    }
    rows
}

/// Lay out the paper for a record with these leads and this duration in a canvas `css_width_px` wide.
pub fn layout_scene(
    settings: &PaperSettings,
    view: &View,
    lead_names: &[String],
    duration_s: f64,
    css_width_px: f64,
    px_per_mm: f64,
) -> Scene {
    let (_, gain, _) = settings.sane();
    let px_per_mm = if px_per_mm.is_finite() && px_per_mm > 0.0 { px_per_mm } else { CSS_PX_PER_MM };
    let frame = Frame::new(settings, duration_s, css_width_px, px_per_mm);
    let view = view.clamped(&frame);
    let pps = view.px_per_s(&frame);
    let area_w = frame.area_width(view.zoom);
    let visible_s = area_w / pps;
    let px_per_mv = gain * px_per_mm;

    let (trace_mm, base_mm) = row_metrics_mm(gain);
    let trace_h = trace_mm * px_per_mm;
    let track = settings.show_entropy.then_some((ENTROPY_GAP_MM * px_per_mm, ENTROPY_TRACK_MM * px_per_mm));
    let row_h = trace_h + track.map_or(0.0, |(g, h)| g + h);
    let paper_w = frame.x0 + area_w + RIGHT_MARGIN_MM * px_per_mm;
    let width = if css_width_px.is_finite() { css_width_px.max(paper_w) } else { paper_w };

    let assigned = assign_rows(settings.layout, lead_names);
    let mut rows = Vec::with_capacity(assigned.len());
    let mut panels = Vec::new();
    let mut calibration = Vec::with_capacity(assigned.len());
    let mut column_marks = Vec::new();
    let pulse_w = (CAL_PULSE_S * pps).min(10.0 * px_per_mm);
    for (r, (slots, rhythm)) in assigned.iter().enumerate() {
        let top = r as f64 * row_h;
        let baseline_y = top + base_mm * px_per_mm;
        let entropy_track = track.map(|(g, h)| Rect::new(frame.x0, top + trace_h + g, area_w, h));
        rows.push(Row { rect: Rect::new(0.0, top, paper_w, trace_h), baseline_y, entropy_track });

        // Calibration pulse: 1.5 mm of baseline, up 1 mV, 0.2 s, down, back to the baseline.
        let a = 1.0 * px_per_mm;
        let b = a + 1.5 * px_per_mm;
        let up = (baseline_y - px_per_mv) as f32;
        let bl = baseline_y as f32;
        calibration.push(vec![
            (a as f32, bl),
            (b as f32, bl),
            (b as f32, up),
            ((b + pulse_w) as f32, up),
            ((b + pulse_w) as f32, bl),
            ((b + pulse_w + 1.5 * px_per_mm) as f32, bl),
        ]);

        let cols = slots.len().max(1);
        let col_w = area_w / cols as f64;
        for (c, slot) in slots.iter().enumerate() {
            let x = frame.x0 + c as f64 * col_w;
            if c > 0 {
                column_marks.push(Segment::new(x, baseline_y - 2.5 * px_per_mm, x, baseline_y + 2.5 * px_per_mm));
            }
            let Some(lead) = *slot else { continue };
            let t0 = view.pan_s + c as f64 * col_w / pps;
            let rect = Rect::new(x, top, col_w, trace_h);
            panels.push(Panel {
                lead,
                label: lead_names.get(lead).cloned().unwrap_or_default(),
                row: r,
                col: c,
                rhythm: *rhythm,
                rect,
                t0,
                t1: t0 + col_w / pps,
                baseline_y,
                px_per_s: pps,
                px_per_mv,
                cue_strip: Rect::new(x, top, col_w, (CUE_STRIP_MM * px_per_mm).min(trace_h)),
                entropy_track: entropy_track.map(|t| Rect::new(x, t.y, col_w, t.h)),
            });
        }
    }
    let rows_bottom = rows.len() as f64 * row_h + 1.0 * px_per_mm;
    let footer = Rect::new(0.0, rows_bottom, paper_w, FOOTER_MM * px_per_mm);
    let height = footer.bottom();
    let grid = build_grid(&rows, &frame, &view, visible_s, settings, px_per_mm, paper_w);
    Scene {
        width,
        height,
        paper: Rect::new(0.0, 0.0, paper_w, rows_bottom),
        frame,
        view,
        rows,
        panels,
        grid,
        calibration,
        column_marks,
        footer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paper::test_support::{close, names12, wide_scene};
    use crate::paper::GAINS_MM_PER_MV;

    #[test]
    fn ten_seconds_at_25_mm_per_s_is_250_mm() {
        let s = PaperSettings { layout: Layout::TwelveByOne, ..PaperSettings::default() };
        let scene = wide_scene(&s, 10.0);
        for p in &scene.panels {
            assert!(close(p.rect.w / CSS_PX_PER_MM, 250.0, 1e-9), "{}", p.rect.w / CSS_PX_PER_MM);
            assert!(close((p.t1 - p.t0) * p.px_per_s / CSS_PX_PER_MM, 250.0, 1e-9));
            assert!(close(p.t0, 0.0, 1e-12) && close(p.t1, 10.0, 1e-9));
        }
        // 50 mm/s: 500 mm.
        let s50 = PaperSettings { speed_mm_per_s: 50.0, ..s };
        let p = &wide_scene(&s50, 10.0).panels[0];
        assert!(close(p.rect.w / CSS_PX_PER_MM, 500.0, 1e-9));
        // True to scale: 96 CSS px per inch.
        assert!(close(25.4 * CSS_PX_PER_MM, 96.0, 1e-12));
    }

    #[test]
    fn gain_and_calibration_pulse_height() {
        for gain in GAINS_MM_PER_MV {
            let s = PaperSettings { gain_mm_per_mv: gain, ..PaperSettings::default() };
            let scene = wide_scene(&s, 10.0);
            assert_eq!(scene.calibration.len(), scene.rows.len());
            for (pulse, row) in scene.calibration.iter().zip(&scene.rows) {
                let ys: Vec<f64> = pulse.iter().map(|p| p.1 as f64).collect();
                let top = ys.iter().cloned().fold(f64::INFINITY, f64::min);
                let bottom = ys.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                assert!(close((bottom - top) / CSS_PX_PER_MM, gain, 1e-3), "gain {gain}");
                assert!(close(bottom, row.baseline_y, 1e-3));
                // 0.2 s wide at 25 mm/s = 5 mm.
                let w = (pulse[3].0 - pulse[2].0) as f64 / CSS_PX_PER_MM;
                assert!(close(w, 5.0, 1e-3), "{w}");
                // The pulse lies in the gutter.
                assert!(pulse.iter().all(|p| (p.0 as f64) <= scene.frame.x0 + 1e-3));
            }
            for p in &scene.panels {
                assert!(close(p.px_per_mv / CSS_PX_PER_MM, gain, 1e-12));
                assert!(close(p.y_of(0.0) - p.y_of(1.0), gain * CSS_PX_PER_MM, 1e-9));
            }
        }
    }

    #[test]
    fn three_by_four_places_the_standard_leads() {
        let scene = wide_scene(&PaperSettings::default(), 10.0);
        let at = |row: usize, col: usize| {
            scene.panels.iter().find(|p| p.row == row && p.col == col).map(|p| p.label.as_str())
        };
        let expected = [["I", "aVR", "V1", "V4"], ["II", "aVL", "V2", "V5"], ["III", "aVF", "V3", "V6"]];
        for (r, row) in expected.iter().enumerate() {
            for (c, lead) in row.iter().enumerate() {
                assert_eq!(at(r, c), Some(*lead));
            }
        }
        let rhythm: Vec<_> = scene.panels.iter().filter(|p| p.rhythm).collect();
        assert_eq!(rhythm.len(), 1);
        assert_eq!(rhythm[0].label, "II");
        assert_eq!(rhythm[0].row, 3);
        // Columns of 2.5 s, contiguous in time; the rhythm strip spans all 10 s.
        for p in scene.panels.iter().filter(|p| !p.rhythm) {
            assert!(close(p.t0, 2.5 * p.col as f64, 1e-9) && close(p.t1 - p.t0, 2.5, 1e-9));
        }
        assert!(close(rhythm[0].t0, 0.0, 1e-12) && close(rhythm[0].t1, 10.0, 1e-9));
        assert_eq!(scene.panels.len(), 13);
        assert_eq!(scene.column_marks.len(), 3 * 3);
    }

    #[test]
    fn six_by_two_and_twelve_by_one_place_the_leads() {
        let s = PaperSettings { layout: Layout::SixByTwo, ..PaperSettings::default() };
        let scene = wide_scene(&s, 10.0);
        assert_eq!(scene.panels.len(), 12);
        for p in &scene.panels {
            let expected = STANDARD_LEADS[p.col * 6 + p.row];
            assert_eq!(p.label, expected);
            assert!(close(p.t1 - p.t0, 5.0, 1e-9));
        }
        let s = PaperSettings { layout: Layout::TwelveByOne, ..PaperSettings::default() };
        let scene = wide_scene(&s, 10.0);
        let labels: Vec<_> = scene.panels.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, STANDARD_LEADS);
        assert!(scene.panels.iter().enumerate().all(|(i, p)| p.row == i && p.col == 0));
    }

    #[test]
    fn leads_are_found_by_name_not_position_and_odd_records_still_draw() {
        // Shuffled, odd case: placement follows the names.
        let mut names = names12();
        names.reverse();
        names[0] = "v6".into();
        let s = PaperSettings { layout: Layout::SixByTwo, ..PaperSettings::default() };
        let scene = layout_scene(&s, &View::default(), &names, 10.0, 2000.0, CSS_PX_PER_MM);
        let v6 = scene.panels.iter().find(|p| p.row == 5 && p.col == 1).unwrap();
        assert_eq!(v6.lead, 0);
        // Two non-standard leads: drawn in order, rhythm strip falls back to the first lead.
        let names = vec!["MLII".to_string(), "V5".to_string()];
        let scene = layout_scene(&PaperSettings::default(), &View::default(), &names, 10.0, 2000.0, CSS_PX_PER_MM);
        let leads: Vec<_> = scene.panels.iter().map(|p| (p.lead, p.rhythm)).collect();
        assert_eq!(leads, vec![(0, false), (1, false), (0, true)]);
        let s = PaperSettings { layout: Layout::TwelveByOne, ..PaperSettings::default() };
        assert_eq!(layout_scene(&s, &View::default(), &names, 10.0, 2000.0, CSS_PX_PER_MM).rows.len(), 2);
        // No leads at all: an empty paper, no panic.
        let scene = layout_scene(&PaperSettings::default(), &View::default(), &[], 0.0, 0.0, f64::NAN);
        assert!(scene.panels.is_empty() && scene.height.is_finite());
    }

    #[test]
    fn entropy_tracks_sit_under_their_traces() {
        let scene = wide_scene(&PaperSettings::default(), 10.0);
        for p in &scene.panels {
            let t = p.entropy_track.unwrap();
            assert!(t.y >= p.rect.bottom());
            assert!(close(t.x, p.rect.x, 1e-9) && close(t.w, p.rect.w, 1e-9));
            assert!(close(t.h, ENTROPY_TRACK_MM * CSS_PX_PER_MM, 1e-9));
        }
        // Rows do not overlap and the height covers them all.
        for w in scene.rows.windows(2) {
            let bottom = w[0].entropy_track.map_or(w[0].rect.bottom(), |t| t.bottom());
            assert!(w[1].rect.y >= bottom - 1e-9);
        }
        assert!(scene.footer.y >= scene.rows.last().unwrap().entropy_track.unwrap().bottom());
        assert!(close(scene.height, scene.footer.bottom(), 1e-9));
    }

    #[test]
    fn zoom_is_time_only_and_columns_stay_contiguous() {
        let v = View { zoom: 2.0, pan_s: 1.0 };
        let scene = layout_scene(&PaperSettings::default(), &v, &names12(), 10.0, 1200.0, CSS_PX_PER_MM);
        let row0: Vec<_> = scene.panels.iter().filter(|p| p.row == 0).collect();
        for w in row0.windows(2) {
            assert!(close(w[0].t1, w[1].t0, 1e-9));
            assert!(close(w[0].rect.right(), w[1].rect.x, 1e-9));
        }
        for p in &scene.panels {
            assert!(close(p.px_per_s, 2.0 * 25.0 * CSS_PX_PER_MM, 1e-9));
            assert!(close(p.px_per_mv, 10.0 * CSS_PX_PER_MM, 1e-9));
            // The global mapping holds in every panel.
            let x = p.rect.x + 17.0;
            assert!(close(p.t_of(x), scene.view.time_at(&scene.frame, x), 1e-9));
        }
    }

    #[test]
    fn row_heights_follow_the_gain() {
        assert_eq!(row_metrics_mm(10.0), (30.0, 20.0));
        assert_eq!(row_metrics_mm(5.0), (15.0, 10.0));
        assert_eq!(row_metrics_mm(20.0), (60.0, 40.0));
    }
}
