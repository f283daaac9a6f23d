//! Drawing the calibrated paper on a `<canvas>` (wasm32 only).
//!
//! All geometry comes from [`crate::paper`]; this module sizes the backing store for the screen's
//! `devicePixelRatio` (sharp on HiDPI), and replays the scene with few, batched calls: one `Path2D`
//! per colour (grid, each cluster's bands / cue strips / hatches, entropy areas, all traces), built as
//! SVG path strings in reused buffers, so a redraw of 12 leads × 10 s crosses into JS a few dozen times
//! plus one `fillText` per label.

use std::cell::RefCell;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, Path2d};

use ecglens_core::explain::{Explanation, LayerExplanation};
use ecglens_core::paper::{
    self, band_label, cluster_bands_into, cluster_style, entropy_polyline_into, hatch, trace_polyline_into, Band,
    ClusterStyle, Frame, PaperSettings, PathData, Rect, Scene, Segment, View, HATCH_SPACING_PX,
};

pub use ecglens_core::paper::{legend, LegendEntry};

const PAPER_BG: &str = "#ffffff";
const GRID_MINOR: &str = "#f6c3cd";
const GRID_MAJOR: &str = "#e5879b";
const TRACE: &str = "#000000";
const LABEL: &str = "#000000";
const ENTROPY_BG: &str = "#ffffff";
const ENTROPY_BORDER: &str = "#b0b0b0";
const ENTROPY_FILL: &str = "#6b6b6b";
const CAPTION: &str = "#444444";
/// Cardiologists' wave annotations: a dark blue that stays distinct from the trace and every cluster colour.
const WAVE_BAR: &str = "#1a3d8f";
const WAVE_BAR_PX: f64 = 3.0;
const LEAD_FONT: &str = "bold 12px system-ui, -apple-system, 'Segoe UI', sans-serif";
const BAND_FONT_PX: f64 = 9.0;
const BAND_FONT: &str = "9px system-ui, -apple-system, 'Segoe UI', sans-serif";
const SMALL_FONT: &str = "8px system-ui, -apple-system, 'Segoe UI', sans-serif";
const CAPTION_FONT: &str = "11px system-ui, -apple-system, 'Segoe UI', sans-serif";

/// Buffers reused from one frame to the next (no per-sample allocation while panning).
#[derive(Default)]
struct Scratch {
    poly: Vec<(f32, f32)>,
    bands: Vec<Band>,
    band_fill: Vec<PathData>,
    strip_fill: Vec<PathData>,
    strip_hatch: Vec<PathData>,
    labels: Vec<(f64, f64, usize, bool)>,
    grid_minor: PathData,
    grid_major: PathData,
    entropy_bg: PathData,
    entropy_area: PathData,
    ink: PathData,
}

impl Scratch {
    fn clear(&mut self, k: usize) {
        for v in [&mut self.band_fill, &mut self.strip_fill, &mut self.strip_hatch] {
            if v.len() < k {
                v.resize_with(k, PathData::new);
            }
            v.iter_mut().for_each(PathData::clear);
        }
        self.labels.clear();
        for p in
            [&mut self.grid_minor, &mut self.grid_major, &mut self.entropy_bg, &mut self.entropy_area, &mut self.ink]
        {
            p.clear();
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
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

/// The canvas's layout width in CSS px (what the paper is laid out for). Falls back to the backing
/// store's width when the canvas is not laid out (detached, `display: none`).
pub fn css_width(canvas: &HtmlCanvasElement) -> f64 {
    let w = canvas.get_bounding_client_rect().width();
    if w.is_finite() && w >= 1.0 {
        return w;
    }
    let dpr = device_pixel_ratio();
    let backing = canvas.width() as f64 / dpr;
    if backing >= 1.0 {
        backing
    } else {
        1000.0
    }
}

fn device_pixel_ratio() -> f64 {
    let d = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
    if d.is_finite() && d > 0.0 {
        d
    } else {
        1.0
    }
}

/// The frame the UI's zoom/pan handlers need (same geometry as [`draw_ecg`] uses).
pub fn frame_for(canvas: &HtmlCanvasElement, expl: &Explanation, settings: &PaperSettings) -> Frame {
    Frame::new(settings, duration_s(expl), css_width(canvas), settings.px_per_mm)
}

/// The settings actually drawn: no entropy track without a layer.
fn effective(settings: &PaperSettings, layer: Option<&LayerExplanation>) -> PaperSettings {
    let mut s = settings.clone();
    s.show_entropy &= layer.is_some();
    s
}

/// The scene [`draw_ecg`] draws for this canvas, without drawing (hit testing, tooltips).
pub fn scene_for(
    canvas: &HtmlCanvasElement,
    expl: &Explanation,
    layer: Option<usize>,
    settings: &PaperSettings,
    view: &View,
) -> Scene {
    let layer = layer.and_then(|i| expl.layers.get(i));
    let s = effective(settings, layer);
    paper::layout_scene(&s, view, &expl.leads, duration_s(expl), css_width(canvas), s.px_per_mm)
}

/// Draw the record on the canvas: paper, cluster bands of `layer` (none for `None`), traces, lead
/// labels, calibration pulses and entropy tracks. Sets the canvas's CSS height to the paper's and its
/// backing store to CSS size × devicePixelRatio.
pub fn draw_ecg(
    canvas: &HtmlCanvasElement,
    expl: &Explanation,
    layer: Option<usize>,
    settings: &PaperSettings,
    view: &View,
) -> Result<(), JsValue> {
    draw_ecg_scene(canvas, expl, layer, settings, view).map(|_| ())
}

/// [`draw_ecg`], returning the scene it drew (keep it for hit testing and the zoom frame).
pub fn draw_ecg_scene(
    canvas: &HtmlCanvasElement,
    expl: &Explanation,
    layer: Option<usize>,
    settings: &PaperSettings,
    view: &View,
) -> Result<Scene, JsValue> {
    let style = canvas.style();
    if style.get_property_value("width")?.is_empty() {
        style.set_property("width", "100%")?;
    }
    if style.get_property_value("display")?.is_empty() {
        style.set_property("display", "block")?;
    }
    let layer_ref = layer.and_then(|i| expl.layers.get(i));
    let s = effective(settings, layer_ref);
    let css_w = css_width(canvas);
    let scene = paper::layout_scene(&s, view, &expl.leads, duration_s(expl), css_w, s.px_per_mm);

    // Backing store: CSS size × devicePixelRatio (resizing clears the canvas, so only when it changes).
    let css_h = scene.height.ceil().max(1.0);
    let height_css = format!("{css_h}px");
    if style.get_property_value("height")? != height_css {
        style.set_property("height", &height_css)?;
    }
    let dpr = device_pixel_ratio();
    let bw = (css_w * dpr).round().max(1.0) as u32;
    let bh = (css_h * dpr).round().max(1.0) as u32;
    if canvas.width() != bw {
        canvas.set_width(bw);
    }
    if canvas.height() != bh {
        canvas.set_height(bh);
    }
    let ctx = canvas
        .get_context("2d")?
        .ok_or_else(|| JsValue::from_str("canvas: no 2d context"))?
        .dyn_into::<CanvasRenderingContext2d>()?;
    let sx = bw as f64 / css_w;
    let sy = bh as f64 / css_h;
    ctx.set_transform(sx, 0.0, 0.0, sy, 0.0, 0.0)?;
    ctx.set_global_alpha(1.0);
    ctx.set_line_cap("butt");
    // Miter (falling back to bevel on the sharpest turns) rasterises faster than round joins.
    ctx.set_line_join("miter");
    ctx.set_miter_limit(4.0);

    SCRATCH.with(|cell| {
        let mut guard = cell.borrow_mut();
        let k = layer_ref.map_or(0, |l| l.k.max(l.cluster_names.len()).max(1 + max_cluster(&l.cluster)));
        guard.clear(k);
        draw(&ctx, &scene, expl, layer_ref, &s, Px { sx, sy }, &mut guard, css_w, css_h)
    })?;
    Ok(scene)
}

fn max_cluster(c: &[u8]) -> usize {
    c.iter().copied().max().map_or(0, |m| m as usize)
}

/// CSS px → device px scale, to put thin lines on device pixel centres.
#[derive(Clone, Copy)]
struct Px {
    sx: f64,
    sy: f64,
}

impl Px {
    /// Centre of the device pixel containing `v` (a crisp 1-device-pixel line).
    fn snap_x(self, v: f32) -> f64 {
        ((v as f64 * self.sx).floor() + 0.5) / self.sx
    }
    fn snap_y(self, v: f32) -> f64 {
        ((v as f64 * self.sy).floor() + 0.5) / self.sy
    }
    /// Nearest device pixel edge: adjacent bands share it, so they tile without seams, and bands
    /// narrower than a device pixel vanish (their neighbours cover the column).
    fn edge_x(self, v: f32) -> f64 {
        (v as f64 * self.sx).round() / self.sx
    }
}

fn push_grid_line(path: &mut PathData, s: &Segment, px: Px) {
    if s.x0 == s.x1 {
        let x = px.snap_x(s.x0);
        path.move_to(x, s.y0 as f64);
        path.line_to(x, s.y1 as f64);
    } else if s.y0 == s.y1 {
        let y = px.snap_y(s.y0);
        path.move_to(s.x0 as f64, y);
        path.line_to(s.x1 as f64, y);
    } else {
        path.segment(s);
    }
}

fn stroke(ctx: &CanvasRenderingContext2d, path: &PathData, colour: &str, width: f64) -> Result<(), JsValue> {
    if path.is_empty() {
        return Ok(());
    }
    let p = Path2d::new_with_path_string(path.as_str())?;
    ctx.set_stroke_style_str(colour);
    ctx.set_line_width(width);
    ctx.stroke_with_path(&p);
    Ok(())
}

fn fill(ctx: &CanvasRenderingContext2d, path: &PathData, colour: &str) -> Result<(), JsValue> {
    if path.is_empty() {
        return Ok(());
    }
    let p = Path2d::new_with_path_string(path.as_str())?;
    ctx.set_fill_style_str(colour);
    ctx.fill_with_path_2d(&p);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn draw(
    ctx: &CanvasRenderingContext2d,
    scene: &Scene,
    expl: &Explanation,
    layer: Option<&LayerExplanation>,
    settings: &PaperSettings,
    px: Px,
    sc: &mut Scratch,
    css_w: f64,
    css_h: f64,
) -> Result<(), JsValue> {
    let fs = expl.sample_rate_hz;
    let device_px = 1.0 / px.sx;

    // Paper.
    ctx.set_fill_style_str(PAPER_BG);
    ctx.fill_rect(0.0, 0.0, css_w, css_h);

    // Cluster bands behind everything (a light wash over the trace area) and, collected at the same
    // time, the cue strips with their hatch and labels.
    let styles: Vec<ClusterStyle> = (0..sc.band_fill.len()).map(cluster_style).collect();
    if let Some(l) = layer {
        for p in &scene.panels {
            cluster_bands_into(&l.cluster, fs, p, &mut sc.bands);
            for b in &sc.bands {
                let k = b.cluster as usize;
                let (x0, x1) = (px.edge_x(b.x0), px.edge_x(b.x1));
                if k >= styles.len() || x1 <= x0 {
                    continue;
                }
                sc.band_fill[k].rect(&Rect::new(x0, p.rect.y, x1 - x0, p.rect.h));
                let strip = Rect::new(x0, p.cue_strip.y, x1 - x0, p.cue_strip.h);
                sc.strip_fill[k].rect(&strip);
                if strip.w >= 2.0 {
                    let hatch_path = &mut sc.strip_hatch[k];
                    hatch(&strip, styles[k].pattern, HATCH_SPACING_PX, |s| hatch_path.segment(&s));
                }
                if settings.show_cluster_labels {
                    let name = l.cluster_names.get(k).map_or("", String::as_str);
                    if let Some(text) = band_label(name, &styles[k].tag, x1 - x0, BAND_FONT_PX) {
                        let is_name = !name.is_empty() && text == name;
                        sc.labels.push(((x0 + x1) / 2.0, strip.y + strip.h / 2.0, k, is_name));
                    }
                }
            }
        }
        for (k, st) in styles.iter().enumerate() {
            fill(ctx, &sc.band_fill[k], &st.fill_rgba)?;
        }
    }

    // Grid: 1 mm lines one device pixel wide, 5 mm lines about one CSS pixel.
    for s in &scene.grid.minor {
        push_grid_line(&mut sc.grid_minor, s, px);
    }
    for s in &scene.grid.major {
        push_grid_line(&mut sc.grid_major, s, px);
    }
    stroke(ctx, &sc.grid_minor, GRID_MINOR, device_px)?;
    stroke(ctx, &sc.grid_major, GRID_MAJOR, (px.sx.round().max(1.0)) * device_px)?;

    // Cue strips: stronger colour, the cluster's hatch, then the labels.
    if let Some(l) = layer {
        for (k, st) in styles.iter().enumerate() {
            fill(ctx, &sc.strip_fill[k], &st.strip_rgba)?;
            stroke(ctx, &sc.strip_hatch[k], &st.stroke, if st.pattern == paper::Pattern::Dots { 1.5 } else { 0.8 })?;
        }
        if !sc.labels.is_empty() {
            ctx.set_font(BAND_FONT);
            ctx.set_text_align("center");
            ctx.set_text_baseline("middle");
            for &(x, y, k, is_name) in &sc.labels {
                let text = if is_name { l.cluster_names[k].as_str() } else { styles[k].tag.as_str() };
                ctx.set_fill_style_str(&styles[k].stroke);
                ctx.fill_text(text, x, y)?;
            }
        }
    }

    // Entropy tracks on the fixed [0, ln K] scale.
    if let Some(l) = layer {
        for p in &scene.panels {
            let Some(track) = p.entropy_track else { continue };
            sc.entropy_bg.rect(&track);
            entropy_polyline_into(&l.entropy, l.max_entropy, fs, p, &mut sc.poly);
            if let (Some(first), Some(last)) = (sc.poly.first().copied(), sc.poly.last().copied()) {
                let bottom = track.bottom();
                sc.entropy_area.move_to(first.0 as f64, bottom);
                for &(x, y) in &sc.poly {
                    sc.entropy_area.line_to(x as f64, y as f64);
                }
                sc.entropy_area.line_to(last.0 as f64, bottom);
                sc.entropy_area.close();
            }
        }
        if !sc.entropy_bg.is_empty() {
            fill(ctx, &sc.entropy_bg, ENTROPY_BG)?;
            fill(ctx, &sc.entropy_area, ENTROPY_FILL)?;
            stroke(ctx, &sc.entropy_bg, ENTROPY_BORDER, device_px)?;
            // The scale, in the gutter: 0 at the bottom, ln K at the top.
            ctx.set_font(SMALL_FONT);
            ctx.set_text_align("right");
            ctx.set_fill_style_str(CAPTION);
            let x = scene.frame.x0 - 2.0;
            for row in &scene.rows {
                if let Some(t) = row.entropy_track {
                    ctx.set_text_baseline("top");
                    ctx.fill_text("ln K", x, t.y)?;
                    ctx.set_text_baseline("bottom");
                    ctx.fill_text("0", x, t.bottom())?;
                }
            }
        }
    }

    // Ink: calibration pulses, column marks and all traces in one stroke.
    for pulse in &scene.calibration {
        sc.ink.polyline(pulse);
    }
    for m in &scene.column_marks {
        sc.ink.segment(m);
    }
    for p in &scene.panels {
        let Some(samples) = expl.signal_mv.get(p.lead) else { continue };
        trace_polyline_into(samples, fs, p, &mut sc.poly);
        sc.ink.polyline(&sc.poly);
    }
    stroke(ctx, &sc.ink, TRACE, 1.1)?;

    // Cardiologists' waves (LUDB-style annotations), when the record came with them: a bar from onset to offset
    // along the bottom of the lead's panel, labelled P / QRS / T, to hold against the cluster bands above.
    if !expl.annotations.is_empty() {
        let mut bars = PathData::new();
        let mut labels = Vec::new();
        for p in &scene.panels {
            let Some(lead) = expl.leads.get(p.lead) else { continue };
            let Some(annotated) = expl.annotations.iter().find(|a| &a.lead == lead) else { continue };
            let y = p.rect.bottom() - WAVE_BAR_PX - 1.0;
            for m in paper::wave_marks(&annotated.waves, fs, p) {
                bars.rect(&Rect::new(m.x0, y, (m.x1 - m.x0).max(1.0), WAVE_BAR_PX));
                labels.push(((m.x0 + m.x1) / 2.0, y - 1.0, m.x1 - m.x0, m.kind.name()));
            }
        }
        fill(ctx, &bars, WAVE_BAR)?;
        ctx.set_font(SMALL_FONT);
        ctx.set_text_align("center");
        ctx.set_text_baseline("bottom");
        ctx.set_fill_style_str(WAVE_BAR);
        for (x, y, width, name) in labels {
            if width >= 3.0 * name.len() as f64 {
                ctx.fill_text(name, x, y)?;
            }
        }
    }

    // Lead labels, just under the cue strip at the start of each panel.
    ctx.set_font(LEAD_FONT);
    ctx.set_text_align("left");
    ctx.set_text_baseline("top");
    ctx.set_fill_style_str(LABEL);
    for p in &scene.panels {
        ctx.fill_text(&p.label, p.rect.x + 4.0, p.cue_strip.bottom() + 2.0)?;
    }

    // Caption: what a printed ECG says at the bottom.
    let mut caption =
        format!("{}   {} mm/s   {} mm/mV", expl.record_name, settings.speed_mm_per_s, settings.gain_mm_per_mv);
    if let Some(l) = layer {
        caption.push_str(&format!("   layer {} (K = {})", l.layer, l.k));
    }
    if (scene.view.zoom - 1.0).abs() > 1e-9 {
        caption.push_str(&format!("   time zoom {:.0} %", scene.view.zoom * 100.0));
    }
    ctx.set_font(CAPTION_FONT);
    ctx.set_text_baseline("middle");
    ctx.set_fill_style_str(CAPTION);
    ctx.fill_text(&caption, scene.frame.x0, scene.footer.y + scene.footer.h / 2.0)?;
    Ok(())
}
