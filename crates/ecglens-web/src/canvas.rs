//! Drawing the calibrated paper on a `<canvas>` (wasm32 only).
//!
//! What to draw is decided in [`ecglens_core::paper::display`]: a display list of fills, strokes and texts
//! in CSS px, made for this canvas's width and the screen's `devicePixelRatio`. This module only sizes the
//! backing store (CSS size × devicePixelRatio: sharp on HiDPI) and replays the list op by op, each path as
//! one `Path2D`, so a redraw of 12 leads × 10 s crosses into JS a few dozen times plus once per label. The
//! list's buffers are handed back to a per-thread builder and reused by the next frame.

use std::cell::RefCell;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, Path2d};

use ecglens_core::explain::Explanation;
use ecglens_core::paper::{
    display_list, DisplayBuffers, DisplayList, DrawOp, Font, Frame, PaperSettings, TextAlign, TextBaseline, TextStyle,
    View,
};

pub use ecglens_core::paper::{duration_s, legend, LegendEntry};

thread_local! {
    static BUFFERS: RefCell<DisplayBuffers> = RefCell::new(DisplayBuffers::default());
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

/// Draw the record on the canvas: paper, cluster bands of `layer` (none for `None`), traces, lead
/// labels, calibration pulses and entropy tracks. Sets the canvas's CSS height to the paper's and its
/// backing store to CSS size × devicePixelRatio. The display list's buffers are kept for the next frame.
pub fn draw_ecg(
    canvas: &HtmlCanvasElement,
    expl: &Explanation,
    layer: Option<usize>,
    settings: &PaperSettings,
    view: &View,
) -> Result<(), JsValue> {
    let style = canvas.style();
    if style.get_property_value("width")?.is_empty() {
        style.set_property("width", "100%")?;
    }
    if style.get_property_value("display")?.is_empty() {
        style.set_property("display", "block")?;
    }
    let css_w = css_width(canvas);
    let dpr = device_pixel_ratio();
    let list = BUFFERS.with(|b| display_list(expl, layer, settings, view, css_w, dpr, &mut b.borrow_mut()));
    let drawn = replay(canvas, &list);
    BUFFERS.with(|b| b.borrow_mut().recycle(list));
    drawn
}

/// Size the canvas for the list (resizing clears it, so only when the size changes) and draw every op.
fn replay(canvas: &HtmlCanvasElement, list: &DisplayList) -> Result<(), JsValue> {
    let surface = &list.surface;
    let style = canvas.style();
    let height_css = format!("{}px", surface.css_height);
    if style.get_property_value("height")? != height_css {
        style.set_property("height", &height_css)?;
    }
    if canvas.width() != surface.backing_width {
        canvas.set_width(surface.backing_width);
    }
    if canvas.height() != surface.backing_height {
        canvas.set_height(surface.backing_height);
    }
    let ctx = canvas
        .get_context("2d")?
        .ok_or_else(|| JsValue::from_str("canvas: no 2d context"))?
        .dyn_into::<CanvasRenderingContext2d>()?;
    ctx.set_transform(surface.scale_x(), 0.0, 0.0, surface.scale_y(), 0.0, 0.0)?;
    ctx.set_global_alpha(1.0);
    ctx.set_line_cap("butt");
    // Miter (falling back to bevel on the sharpest turns) rasterises faster than round joins.
    ctx.set_line_join("miter");
    ctx.set_miter_limit(4.0);
    let mut text_state = TextState::default();
    for op in &list.ops {
        match op {
            DrawOp::FillRect { rect, colour } => {
                ctx.set_fill_style_str(colour);
                ctx.fill_rect(rect.x, rect.y, rect.w, rect.h);
            }
            DrawOp::FillPath { path, colour } => {
                let p = Path2d::new_with_path_string(path.as_str())?;
                ctx.set_fill_style_str(colour);
                ctx.fill_with_path_2d(&p);
            }
            DrawOp::StrokePath { path, colour, width_px } => {
                let p = Path2d::new_with_path_string(path.as_str())?;
                ctx.set_stroke_style_str(colour);
                ctx.set_line_width(*width_px);
                ctx.stroke_with_path(&p);
            }
            DrawOp::Text { text, x, y, style } => {
                text_state.set(&ctx, style);
                ctx.fill_text(text, *x, *y)?;
            }
        }
        if matches!(op, DrawOp::FillRect { .. } | DrawOp::FillPath { .. }) {
            text_state.colour.clear();
        }
    }
    Ok(())
}

/// The text settings last given to the context: runs of labels in one font and colour set them once.
#[derive(Default)]
struct TextState {
    font: Option<Font>,
    align: Option<TextAlign>,
    baseline: Option<TextBaseline>,
    /// The fill colour, empty when a fill changed it.
    colour: String,
}

impl TextState {
    fn set(&mut self, ctx: &CanvasRenderingContext2d, style: &TextStyle) {
        if self.font != Some(style.font) {
            ctx.set_font(style.font.css());
            self.font = Some(style.font);
        }
        if self.align != Some(style.align) {
            ctx.set_text_align(style.align.css());
            self.align = Some(style.align);
        }
        if self.baseline != Some(style.baseline) {
            ctx.set_text_baseline(style.baseline.css());
            self.baseline = Some(style.baseline);
        }
        if self.colour != style.colour {
            ctx.set_fill_style_str(&style.colour);
            style.colour.as_ref().clone_into(&mut self.colour);
        }
    }
}
