//! The display list: everything the canvas draws for one frame, as primitive drawing operations in CSS px.
//!
//! [`display_list`] lays out the paper for a record, a layer and a view, and turns it into [`DrawOp`]s in the
//! order they are painted: the paper; the cluster bands (a light wash behind everything); the 1 mm and 5 mm
//! grid; the cue strips with their hatch and labels; the entropy tracks with their scale; the ink (calibration
//! pulses, column marks, all traces); the cardiologists' wave marks; the lead names; the caption. The web crate
//! only sizes the canvas from [`DisplayList::surface`] and replays the operations one by one.
//!
//! Drawing stays batched: one path per colour (each cluster's bands, cue strips and hatch, the grid's two
//! weights, the entropy areas, all the ink), so a redraw of 12 leads × 10 s is a few dozen operations plus one
//! per label. Thin lines are snapped to device pixels and band edges to device pixel edges, which is why the
//! list is made for a [`Surface`] (the device pixel ratio). Labels are placed without measuring text: the
//! width estimates are in [`super::text`].
//!
//! [`DisplayBuffers`] keep the buffers of one frame for the next (polylines, bands and, once a list is handed
//! back with [`DisplayBuffers::recycle`], its path strings), so panning allocates nothing per sample.

use std::borrow::Cow;

use super::bands::{cluster_bands_into, wave_marks, Band};
use super::geometry::{Rect, Segment};
use super::layout::{layout_scene, Scene};
use super::path::PathData;
use super::settings::PaperSettings;
use super::style::{
    cluster_style, hatch, ClusterStyle, Colour, CAPTION, ENTROPY_BG, ENTROPY_BORDER, ENTROPY_FILL, GRID_MAJOR,
    GRID_MINOR, HATCH_SPACING_PX, LABEL, PAPER_BG, TRACE, TRACE_WIDTH_PX, WAVE_BAR, WAVE_BAR_PX,
};
use super::surface::Surface;
use super::text::{band_label, wave_label_fits, Font, TextAlign, TextBaseline, TextStyle};
use super::trace::{entropy_polyline_into, trace_polyline_into};
use super::view::View;
use crate::explain::{Explanation, LayerExplanation};

/// Lead names, just under the cue strip at the start of each panel.
const LEAD_NAME: TextStyle = text_style(Font::Lead, TextAlign::Left, TextBaseline::Top, LABEL);
/// Cluster names and tags, centred in their band's cue strip (coloured per cluster).
const BAND_NAME: TextStyle = text_style(Font::Band, TextAlign::Center, TextBaseline::Middle, CAPTION);
/// The entropy scale, right-aligned in the gutter against the track's top and bottom.
const ENTROPY_SCALE_TOP: TextStyle = text_style(Font::Small, TextAlign::Right, TextBaseline::Top, CAPTION);
const ENTROPY_SCALE_BOTTOM: TextStyle = text_style(Font::Small, TextAlign::Right, TextBaseline::Bottom, CAPTION);
/// Wave names, centred over their bar.
const WAVE_NAME: TextStyle = text_style(Font::Small, TextAlign::Center, TextBaseline::Bottom, WAVE_BAR);
/// The caption, in the footer at the start of the trace area.
const FOOTER: TextStyle = text_style(Font::Caption, TextAlign::Left, TextBaseline::Middle, CAPTION);

const fn text_style(font: Font, align: TextAlign, baseline: TextBaseline, colour: &'static str) -> TextStyle {
    TextStyle { font, align, baseline, colour: Cow::Borrowed(colour) }
}

/// One primitive drawing operation, in CSS px. Strokes use butt caps and miter joins (limit 4); fills use
/// the non-zero rule.
#[derive(Debug, Clone, PartialEq)]
pub enum DrawOp {
    /// Fill a rectangle.
    FillRect { rect: Rect, colour: Colour },
    /// Fill an SVG path.
    FillPath { path: PathData, colour: Colour },
    /// Stroke an SVG path with a pen `width_px` wide.
    StrokePath { path: PathData, colour: Colour, width_px: f64 },
    /// Write one line of text, anchored at (`x`, `y`) as its style's alignment and baseline say.
    Text { text: String, x: f64, y: f64, style: TextStyle },
}

/// A frame: the canvas it is for, the scene it shows (the zoom frame and the clamped view come from it),
/// and what to draw, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct DisplayList {
    pub surface: Surface,
    pub scene: Scene,
    pub ops: Vec<DrawOp>,
}

/// Duration of the record, s (from `n_samples`, else the longest lead).
pub fn duration_s(expl: &Explanation) -> f64 {
    let n = if expl.n_samples > 0 { expl.n_samples } else { expl.signal_mv.iter().map(Vec::len).max().unwrap_or(0) };
    if expl.sample_rate_hz > 0.0 {
        n as f64 / expl.sample_rate_hz
    } else {
        0.0
    }
}

/// The display list of `expl` with the clusters of `layer` (none for `None` or an unknown layer) in a canvas
/// `css_width_px` wide on a screen with this `devicePixelRatio`. Without a layer there is no entropy track.
/// `buffers` are kept from one frame to the next (a fresh [`DisplayBuffers::default`] for a one-off list):
/// the result does not depend on them.
pub fn display_list(
    expl: &Explanation,
    layer: Option<usize>,
    settings: &PaperSettings,
    view: &View,
    css_width_px: f64,
    device_pixel_ratio: f64,
    buffers: &mut DisplayBuffers,
) -> DisplayList {
    let layer = layer.and_then(|i| expl.layers.get(i));
    let mut settings = settings.clone();
    settings.show_entropy &= layer.is_some();
    let scene = layout_scene(&settings, view, &expl.leads, duration_s(expl), css_width_px, settings.px_per_mm);
    let surface = Surface::new(css_width_px, scene.height, device_pixel_ratio);
    let mut ops = vec![DrawOp::FillRect {
        rect: Rect::new(0.0, 0.0, surface.css_width, surface.css_height),
        colour: PAPER_BG.into(),
    }];

    let mut cues = Vec::new();
    let mut band_labels = Vec::new();
    if let Some(l) = layer {
        buffers.cluster_cues(expl, l, &scene, &settings, &surface, &mut cues, &mut band_labels);
        for cue in &mut cues {
            let path = std::mem::take(&mut cue.band_fill);
            buffers.fill(&mut ops, path, cue.style.fill_rgba.clone().into());
        }
    }
    buffers.grid(&scene, &surface, &mut ops);
    for cue in cues {
        let width_px = cue.style.hatch_width_px();
        buffers.fill(&mut ops, cue.strip_fill, cue.style.strip_rgba.into());
        buffers.stroke(&mut ops, cue.strip_hatch, cue.style.stroke.into(), width_px);
    }
    ops.append(&mut band_labels);
    if let Some(l) = layer {
        buffers.entropy(l, expl.sample_rate_hz, &scene, &surface, &mut ops);
    }
    buffers.ink(expl, &scene, &mut ops);
    buffers.wave_marks(expl, &scene, &mut ops);
    for p in scene.panels.iter().filter(|p| !p.label.is_empty()) {
        // A lead with a quality flag says so beside its name ("V5 ⚠ flat"; the row's Notes and the JSON say more).
        let flags: Vec<&str> =
            expl.quality.iter().filter(|q| q.lead == p.label).flat_map(|q| q.flags.iter().map(|f| f.short())).collect();
        let label = match flags.is_empty() {
            true => p.label.clone(),
            false => format!("{} ⚠ {}", p.label, flags.join(", ")),
        };
        ops.push(text(&label, p.rect.x + 4.0, p.cue_strip.bottom() + 2.0, LEAD_NAME));
    }
    let footer_y = scene.footer.y + scene.footer.h / 2.0;
    let caption = caption(expl, layer, &settings, scene.view.zoom);
    ops.push(text(&caption, scene.frame.x0, footer_y, FOOTER));
    DisplayList { surface, scene, ops }
}

/// The buffers a display list is made with, kept from one frame to the next.
#[derive(Debug, Default)]
pub struct DisplayBuffers {
    poly: Vec<(f32, f32)>,
    bands: Vec<Band>,
    spare_paths: Vec<PathData>,
}

/// One cluster's batched paths, collected while walking the bands.
struct ClusterCue {
    style: ClusterStyle,
    band_fill: PathData,
    strip_fill: PathData,
    strip_hatch: PathData,
}

impl DisplayBuffers {
    /// Hand a drawn list back: its path strings are reused by the next [`display_list`].
    pub fn recycle(&mut self, list: DisplayList) {
        // Reversed, so that the next frame takes the buffers back in the order this one used them.
        for op in list.ops.into_iter().rev() {
            if let DrawOp::FillPath { mut path, .. } | DrawOp::StrokePath { mut path, .. } = op {
                path.clear();
                self.spare_paths.push(path);
            }
        }
    }

    fn path(&mut self) -> PathData {
        self.spare_paths.pop().unwrap_or_default()
    }

    fn fill(&mut self, ops: &mut Vec<DrawOp>, path: PathData, colour: Colour) {
        if path.is_empty() {
            self.spare_paths.push(path);
        } else {
            ops.push(DrawOp::FillPath { path, colour });
        }
    }

    fn stroke(&mut self, ops: &mut Vec<DrawOp>, path: PathData, colour: Colour, width_px: f64) {
        if path.is_empty() {
            self.spare_paths.push(path);
        } else {
            ops.push(DrawOp::StrokePath { path, colour, width_px });
        }
    }

    /// Per cluster of the layer: the bands over the trace areas, the cue strips and their hatch; and the labels
    /// that fit in the strips. Band edges are snapped to device pixel edges.
    #[allow(clippy::too_many_arguments)]
    fn cluster_cues(
        &mut self,
        expl: &Explanation,
        layer: &LayerExplanation,
        scene: &Scene,
        settings: &PaperSettings,
        surface: &Surface,
        cues: &mut Vec<ClusterCue>,
        labels: &mut Vec<DrawOp>,
    ) {
        let max_cluster = layer.cluster.iter().copied().max().map_or(0, |m| m as usize);
        let k = layer.k.max(layer.cluster_names.len()).max(1 + max_cluster);
        for i in 0..k {
            let (band_fill, strip_fill, strip_hatch) = (self.path(), self.path(), self.path());
            cues.push(ClusterCue { style: cluster_style(i), band_fill, strip_fill, strip_hatch });
        }
        for p in &scene.panels {
            cluster_bands_into(&layer.cluster, expl.sample_rate_hz, p, &mut self.bands);
            for b in &self.bands {
                let cluster = b.cluster as usize;
                let (x0, x1) = (surface.edge_x(b.x0), surface.edge_x(b.x1));
                let Some(cue) = cues.get_mut(cluster) else { continue };
                if x1 <= x0 {
                    continue;
                }
                cue.band_fill.rect(&Rect::new(x0, p.rect.y, x1 - x0, p.rect.h));
                let strip = Rect::new(x0, p.cue_strip.y, x1 - x0, p.cue_strip.h);
                cue.strip_fill.rect(&strip);
                if strip.w >= 2.0 {
                    let hatch_path = &mut cue.strip_hatch;
                    hatch(&strip, cue.style.pattern, HATCH_SPACING_PX, |s| hatch_path.segment(&s));
                }
                if !settings.show_cluster_labels {
                    continue;
                }
                let name = layer.cluster_names.get(cluster).map_or("", String::as_str);
                if let Some(label) = band_label(name, &cue.style.tag, x1 - x0, Font::Band.px()) {
                    let (x, y) = ((x0 + x1) / 2.0, strip.y + strip.h / 2.0);
                    let style = TextStyle { colour: cue.style.stroke.clone().into(), ..BAND_NAME };
                    labels.push(text(label, x, y, style));
                }
            }
        }
    }

    /// 1 mm lines one device pixel wide, 5 mm lines about one CSS pixel.
    fn grid(&mut self, scene: &Scene, surface: &Surface, ops: &mut Vec<DrawOp>) {
        let device_px = surface.device_px();
        let (mut minor, mut major) = (self.path(), self.path());
        for s in &scene.grid.minor {
            push_grid_line(&mut minor, s, surface);
        }
        for s in &scene.grid.major {
            push_grid_line(&mut major, s, surface);
        }
        self.stroke(ops, minor, GRID_MINOR.into(), device_px);
        self.stroke(ops, major, GRID_MAJOR.into(), surface.scale_x().round().max(1.0) * device_px);
    }

    /// The entropy tracks on the fixed `[0, ln K]` scale, and the scale in the gutter.
    fn entropy(
        &mut self,
        layer: &LayerExplanation,
        sample_rate_hz: f64,
        scene: &Scene,
        surface: &Surface,
        ops: &mut Vec<DrawOp>,
    ) {
        let (mut tracks, mut area) = (self.path(), self.path());
        for p in &scene.panels {
            let Some(track) = p.entropy_track else { continue };
            tracks.rect(&track);
            entropy_polyline_into(&layer.entropy, layer.max_entropy, sample_rate_hz, p, &mut self.poly);
            if let (Some(first), Some(last)) = (self.poly.first().copied(), self.poly.last().copied()) {
                let bottom = track.bottom();
                area.move_to(first.0 as f64, bottom);
                for &(x, y) in &self.poly {
                    area.line_to(x as f64, y as f64);
                }
                area.line_to(last.0 as f64, bottom);
                area.close();
            }
        }
        if tracks.is_empty() {
            self.spare_paths.extend([tracks, area]);
            return;
        }
        let mut border = self.path();
        border.clone_from(&tracks);
        self.fill(ops, tracks, ENTROPY_BG.into());
        self.fill(ops, area, ENTROPY_FILL.into());
        self.stroke(ops, border, ENTROPY_BORDER.into(), surface.device_px());
        // The scale, in the gutter: 0 at the bottom, ln K at the top.
        let x = scene.frame.x0 - 2.0;
        for t in scene.rows.iter().filter_map(|row| row.entropy_track) {
            ops.push(text("ln K", x, t.y, ENTROPY_SCALE_TOP));
            ops.push(text("0", x, t.bottom(), ENTROPY_SCALE_BOTTOM));
        }
    }

    /// Calibration pulses, column marks and all traces in one stroke.
    fn ink(&mut self, expl: &Explanation, scene: &Scene, ops: &mut Vec<DrawOp>) {
        let mut ink = self.path();
        for pulse in &scene.calibration {
            ink.polyline(pulse);
        }
        for m in &scene.column_marks {
            ink.segment(m);
        }
        for p in &scene.panels {
            let Some(samples) = expl.signal_mv.get(p.lead) else { continue };
            trace_polyline_into(samples, expl.sample_rate_hz, p, &mut self.poly);
            ink.polyline(&self.poly);
        }
        self.stroke(ops, ink, TRACE.into(), TRACE_WIDTH_PX);
    }

    /// Cardiologists' waves (LUDB-style annotations), when the record came with them: a bar from onset to offset
    /// along the bottom of the lead's panel, labelled P / QRS / T, to hold against the cluster bands above.
    fn wave_marks(&mut self, expl: &Explanation, scene: &Scene, ops: &mut Vec<DrawOp>) {
        if expl.annotations.is_empty() {
            return;
        }
        let mut bars = self.path();
        let mut labels = Vec::new();
        for p in &scene.panels {
            let Some(lead) = expl.leads.get(p.lead) else { continue };
            let Some(annotated) = expl.annotations.iter().find(|a| &a.lead == lead) else { continue };
            let y = p.rect.bottom() - WAVE_BAR_PX - 1.0;
            for m in wave_marks(&annotated.waves, expl.sample_rate_hz, p) {
                bars.rect(&Rect::new(m.x0, y, (m.x1 - m.x0).max(1.0), WAVE_BAR_PX));
                let name = m.kind.name();
                if wave_label_fits(name, m.x1 - m.x0) {
                    let x = (m.x0 + m.x1) / 2.0;
                    labels.push(text(name, x, y - 1.0, WAVE_NAME));
                }
            }
        }
        self.fill(ops, bars, WAVE_BAR.into());
        ops.append(&mut labels);
    }
}

fn text(s: &str, x: f64, y: f64, style: TextStyle) -> DrawOp {
    DrawOp::Text { text: s.to_string(), x, y, style }
}

/// What a printed ECG says at the bottom: record, speed, gain; the layer; the time zoom when not 100 %.
fn caption(expl: &Explanation, layer: Option<&LayerExplanation>, settings: &PaperSettings, zoom: f64) -> String {
    let mut caption =
        format!("{}   {} mm/s   {} mm/mV", expl.record_name, settings.speed_mm_per_s, settings.gain_mm_per_mv);
    if let Some(l) = layer {
        caption.push_str(&format!("   layer {} (K = {})", l.layer, l.k));
    }
    if (zoom - 1.0).abs() > 1e-9 {
        caption.push_str(&format!("   time zoom {:.0} %", zoom * 100.0));
    }
    caption
}

/// A grid line on device pixel centres (vertical and horizontal lines; any other as it is).
fn push_grid_line(path: &mut PathData, s: &Segment, surface: &Surface) {
    if s.x0 == s.x1 {
        let x = surface.snap_x(s.x0);
        path.move_to(x, s.y0 as f64);
        path.line_to(x, s.y1 as f64);
    } else if s.y0 == s.y1 {
        let y = surface.snap_y(s.y0);
        path.move_to(s.x0 as f64, y);
        path.line_to(s.x1 as f64, y);
    } else {
        path.segment(s);
    }
}

#[cfg(test)]
mod tests;
