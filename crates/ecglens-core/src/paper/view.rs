//! Zoom and pan: the horizontal [`Frame`] a record is shown in, the [`View`] (time-axis zoom, pan) that the UI
//! moves with the wheel, drags and keys, and [`wheel_factor`]. Pure: the UI feeds events and redraws.

use serde::{Deserialize, Serialize};

use super::settings::PaperSettings;
use super::{CSS_PX_PER_MM, GUTTER_MM, KEY_PAN_FRACTION, KEY_ZOOM_STEP, RIGHT_MARGIN_MM, ZOOM_MAX, ZOOM_MIN};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paper::layout::layout_scene;
    use crate::paper::test_support::{close, frame, names12};

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
}
