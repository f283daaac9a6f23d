//! The paper's colours and pens, and how a cluster is drawn: a colour-blind-safe palette and, as the second,
//! non-colour cue, a hatch pattern (anchored to absolute coordinates so adjacent rectangles of one cluster join
//! seamlessly) and a tag.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::geometry::{Rect, Segment};
use super::positive;

/// A CSS colour (`#RRGGBB` or `rgba(...)`).
pub type Colour = Cow<'static, str>;

/// The paper under everything.
pub const PAPER_BG: &str = "#ffffff";
/// The 1 mm lines.
pub const GRID_MINOR: &str = "#f6c3cd";
/// The 5 mm lines.
pub const GRID_MAJOR: &str = "#e5879b";
/// Traces, calibration pulses and column marks.
pub const TRACE: &str = "#000000";
/// Lead names.
pub const LABEL: &str = "#000000";
/// The entropy track's background, border and area.
pub const ENTROPY_BG: &str = "#ffffff";
pub const ENTROPY_BORDER: &str = "#b0b0b0";
pub const ENTROPY_FILL: &str = "#6b6b6b";
/// The caption and the entropy scale.
pub const CAPTION: &str = "#444444";
/// Cardiologists' wave annotations: a dark blue that stays distinct from the trace and every cluster colour.
pub const WAVE_BAR: &str = "#1a3d8f";
/// Height of a wave annotation's bar, CSS px.
pub const WAVE_BAR_PX: f64 = 3.0;
/// Pen of the traces, CSS px.
pub const TRACE_WIDTH_PX: f64 = 1.1;
/// Pen of the hatch lines, and of the dots (1.5 px dashes), CSS px.
pub const HATCH_WIDTH_PX: f64 = 0.8;
pub const DOT_WIDTH_PX: f64 = 1.5;

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
    /// Pen of this cluster's hatch, CSS px.
    pub fn hatch_width_px(&self) -> f64 {
        if self.pattern == Pattern::Dots {
            DOT_WIDTH_PX
        } else {
            HATCH_WIDTH_PX
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!((cluster_style(0).hatch_width_px(), cluster_style(7).hatch_width_px()), (0.8, 1.5));
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
}
