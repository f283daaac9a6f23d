//! The calibrated ECG paper: pure geometry, no web dependency, unit-tested natively.
//!
//! Everything the canvas draws is computed here in CSS pixels: the panels of a layout (3×4 with a lead II
//! rhythm strip, 6×2, 12×1), the 1 mm / 5 mm grid, the 1 mV calibration pulses, the traces (min/max
//! decimated per pixel column), the cluster bands with their second, non-colour cue (a hatch pattern and
//! a short label), and the entropy tracks on the fixed `[0, ln K]` scale. `web::canvas` only replays it.
//!
//! Physical calibration: at 100 % zoom one millimetre of paper is `px_per_mm` CSS pixels
//! ([`CSS_PX_PER_MM`] = 96 / 25.4 by default, the CSS reference), so 25 mm/s and 10 mm/mV are true to
//! scale. Zoom stretches the time axis only (the amplitude scale is the gain); the time grid stays
//! anchored to 1 mm = 1/speed seconds and 5 mm = 5/speed seconds, so boxes keep their meaning.
//!
//! Time mapping: within one row, columns are contiguous in pixels *and* in time, so across the whole
//! paper `t = pan_s + (x - frame.x0) / (px_per_s · zoom)`; that is what makes anchored zoom exact.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::explain::Explanation;

/// CSS pixels per millimetre at 100 % zoom (the CSS reference pixel: 96 per inch).
pub const CSS_PX_PER_MM: f64 = 96.0 / 25.4;
/// Paper speeds offered by the UI, mm/s.
pub const SPEEDS_MM_PER_S: [f64; 2] = [25.0, 50.0];
/// Gains offered by the UI, mm/mV.
pub const GAINS_MM_PER_MV: [f64; 3] = [5.0, 10.0, 20.0];
/// The twelve standard leads, in the conventional order.
pub const STANDARD_LEADS: [&str; 12] = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"];
/// The lead of the 3×4 layout's rhythm strip.
pub const RHYTHM_LEAD: &str = "II";
/// Width of the left gutter that holds the calibration pulses, mm (not zoomed).
pub const GUTTER_MM: f64 = 15.0;
/// Right margin of the paper, mm.
pub const RIGHT_MARGIN_MM: f64 = 2.0;
/// Height of the entropy track under each row, mm.
pub const ENTROPY_TRACK_MM: f64 = 8.0;
/// Gap between a row's trace area and its entropy track, mm.
pub const ENTROPY_GAP_MM: f64 = 1.0;
/// Height of the cluster cue strip (pattern + label) at the top of each panel, mm.
pub const CUE_STRIP_MM: f64 = 3.0;
/// Duration of the calibration pulse, s (its height is exactly 1 mV).
pub const CAL_PULSE_S: f64 = 0.2;
/// Height of the footer line (record, speed, gain) under the paper, mm.
pub const FOOTER_MM: f64 = 5.0;
/// Zoom limits (time axis only).
pub const ZOOM_MAX: f64 = 20.0;
pub const ZOOM_MIN: f64 = 0.02;
/// Grid lines closer than this (CSS px) are not drawn: at strong zoom-out only the 5 mm lines remain.
pub const MIN_GRID_SPACING_PX: f64 = 3.0;
/// Zoom factor of one "+"/"-" key press.
pub const KEY_ZOOM_STEP: f64 = 1.25;
/// Share of the visible time an arrow key pans.
pub const KEY_PAN_FRACTION: f64 = 0.1;

// ---------------------------------------------------------------------------------------------------------
// Settings, layout, view
// ---------------------------------------------------------------------------------------------------------

/// How the leads are arranged on the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Layout {
    /// I,II,III | aVR,aVL,aVF | V1–V3 | V4–V6 (each column a quarter of the visible time: 2.5 s at
    /// 100 % zoom for a 10 s record) and a full-length lead II rhythm strip.
    #[default]
    ThreeByFourWithRhythm,
    /// Limb leads in the left column, chest leads in the right (5 s each at 100 % zoom).
    SixByTwo,
    /// Every lead full length.
    TwelveByOne,
}

impl Layout {
    pub const ALL: [Layout; 3] = [Layout::ThreeByFourWithRhythm, Layout::SixByTwo, Layout::TwelveByOne];

    /// Stable identifier (for `<select>` values, the export manifest, e2e tests).
    pub fn id(self) -> &'static str {
        match self {
            Layout::ThreeByFourWithRhythm => "3x4",
            Layout::SixByTwo => "6x2",
            Layout::TwelveByOne => "12x1",
        }
    }

    pub fn from_id(id: &str) -> Option<Layout> {
        Layout::ALL.into_iter().find(|l| l.id() == id.trim())
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Layout::ThreeByFourWithRhythm => "3×4 + II rhythm",
            Layout::SixByTwo => "6×2",
            Layout::TwelveByOne => "12×1",
        }
    }

    /// Number of time columns.
    pub fn columns(self) -> usize {
        match self {
            Layout::ThreeByFourWithRhythm => 4,
            Layout::SixByTwo => 2,
            Layout::TwelveByOne => 1,
        }
    }

    /// The standard slots, row by row (lead names), without the rhythm strip.
    fn standard_rows(self) -> Vec<Vec<&'static str>> {
        let s = &STANDARD_LEADS;
        match self {
            Layout::ThreeByFourWithRhythm => (0..3).map(|r| vec![s[r], s[3 + r], s[6 + r], s[9 + r]]).collect(),
            Layout::SixByTwo => (0..6).map(|r| vec![s[r], s[6 + r]]).collect(),
            Layout::TwelveByOne => s.iter().map(|l| vec![*l]).collect(),
        }
    }
}

/// What the paper looks like. Serializable: it goes into the export manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PaperSettings {
    /// Paper speed, mm/s (25 default, 50).
    pub speed_mm_per_s: f64,
    /// Gain, mm/mV (10 default, 5, 20).
    pub gain_mm_per_mv: f64,
    pub layout: Layout,
    /// Draw the entropy track under each row (only when a layer is shown).
    pub show_entropy: bool,
    /// Write the cluster's name (or number) in the cue strip when it fits.
    pub show_cluster_labels: bool,
    /// CSS pixels per millimetre at 100 % zoom (screen calibration; [`CSS_PX_PER_MM`] by default).
    pub px_per_mm: f64,
}

impl Default for PaperSettings {
    fn default() -> Self {
        PaperSettings {
            speed_mm_per_s: 25.0,
            gain_mm_per_mv: 10.0,
            layout: Layout::default(),
            show_entropy: true,
            show_cluster_labels: true,
            px_per_mm: CSS_PX_PER_MM,
        }
    }
}

impl PaperSettings {
    /// Speed and gain made safe (positive, finite), px_per_mm likewise.
    fn sane(&self) -> (f64, f64, f64) {
        let pos = |v: f64, d: f64| if v.is_finite() && v > 0.0 { v } else { d };
        (pos(self.speed_mm_per_s, 25.0), pos(self.gain_mm_per_mv, 10.0), pos(self.px_per_mm, CSS_PX_PER_MM))
    }
}

/// The horizontal frame a [`View`] lives in: what is needed to turn pixels into seconds and clamp.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// Record duration, s (> 0).
    pub duration_s: f64,
    /// CSS px per second at 100 % zoom (speed × px_per_mm).
    pub px_per_s: f64,
    /// Left edge of the trace area (after the gutter), CSS px.
    pub x0: f64,
    /// Width available to the trace area, CSS px.
    pub avail_w: f64,
}

impl Frame {
    pub fn new(settings: &PaperSettings, duration_s: f64, css_width_px: f64, px_per_mm: f64) -> Frame {
        let (speed, _, _) = settings.sane();
        let px_per_mm = if px_per_mm.is_finite() && px_per_mm > 0.0 { px_per_mm } else { CSS_PX_PER_MM };
        let x0 = GUTTER_MM * px_per_mm;
        let css_width_px = if css_width_px.is_finite() { css_width_px } else { 0.0 };
        let avail_w = (css_width_px - x0 - RIGHT_MARGIN_MM * px_per_mm).max(10.0);
        let duration_s = if duration_s.is_finite() && duration_s > 0.0 { duration_s } else { 1e-3 };
        Frame { duration_s, px_per_s: speed * px_per_mm, x0, avail_w }
    }

    /// Zoom at which the whole record fits, but never below 100 % if it already fits there.
    pub fn min_zoom(&self) -> f64 {
        (self.avail_w / (self.duration_s * self.px_per_s)).clamp(ZOOM_MIN, 1.0)
    }

    /// Width of the trace area at this zoom: the available width, or less when the record is shorter.
    pub fn area_width(&self, zoom: f64) -> f64 {
        self.avail_w.min(self.duration_s * self.px_per_s * zoom)
    }

    /// Seconds shown across the trace area at this zoom.
    pub fn visible_s(&self, zoom: f64) -> f64 {
        self.area_width(zoom) / (self.px_per_s * zoom)
    }

    /// Largest pan at this zoom.
    pub fn max_pan(&self, zoom: f64) -> f64 {
        (self.duration_s - self.visible_s(zoom)).max(0.0)
    }
}

/// Zoom and pan. Pure: the UI feeds it wheel, drag and key events and redraws.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct View {
    /// Time-axis magnification; 1 = true to scale.
    pub zoom: f64,
    /// Time at the left edge of the trace area, s.
    pub pan_s: f64,
}

impl Default for View {
    fn default() -> Self {
        View { zoom: 1.0, pan_s: 0.0 }
    }
}

impl View {
    /// This view clamped to the frame: zoom in `[frame.min_zoom(), ZOOM_MAX]`, pan in `[0, max_pan]`.
    pub fn clamped(mut self, frame: &Frame) -> View {
        self.clamp(frame);
        self
    }

    pub fn clamp(&mut self, frame: &Frame) {
        let zoom = if self.zoom.is_finite() { self.zoom } else { 1.0 };
        self.zoom = zoom.clamp(frame.min_zoom(), ZOOM_MAX);
        let pan = if self.pan_s.is_finite() { self.pan_s } else { 0.0 };
        self.pan_s = pan.clamp(0.0, frame.max_pan(self.zoom));
    }

    /// CSS px per second at the current zoom.
    pub fn px_per_s(&self, frame: &Frame) -> f64 {
        frame.px_per_s * self.zoom
    }

    /// The time under a CSS x coordinate (anywhere on the paper; may lie outside the record).
    pub fn time_at(&self, frame: &Frame, x_px: f64) -> f64 {
        self.pan_s + (x_px - frame.x0) / self.px_per_s(frame)
    }

    /// The visible time range `[start, end]`, s.
    pub fn visible_range(&self, frame: &Frame) -> (f64, f64) {
        (self.pan_s, self.pan_s + frame.visible_s(self.zoom))
    }

    /// Multiply the zoom by `factor`, keeping the time under `anchor_px` (CSS x) where it is.
    pub fn zoom_at(&mut self, anchor_px: f64, factor: f64, frame: &Frame) {
        self.clamp(frame);
        if !(factor.is_finite() && factor > 0.0) {
            return;
        }
        let anchor = anchor_px.clamp(frame.x0, frame.x0 + frame.area_width(self.zoom));
        let t = self.time_at(frame, anchor);
        self.zoom = (self.zoom * factor).clamp(frame.min_zoom(), ZOOM_MAX);
        self.pan_s = t - (anchor - frame.x0) / self.px_per_s(frame);
        self.clamp(frame);
    }

    /// Drag by `dx_px` CSS px: positive drags the paper to the right (shows earlier time).
    pub fn pan_by_px(&mut self, dx_px: f64, frame: &Frame) {
        self.clamp(frame);
        if dx_px.is_finite() {
            self.pan_s -= dx_px / self.px_per_s(frame);
        }
        self.clamp(frame);
    }

    /// Pan by `ds` seconds (positive: later).
    pub fn pan_by_s(&mut self, ds: f64, frame: &Frame) {
        self.clamp(frame);
        if ds.is_finite() {
            self.pan_s += ds;
        }
        self.clamp(frame);
    }

    /// 100 % zoom at the start of the record.
    pub fn reset(&mut self, frame: &Frame) {
        *self = View::default();
        self.clamp(frame);
    }

    /// Zoom out until the whole record is visible.
    pub fn fit(&mut self, frame: &Frame) {
        self.zoom = frame.min_zoom();
        self.pan_s = 0.0;
        self.clamp(frame);
    }

    /// Keyboard: "+"/"=" zoom in, "-"/"_" zoom out (around the centre), "ArrowLeft"/"ArrowRight" pan by
    /// a tenth of the visible time, "0"/"Home" reset, "End" go to the end. Returns whether the key was
    /// handled (the UI then calls `preventDefault`).
    pub fn key(&mut self, key: &str, frame: &Frame) -> bool {
        self.clamp(frame);
        let centre = frame.x0 + frame.area_width(self.zoom) / 2.0;
        match key {
            "+" | "=" | "Add" => self.zoom_at(centre, KEY_ZOOM_STEP, frame),
            "-" | "_" | "Subtract" => self.zoom_at(centre, 1.0 / KEY_ZOOM_STEP, frame),
            "ArrowLeft" | "Left" => self.pan_by_s(-KEY_PAN_FRACTION * frame.visible_s(self.zoom), frame),
            "ArrowRight" | "Right" => self.pan_by_s(KEY_PAN_FRACTION * frame.visible_s(self.zoom), frame),
            "0" | "Home" => self.reset(frame),
            "End" => {
                self.pan_s = frame.max_pan(self.zoom);
                self.clamp(frame);
            }
            _ => return false,
        }
        true
    }
}

/// Zoom factor for a wheel event (`deltaY`, `deltaMode`: 0 pixels, 1 lines, 2 pages): scrolling up
/// (negative delta) zooms in. Clamped to `[0.5, 2]` per event.
pub fn wheel_factor(delta_y: f64, delta_mode: u32) -> f64 {
    let px = match delta_mode {
        1 => delta_y * 16.0,
        2 => delta_y * 400.0,
        _ => delta_y,
    };
    if !px.is_finite() {
        return 1.0;
    }
    (-px * 0.002).exp().clamp(0.5, 2.0)
}

// ---------------------------------------------------------------------------------------------------------
// Scene
// ---------------------------------------------------------------------------------------------------------

/// An axis-aligned rectangle in CSS px.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn new(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect { x, y, w, h }
    }
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x && x < self.right() && y >= self.y && y < self.bottom()
    }
}

/// A straight line segment in CSS px.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Segment {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl Segment {
    fn new(x0: f64, y0: f64, x1: f64, y1: f64) -> Segment {
        Segment { x0: x0 as f32, y0: y0 as f32, x1: x1 as f32, y1: y1 as f32 }
    }
}

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

/// The 1 mm (minor) and 5 mm (major) grid lines.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Grid {
    pub minor: Vec<Segment>,
    pub major: Vec<Segment>,
    /// Spacing of the time lines at this zoom, CSS px per mm of paper.
    pub px_per_mm_x: f64,
    pub px_per_mm_y: f64,
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

/// What is under the pointer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub panel: usize,
    pub lead: usize,
    pub time_s: f64,
    /// The pointer is over the entropy track rather than the trace.
    pub in_entropy_track: bool,
}

impl Scene {
    /// The panel (and time) under a CSS point, if any.
    pub fn hit(&self, x: f64, y: f64) -> Option<Hit> {
        self.panels.iter().enumerate().find_map(|(i, p)| {
            let in_x = x >= p.rect.x && x < p.rect.right();
            if !in_x {
                return None;
            }
            let in_track = p.entropy_track.is_some_and(|r| r.contains(x, y));
            if p.rect.contains(x, y) || in_track {
                Some(Hit { panel: i, lead: p.lead, time_s: p.t_of(x), in_entropy_track: in_track })
            } else {
                None
            }
        })
    }
}

/// Trace-area height of a row and the baseline's offset from its top, mm: room for 3 mV, baseline at
/// two thirds (whole millimetres, so the baseline sits on a grid line).
fn positive(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

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

fn build_grid(
    rows: &[Row],
    frame: &Frame,
    view: &View,
    visible_s: f64,
    settings: &PaperSettings,
    px_per_mm: f64,
    paper_w: f64,
) -> Grid {
    let (speed, _, _) = settings.sane();
    let pps = view.px_per_s(frame);
    let mm_x = pps / speed; // CSS px per mm of paper along time, at this zoom
    let mut grid = Grid { px_per_mm_x: mm_x, px_per_mm_y: px_per_mm, ..Grid::default() };

    // Vertical extents of the ruled areas: contiguous rows merged (one long line instead of many).
    let mut bands: Vec<(f64, f64)> = Vec::new();
    for row in rows {
        let (y0, y1) = (row.rect.y, row.rect.bottom());
        match bands.last_mut() {
            Some(last) if (last.1 - y0).abs() < 1e-6 => last.1 = y1,
            _ => bands.push((y0, y1)),
        }
    }
    let push = |grid: &mut Grid, major: bool, s: Segment| {
        if major {
            grid.major.push(s)
        } else {
            grid.minor.push(s)
        }
    };
    let draw_minor_x = mm_x >= MIN_GRID_SPACING_PX;
    let draw_major_x = 5.0 * mm_x >= MIN_GRID_SPACING_PX;
    let draw_minor_y = px_per_mm >= MIN_GRID_SPACING_PX;
    let draw_major_y = 5.0 * px_per_mm >= MIN_GRID_SPACING_PX;

    // Time lines, anchored to absolute time so the paper moves with the trace.
    let dt = 1.0 / speed; // seconds per mm
    let t_start = view.pan_s;
    let t_end = view.pan_s + visible_s;
    let k0 = (t_start / dt - 1e-9).ceil() as i64;
    let k1 = (t_end / dt + 1e-9).floor() as i64;
    for k in k0..=k1 {
        let major = k.rem_euclid(5) == 0;
        if !(if major { draw_major_x } else { draw_minor_x }) {
            continue;
        }
        let x = frame.x0 + (k as f64 * dt - t_start) * pps;
        for &(y0, y1) in &bands {
            push(&mut grid, major, Segment::new(x, y0, x, y1));
        }
    }
    // Gutter: physical millimetres leftwards from the trace area.
    let mut k = 1;
    while frame.x0 - k as f64 * px_per_mm >= -1e-6 {
        let major = k % 5 == 0;
        if if major { draw_major_y } else { draw_minor_y } {
            let x = frame.x0 - k as f64 * px_per_mm;
            for &(y0, y1) in &bands {
                push(&mut grid, major, Segment::new(x, y0, x, y1));
            }
        }
        k += 1;
    }
    // Amplitude lines: per row, whole millimetres from the baseline.
    for row in rows {
        let up = ((row.baseline_y - row.rect.y) / px_per_mm + 1e-6).floor() as i64;
        let down = ((row.rect.bottom() - row.baseline_y) / px_per_mm + 1e-6).floor() as i64;
        for k in -up..=down {
            let major = k.rem_euclid(5) == 0;
            if !(if major { draw_major_y } else { draw_minor_y }) {
                continue;
            }
            let y = row.baseline_y + k as f64 * px_per_mm;
            push(&mut grid, major, Segment::new(0.0, y, paper_w, y));
        }
    }
    grid
}

// ---------------------------------------------------------------------------------------------------------
// Traces, bands, entropy
// ---------------------------------------------------------------------------------------------------------

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
    pub kind: crate::landmarks::WaveKind,
}

/// The visible waves of a lead (from onset to offset, sample cells included), clipped to the panel's time range.
pub fn wave_marks(waves: &[crate::landmarks::Wave], sample_rate_hz: f64, panel: &Panel) -> Vec<WaveMark> {
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
fn visible_cells(n: usize, fs: f64, panel: &Panel) -> Option<(usize, usize)> {
    let usable = n > 0 && positive(fs) && panel.t1 > panel.t0;
    if !usable {
        return None;
    }
    let lo = (panel.t0 * fs + 0.5).floor().max(0.0) as usize;
    let hi = ((panel.t1 * fs + 0.5).ceil().max(0.0) as usize).min(n);
    (lo < hi).then_some((lo, hi))
}

// ---------------------------------------------------------------------------------------------------------
// Colour-blind-safe palette with a second cue
// ---------------------------------------------------------------------------------------------------------

/// Okabe–Ito (7, black omitted: it is the trace colour) followed by Paul Tol's "muted" colours that
/// Okabe–Ito lacks. Colours repeat after 12 clusters; patterns cycle with period 8, so (colour,
/// pattern) pairs stay distinct up to 24 clusters.
pub const PALETTE: [&str; 12] = [
    "#E69F00", // orange
    "#56B4E9", // sky blue
    "#009E73", // bluish green
    "#F0E442", // yellow
    "#0072B2", // blue
    "#D55E00", // vermillion
    "#CC79A7", // reddish purple
    "#332288", // indigo (Tol)
    "#999933", // olive (Tol)
    "#882255", // wine (Tol)
    "#44AA99", // teal (Tol)
    "#BBBBBB", // grey (Tol)
];

/// The non-colour cue of a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Pattern {
    Solid,
    Diagonal,
    AntiDiagonal,
    Horizontal,
    Vertical,
    Cross,
    DiagonalCross,
    Dots,
}

impl Pattern {
    pub const ALL: [Pattern; 8] = [
        Pattern::Solid,
        Pattern::Diagonal,
        Pattern::AntiDiagonal,
        Pattern::Horizontal,
        Pattern::Vertical,
        Pattern::Cross,
        Pattern::DiagonalCross,
        Pattern::Dots,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Pattern::Solid => "solid",
            Pattern::Diagonal => "diagonal",
            Pattern::AntiDiagonal => "anti-diagonal",
            Pattern::Horizontal => "horizontal",
            Pattern::Vertical => "vertical",
            Pattern::Cross => "cross",
            Pattern::DiagonalCross => "diagonal-cross",
            Pattern::Dots => "dots",
        }
    }
}

/// How a cluster is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterStyle {
    /// The palette colour, `#RRGGBB`.
    pub colour: &'static str,
    /// Light fill of the band behind the trace, `rgba(...)`.
    pub fill_rgba: String,
    /// Stronger fill of the cue strip, `rgba(...)`.
    pub strip_rgba: String,
    /// Hatch / label colour: the palette colour darkened, `#RRGGBB`.
    pub stroke: String,
    pub pattern: Pattern,
    /// Short tag written in narrow bands and shown in the legend ("1", "2", ...).
    pub tag: String,
}

fn hex_rgb(hex: &str) -> (u8, u8, u8) {
    let h = hex.trim_start_matches('#');
    let p = |i: usize| u8::from_str_radix(h.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
    (p(0), p(2), p(4))
}

/// Style of cluster `i` (0-based).
pub fn cluster_style(i: usize) -> ClusterStyle {
    let colour = PALETTE[i % PALETTE.len()];
    let (r, g, b) = hex_rgb(colour);
    let dark = |c: u8| (c as f64 * 0.45).round() as u8;
    ClusterStyle {
        colour,
        fill_rgba: format!("rgba({r},{g},{b},0.22)"),
        strip_rgba: format!("rgba({r},{g},{b},0.55)"),
        stroke: format!("#{:02X}{:02X}{:02X}", dark(r), dark(g), dark(b)),
        pattern: Pattern::ALL[i % Pattern::ALL.len()],
        tag: (i + 1).to_string(),
    }
}

impl ClusterStyle {
    /// A CSS `background` value for an HTML legend swatch: the colour with the same pattern.
    pub fn css_swatch(&self) -> String {
        let s = &self.stroke;
        let line = |deg: u32| format!("repeating-linear-gradient({deg}deg, {s} 0 1px, transparent 1px 5px)");
        let layers = match self.pattern {
            Pattern::Solid => String::new(),
            Pattern::Diagonal => line(45),
            Pattern::AntiDiagonal => line(135),
            Pattern::Horizontal => line(0),
            Pattern::Vertical => line(90),
            Pattern::Cross => format!("{}, {}", line(0), line(90)),
            Pattern::DiagonalCross => format!("{}, {}", line(45), line(135)),
            Pattern::Dots => format!("radial-gradient({s} 1px, transparent 1.5px) 0 0 / 5px 5px"),
        };
        if layers.is_empty() {
            self.colour.to_string()
        } else {
            format!("{layers}, {}", self.colour)
        }
    }
}

/// Spacing of the hatch lines, CSS px.
pub const HATCH_SPACING_PX: f64 = 5.0;

/// The hatch of `pattern` clipped to `rect`, as segments anchored to absolute coordinates (so adjacent
/// rectangles of one cluster join seamlessly). `Dots` gives 1.5 px long dashes (a dot with a 1.5 px pen).
pub fn hatch(rect: &Rect, pattern: Pattern, spacing: f64, mut f: impl FnMut(Segment)) {
    let usable = positive(spacing) && positive(rect.w) && positive(rect.h);
    if !usable {
        return;
    }
    let (l, t, r, b) = (rect.x, rect.y, rect.right(), rect.bottom());
    let horizontal = |f: &mut dyn FnMut(Segment)| {
        let mut k = (t / spacing).ceil() as i64;
        while (k as f64) * spacing < b {
            let y = k as f64 * spacing;
            f(Segment::new(l, y, r, y));
            k += 1;
        }
    };
    let vertical = |f: &mut dyn FnMut(Segment)| {
        let mut k = (l / spacing).ceil() as i64;
        while (k as f64) * spacing < r {
            let x = k as f64 * spacing;
            f(Segment::new(x, t, x, b));
            k += 1;
        }
    };
    // "/": x + y = c ; "\": x − y = c. Diagonal spacing measured along x.
    let diagonal = |f: &mut dyn FnMut(Segment)| {
        let mut k = ((l + t) / spacing).ceil() as i64;
        while (k as f64) * spacing < r + b {
            let c = k as f64 * spacing;
            let xs = l.max(c - b);
            let xe = r.min(c - t);
            if xe > xs {
                f(Segment::new(xs, c - xs, xe, c - xe));
            }
            k += 1;
        }
    };
    let anti = |f: &mut dyn FnMut(Segment)| {
        let mut k = ((l - b) / spacing).ceil() as i64;
        while (k as f64) * spacing < r - t {
            let c = k as f64 * spacing;
            let xs = l.max(c + t);
            let xe = r.min(c + b);
            if xe > xs {
                f(Segment::new(xs, xs - c, xe, xe - c));
            }
            k += 1;
        }
    };
    match pattern {
        Pattern::Solid => {}
        Pattern::Diagonal => diagonal(&mut f),
        Pattern::AntiDiagonal => anti(&mut f),
        Pattern::Horizontal => horizontal(&mut f),
        Pattern::Vertical => vertical(&mut f),
        Pattern::Cross => {
            horizontal(&mut f);
            vertical(&mut f);
        }
        Pattern::DiagonalCross => {
            diagonal(&mut f);
            anti(&mut f);
        }
        Pattern::Dots => {
            let mut j = (t / spacing).ceil() as i64;
            while (j as f64) * spacing < b {
                let y = j as f64 * spacing;
                let off = if j.rem_euclid(2) == 0 { 0.0 } else { spacing / 2.0 };
                let mut k = ((l - off) / spacing).ceil() as i64;
                while (k as f64) * spacing + off < r {
                    let x = k as f64 * spacing + off;
                    f(Segment::new(x, y, (x + 1.5).min(r), y));
                    k += 1;
                }
                j += 1;
            }
        }
    }
}

/// The text to write in a band `width_px` wide: the cluster's name if it fits, else its tag, else
/// nothing. Text width is estimated at 0.62 × font size per character (sans-serif).
pub fn band_label<'a>(name: &'a str, tag: &'a str, width_px: f64, font_px: f64) -> Option<Cow<'a, str>> {
    let fits = |s: &str| (s.chars().count() as f64) * 0.62 * font_px + 4.0 <= width_px;
    if !name.is_empty() && fits(name) {
        Some(Cow::Borrowed(name))
    } else if !tag.is_empty() && fits(tag) {
        Some(Cow::Borrowed(tag))
    } else {
        None
    }
}

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

// ---------------------------------------------------------------------------------------------------------
// SVG path data (batched drawing: one Path2D per colour)
// ---------------------------------------------------------------------------------------------------------

/// A growing SVG path-data string ("M x y L x y ... Z"), coordinates rounded to 0.01 px. The canvas
/// turns it into one `Path2D` and strokes or fills it in a single call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathData {
    buf: String,
}

impl PathData {
    pub fn new() -> Self {
        PathData::default()
    }
    pub fn clear(&mut self) {
        self.buf.clear();
    }
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
    pub fn as_str(&self) -> &str {
        &self.buf
    }
    fn cmd(&mut self, c: char, x: f64, y: f64) {
        self.buf.push(c);
        push_num(&mut self.buf, x);
        self.buf.push(' ');
        push_num(&mut self.buf, y);
    }
    pub fn move_to(&mut self, x: f64, y: f64) {
        self.cmd('M', x, y);
    }
    pub fn line_to(&mut self, x: f64, y: f64) {
        self.cmd('L', x, y);
    }
    pub fn close(&mut self) {
        self.buf.push('Z');
    }
    /// A closed rectangle, in the short relative form `M x y h w v h h -w Z`.
    pub fn rect(&mut self, r: &Rect) {
        self.move_to(r.x, r.y);
        self.buf.push('h');
        push_num(&mut self.buf, r.w);
        self.buf.push('v');
        push_num(&mut self.buf, r.h);
        self.buf.push('h');
        push_num(&mut self.buf, -r.w);
        self.close();
    }
    pub fn segment(&mut self, s: &Segment) {
        self.move_to(s.x0 as f64, s.y0 as f64);
        self.line_to(s.x1 as f64, s.y1 as f64);
    }
    pub fn polyline(&mut self, pts: &[(f32, f32)]) {
        for (i, &(x, y)) in pts.iter().enumerate() {
            if i == 0 {
                self.move_to(x as f64, y as f64)
            } else {
                self.line_to(x as f64, y as f64)
            }
        }
    }
}

/// Append `v` with at most two decimals, without `fmt` (hot path: tens of thousands per frame).
fn push_num(s: &mut String, v: f64) {
    let v = if v.is_finite() { v.clamp(-1e12, 1e12) } else { 0.0 };
    let n = (v * 100.0).round() as i64;
    // Written right to left into a stack buffer, then appended at once.
    let mut buf = [0u8; 24];
    let mut pos = buf.len();
    let mut put = |b: u8| {
        pos -= 1;
        buf[pos] = b;
    };
    let mut m = n.unsigned_abs();
    let frac = (m % 100) as u8;
    m /= 100;
    if frac != 0 {
        if !frac.is_multiple_of(10) {
            put(b'0' + frac % 10);
        }
        put(b'0' + frac / 10);
        put(b'.');
    }
    loop {
        put(b'0' + (m % 10) as u8);
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        put(b'-');
    }
    s.push_str(std::str::from_utf8(&buf[pos..]).unwrap_or("0"));
}

// ---------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wave_marks_are_clipped_to_the_panel() {
        use crate::landmarks::{Wave, WaveKind};
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

    fn names12() -> Vec<String> {
        STANDARD_LEADS.iter().map(|s| s.to_string()).collect()
    }

    fn wide_scene(settings: &PaperSettings, duration_s: f64) -> Scene {
        layout_scene(settings, &View::default(), &names12(), duration_s, 4000.0, CSS_PX_PER_MM)
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

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
    fn grid_has_1_mm_and_5_mm_lines_aligned_with_the_baseline() {
        let s = PaperSettings { layout: Layout::TwelveByOne, show_entropy: false, ..PaperSettings::default() };
        let scene = wide_scene(&s, 10.0);
        let mm = CSS_PX_PER_MM;
        // Time lines in the trace area: 0..=250 mm → 251 lines, every 5th major.
        let in_area =
            |segs: &Vec<Segment>| segs.iter().filter(|l| l.x0 == l.x1 && l.x0 as f64 >= scene.frame.x0 - 1e-3).count();
        assert_eq!(in_area(&scene.grid.major), 51);
        assert_eq!(in_area(&scene.grid.minor), 200);
        // Horizontal lines every mm; the baseline is a major line.
        let row = &scene.rows[0];
        let hz_major: Vec<f64> = scene.grid.major.iter().filter(|l| l.y0 == l.y1).map(|l| l.y0 as f64).collect();
        assert!(hz_major.iter().any(|&y| close(y, row.baseline_y, 1e-3)));
        let hz_minor: Vec<f64> = scene.grid.minor.iter().filter(|l| l.y0 == l.y1).map(|l| l.y0 as f64).collect();
        let mut ys: Vec<f64> = hz_major.iter().chain(&hz_minor).cloned().filter(|&y| y <= row.rect.bottom()).collect();
        ys.sort_by(f64::total_cmp);
        ys.dedup_by(|a, b| close(*a, *b, 1e-3));
        for w in ys.windows(2) {
            assert!(close(w[1] - w[0], mm, 1e-3));
        }
        // Strong zoom-out drops the 1 mm lines.
        let z = View { zoom: 0.1, pan_s: 0.0 };
        let long = layout_scene(&s, &z, &names12(), 600.0, 1200.0, mm);
        assert!(long.grid.px_per_mm_x < MIN_GRID_SPACING_PX);
        assert!(long.grid.minor.iter().all(|l| l.y0 == l.y1 || (l.x0 as f64) < long.frame.x0));
    }

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

    fn frame(duration_s: f64, width: f64) -> Frame {
        Frame::new(&PaperSettings::default(), duration_s, width, CSS_PX_PER_MM)
    }

    #[test]
    fn zoom_keeps_the_anchor_and_clamps() {
        let f = frame(60.0, 1000.0);
        let mut v = View::default();
        let anchor = f.x0 + 300.0;
        let before = v.time_at(&f, anchor);
        v.zoom_at(anchor, 2.0, &f);
        assert!(close(v.zoom, 2.0, 1e-12));
        assert!(close(v.time_at(&f, anchor), before, 1e-9));
        // Zoom in hard, then out hard: clamped to [min_zoom, ZOOM_MAX].
        for _ in 0..100 {
            v.zoom_at(anchor, 3.0, &f);
        }
        assert_eq!(v.zoom, ZOOM_MAX);
        for _ in 0..100 {
            v.zoom_at(anchor, 0.1, &f);
        }
        assert!(close(v.zoom, f.min_zoom(), 1e-12));
        // At minimum zoom the whole record is visible.
        assert!(close(f.visible_s(v.zoom), 60.0, 1e-6) && v.pan_s == 0.0);
        // A record that fits at 100 % cannot be shrunk below true scale.
        let short = frame(2.0, 2000.0);
        assert_eq!(short.min_zoom(), 1.0);
        // Nonsense input changes nothing.
        let mut w = View::default();
        w.zoom_at(anchor, f64::NAN, &f);
        w.zoom_at(anchor, -2.0, &f);
        assert_eq!(w, View::default());
    }

    #[test]
    fn pan_clamps_to_the_record() {
        let f = frame(30.0, 1000.0);
        let mut v = View::default();
        v.pan_by_px(500.0, &f); // drag right at the start: nothing earlier
        assert_eq!(v.pan_s, 0.0);
        v.pan_by_px(-f.px_per_s * 5.0, &f); // drag left 5 s
        assert!(close(v.pan_s, 5.0, 1e-9));
        v.pan_by_px(-1e9, &f);
        assert!(close(v.pan_s, f.max_pan(v.zoom), 1e-9));
        assert!(close(v.pan_s + f.visible_s(v.zoom), 30.0, 1e-9));
        // Zooming out at the end pulls the pan back in range.
        v.zoom_at(f.x0, 0.5, &f);
        assert!(v.pan_s <= f.max_pan(v.zoom) + 1e-9);
        // A record shorter than the screen never pans.
        let short = frame(5.0, 2000.0);
        let mut s = View::default();
        s.pan_by_px(-300.0, &short);
        assert_eq!(s.pan_s, 0.0);
        // Clamped view in a scene.
        let scene = layout_scene(
            &PaperSettings::default(),
            &View { zoom: 1e9, pan_s: -4.0 },
            &names12(),
            10.0,
            1000.0,
            CSS_PX_PER_MM,
        );
        assert_eq!(scene.view, View { zoom: ZOOM_MAX, pan_s: 0.0 });
    }

    #[test]
    fn keys_zoom_pan_and_reset() {
        let f = frame(60.0, 1000.0);
        let mut v = View::default();
        assert!(v.key("+", &f));
        assert!(close(v.zoom, KEY_ZOOM_STEP, 1e-12));
        assert!(v.key("-", &f));
        assert!(close(v.zoom, 1.0, 1e-12));
        assert!(v.key("ArrowRight", &f));
        assert!(close(v.pan_s, 0.1 * f.visible_s(1.0), 1e-9));
        assert!(v.key("ArrowLeft", &f) && v.key("ArrowLeft", &f));
        assert_eq!(v.pan_s, 0.0);
        assert!(v.key("End", &f));
        assert!(close(v.pan_s, f.max_pan(1.0), 1e-9));
        v.key("+", &f);
        assert!(v.key("0", &f));
        assert_eq!(v, View::default());
        v.key("+", &f);
        assert!(v.key("Home", &f));
        assert_eq!(v, View::default());
        assert!(!v.key("x", &f));
        // Wheel: up zooms in, down zooms out, bounded per event.
        assert!(wheel_factor(-100.0, 0) > 1.0 && wheel_factor(100.0, 0) < 1.0);
        assert_eq!(wheel_factor(1e6, 0), 0.5);
        assert_eq!(wheel_factor(f64::NAN, 0), 1.0);
        assert!(close(wheel_factor(-3.0, 1), wheel_factor(-48.0, 0), 1e-12));
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
        // Hit testing finds the panel and time.
        let p = &scene.panels[5];
        let h = scene.hit(p.rect.x + 10.0, p.baseline_y).unwrap();
        assert_eq!((h.panel, h.lead), (5, p.lead));
        assert!(close(h.time_s, p.t_of(p.rect.x + 10.0), 1e-12) && !h.in_entropy_track);
        let t = p.entropy_track.unwrap();
        assert!(scene.hit(t.x + 1.0, t.y + 1.0).unwrap().in_entropy_track);
        assert!(scene.hit(1.0, 1.0).is_none());
    }

    #[test]
    fn palette_is_distinct_and_has_a_second_cue() {
        assert!(PALETTE.len() >= 10);
        let mut seen = std::collections::HashSet::new();
        for i in 0..24 {
            let s = cluster_style(i);
            assert!(seen.insert((s.colour, s.pattern)), "cluster {i} repeats a style");
            assert!(s.fill_rgba.starts_with("rgba(") && s.stroke.len() == 7);
            assert_eq!(s.tag, (i + 1).to_string());
        }
        let colours: std::collections::HashSet<_> = PALETTE.iter().collect();
        assert_eq!(colours.len(), PALETTE.len());
        assert_eq!(cluster_style(0).fill_rgba, "rgba(230,159,0,0.22)");
        assert!(cluster_style(1).css_swatch().contains("45deg"));
        assert_eq!(cluster_style(0).css_swatch(), "#E69F00");
        // Names when they fit, tags when only they fit, nothing in slivers.
        assert_eq!(band_label("QRS", "2", 40.0, 10.0).as_deref(), Some("QRS"));
        assert_eq!(band_label("baseline", "2", 15.0, 10.0).as_deref(), Some("2"));
        assert_eq!(band_label("baseline", "2", 3.0, 10.0), None);
    }

    #[test]
    fn hatches_stay_inside_their_rect() {
        let r = Rect::new(10.3, 20.7, 33.1, 11.0);
        for pat in Pattern::ALL {
            let mut n = 0;
            hatch(&r, pat, HATCH_SPACING_PX, |s| {
                n += 1;
                for (x, y) in [(s.x0, s.y0), (s.x1, s.y1)] {
                    assert!(x as f64 >= r.x - 1e-3 && x as f64 <= r.right() + 1e-3, "{pat:?} x {x}");
                    assert!(y as f64 >= r.y - 1e-3 && y as f64 <= r.bottom() + 1e-3, "{pat:?} y {y}");
                }
            });
            assert_eq!(n == 0, pat == Pattern::Solid, "{pat:?}");
        }
        // Anchored to absolute coordinates: two halves hatch like the whole.
        let whole = Rect::new(0.0, 0.0, 40.0, 10.0);
        let count = |r: &Rect| {
            let mut n = 0;
            hatch(r, Pattern::Vertical, 5.0, |_| n += 1);
            n
        };
        assert_eq!(count(&whole), count(&Rect::new(0.0, 0.0, 20.0, 10.0)) + count(&Rect::new(20.0, 0.0, 20.0, 10.0)));
    }

    #[test]
    fn path_data_is_compact_svg() {
        let mut p = PathData::new();
        p.move_to(1.0, 2.5);
        p.line_to(-3.256, 1234.999);
        p.rect(&Rect::new(0.0, 0.0, 2.0, 1.0));
        assert_eq!(p.as_str(), "M1 2.5L-3.26 1235M0 0h2v1h-2Z");
        p.clear();
        p.line_to(f64::NAN, 0.05);
        assert_eq!(p.as_str(), "L0 0.05");
        p.clear();
        p.polyline(&[(0.0, 0.0), (1.5, -0.25)]);
        assert_eq!(p.as_str(), "M0 0L1.5 -0.25");
    }

    #[test]
    fn settings_round_trip_and_layout_ids() {
        for l in Layout::ALL {
            assert_eq!(Layout::from_id(l.id()), Some(l));
        }
        assert_eq!(Layout::from_id("nope"), None);
        let s = PaperSettings::default();
        assert_eq!((s.speed_mm_per_s, s.gain_mm_per_mv, s.layout), (25.0, 10.0, Layout::ThreeByFourWithRhythm));
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<PaperSettings>(&json).unwrap(), s);
        // Missing fields take defaults.
        let partial: PaperSettings = serde_json::from_str(r#"{"speed_mm_per_s":50}"#).unwrap();
        assert_eq!(partial.speed_mm_per_s, 50.0);
        assert_eq!(partial.gain_mm_per_mv, 10.0);
    }

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

    #[test]
    fn row_heights_follow_the_gain() {
        assert_eq!(row_metrics_mm(10.0), (30.0, 20.0));
        assert_eq!(row_metrics_mm(5.0), (15.0, 10.0));
        assert_eq!(row_metrics_mm(20.0), (60.0, 40.0));
    }

    #[test]
    fn a_full_frame_of_twelve_leads_is_cheap() {
        // 12 leads × 10 s at 500 Hz through scene + traces + bands + path strings, natively: a sanity
        // bound on the per-frame work (the browser adds the canvas calls).
        let fs = 500.0;
        let samples: Vec<f32> = (0..5000).map(|i| (i as f32 * 0.05).sin()).collect();
        let cluster: Vec<u8> = (0..5000).map(|i| ((i / 40) % 6) as u8).collect();
        let start = std::time::Instant::now();
        let mut poly = Vec::new();
        let mut bands = Vec::new();
        let mut path = PathData::new();
        for _ in 0..10 {
            let scene =
                layout_scene(&PaperSettings::default(), &View::default(), &names12(), 10.0, 1400.0, CSS_PX_PER_MM);
            path.clear();
            for p in &scene.panels {
                trace_polyline_into(&samples, fs, p, &mut poly);
                path.polyline(&poly);
                cluster_bands_into(&cluster, fs, p, &mut bands);
                entropy_polyline_into(&samples, 1.0, fs, p, &mut poly);
                path.polyline(&poly);
            }
            for s in &scene.grid.minor {
                path.segment(s);
            }
            assert!(!path.is_empty());
        }
        let per_frame = start.elapsed().as_secs_f64() / 10.0;
        assert!(per_frame < 0.05, "{per_frame} s per frame");
    }
}
