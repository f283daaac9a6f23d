//! The 1 mm (minor) and 5 mm (major) grid of the paper: time lines anchored to absolute time (the paper moves
//! with the trace), physical millimetres in the gutter, amplitude lines from each row's baseline. Lines closer
//! than [`MIN_GRID_SPACING_PX`] are left out.

use super::geometry::Segment;
use super::layout::Row;
use super::settings::PaperSettings;
use super::view::{Frame, View};
use super::MIN_GRID_SPACING_PX;

/// The 1 mm (minor) and 5 mm (major) grid lines.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Grid {
    pub minor: Vec<Segment>,
    pub major: Vec<Segment>,
    /// Spacing of the time lines at this zoom, CSS px per mm of paper.
    pub px_per_mm_x: f64,
    pub px_per_mm_y: f64,
}

pub(super) fn build_grid(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paper::layout::layout_scene;
    use crate::paper::settings::Layout;
    use crate::paper::test_support::{close, names12, wide_scene};
    use crate::paper::CSS_PX_PER_MM;

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
}
