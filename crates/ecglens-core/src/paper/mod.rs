//! The calibrated ECG paper: pure geometry, no web dependency, unit-tested natively.
//!
//! Everything the canvas draws is decided here, in CSS pixels, and handed over as a [`DisplayList`]: the
//! panels of a layout (3×4 with a lead II rhythm strip, 6×2, 12×1), the 1 mm / 5 mm grid, the 1 mV calibration
//! pulses, the traces (min/max decimated per pixel column), the cluster bands with their second, non-colour cue
//! (a hatch pattern and a short label), the entropy tracks on the fixed `[0, ln K]` scale, the cardiologists'
//! wave marks and the caption. `web::canvas` only replays the list.
//!
//! Physical calibration: at 100 % zoom one millimetre of paper is `px_per_mm` CSS pixels
//! ([`CSS_PX_PER_MM`] = 96 / 25.4 by default, the CSS reference), so 25 mm/s and 10 mm/mV are true to
//! scale. Zoom stretches the time axis only (the amplitude scale is the gain); the time grid stays
//! anchored to 1 mm = 1/speed seconds and 5 mm = 5/speed seconds, so boxes keep their meaning.
//!
//! Time mapping: within one row, columns are contiguous in pixels *and* in time, so across the whole
//! paper `t = pan_s + (x - frame.x0) / (px_per_s · zoom)`; that is what makes anchored zoom exact.
//!
//! The modules, in the order a frame is made:
//! - [`settings`]: what the paper looks like (layout, speed, gain), serializable for the export manifest;
//! - [`view`]: the horizontal [`Frame`] and the zoom/pan [`View`] with its keys and wheel;
//! - [`layout`]: rows and panels of a [`Scene`], calibration pulses, column marks, footer;
//! - [`grid`]: the 1 mm and 5 mm lines;
//! - [`trace`]: traces and entropy as decimated polylines;
//! - [`bands`]: cluster runs and annotated waves as horizontal spans of a panel;
//! - [`style`]: the colour-blind-safe palette, hatch patterns; [`legend`]: the cluster legend;
//! - [`text`]: fonts, alignment and whether a label fits; [`path`]: SVG path strings;
//! - [`surface`]: the canvas's backing store and device-pixel snapping;
//! - [`display`]: all of the above as a list of drawing operations.

pub mod bands;
pub mod display;
pub mod geometry;
pub mod grid;
pub mod layout;
pub mod legend;
pub mod path;
pub mod settings;
pub mod style;
pub mod surface;
pub mod text;
pub mod trace;
pub mod view;

pub use bands::{cluster_bands, cluster_bands_into, wave_marks, Band, WaveMark};
pub use display::{display_list, duration_s, DisplayBuffers, DisplayList, DrawOp};
pub use geometry::{Rect, Segment};
pub use grid::Grid;
pub use layout::{layout_scene, Panel, Row, Scene};
pub use legend::{legend, LegendEntry};
pub use path::PathData;
pub use settings::{Layout, PaperSettings};
pub use style::{cluster_style, hatch, ClusterStyle, Colour, Pattern, HATCH_SPACING_PX, PALETTE};
pub use surface::Surface;
pub use text::{band_label, Font, TextAlign, TextBaseline, TextStyle};
pub use trace::{entropy_polyline, entropy_polyline_into, trace_polyline, trace_polyline_into};
pub use view::{wheel_factor, Frame, View};

/// CSS pixels per millimetre at 100 % zoom (the CSS reference pixel: 96 per inch).
pub const CSS_PX_PER_MM: f64 = 96.0 / 25.4;
/// Paper speeds offered by the UI, mm/s.
pub const SPEEDS_MM_PER_S: [f64; 2] = [25.0, 50.0];
/// Gains offered by the UI, mm/mV.
pub const GAINS_MM_PER_MV: [f64; 3] = [5.0, 10.0, 20.0];
/// The twelve standard leads, in the conventional order (one list for the whole core: `signal::leads`).
pub use crate::signal::leads::STANDARD_12 as STANDARD_LEADS;
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

/// A usable positive length, rate or spacing.
fn positive(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

/// Helpers shared by the unit tests of the paper's modules.
#[cfg(test)]
mod test_support {
    use super::*;

    pub fn names12() -> Vec<String> {
        STANDARD_LEADS.iter().map(|s| s.to_string()).collect()
    }

    pub fn wide_scene(settings: &PaperSettings, duration_s: f64) -> Scene {
        layout_scene(settings, &View::default(), &names12(), duration_s, 4000.0, CSS_PX_PER_MM)
    }

    pub fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    pub fn frame(duration_s: f64, width: f64) -> Frame {
        Frame::new(&PaperSettings::default(), duration_s, width, CSS_PX_PER_MM)
    }
}
