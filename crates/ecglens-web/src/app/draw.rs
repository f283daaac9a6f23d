//! Drawing the record on screen (at most once per animation frame), and what the page tells automation through
//! `body[data-*]`: its state and timings (`drawMs`, `firstDrawMs`, `dropToDrawnMs`).

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;

use super::ctx::{Ctx, Source};
use crate::{canvas, js_error_text};
use ecglens_core::session::notice;

pub(super) fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// Sets `body[data-<key>]` (`key` in camelCase, as `dataset` has it).
pub(super) fn set_body_data(key: &str, value: &str) {
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        // Cannot fail: the keys are fixed, valid names.
        body.dataset().set(key, value).ok();
    }
}

/// Draws at the next animation frame, unless a draw is already scheduled for it.
pub(super) fn schedule_draw(ctx: Ctx, canvas_ref: NodeRef<leptos::html::Canvas>) {
    if ctx.draw_scheduled.get_value() {
        return;
    }
    ctx.draw_scheduled.set_value(true);
    let draw = Closure::once_into_js(move || {
        ctx.draw_scheduled.set_value(false);
        draw_now(ctx, canvas_ref);
    });
    let scheduled = web_sys::window().map(|w| w.request_animation_frame(draw.unchecked_ref()));
    if !matches!(scheduled, Some(Ok(_))) {
        ctx.draw_scheduled.set_value(false);
        draw_now(ctx, canvas_ref);
    }
}

/// Draws the current record with the current settings (untracked: called from `schedule_draw`).
fn draw_now(ctx: Ctx, canvas_ref: NodeRef<leptos::html::Canvas>) {
    let settings = ctx.settings_untracked();
    let Some(canvas) = canvas_ref.get_untracked() else { return };
    let canvas: HtmlCanvasElement = canvas;
    ctx.current.with_untracked(|shown| {
        let Some(shown) = shown else { return };
        let t = now_ms();
        if let Err(e) = canvas::draw_ecg(&canvas, &shown.explanation, settings.layer, &settings.paper, &settings.view) {
            ctx.notice.set(notice::drawing_failed(&js_error_text(&e)));
        }
        set_body_data("drawMs", &format!("{:.2}", now_ms() - t));
        if !ctx.first_drawn.get_value() {
            ctx.first_drawn.set_value(true);
            // Navigation start → first drawn ECG (performance.now() is relative to navigation start).
            set_body_data("firstDrawMs", &format!("{:.1}", now_ms()));
        }
        // Drop → drawn timing for the first record of the user's last drop.
        if let Some(t0) = ctx.drop_t0.get_value() {
            if shown.source == Source::UserFile {
                set_body_data("dropToDrawnMs", &format!("{:.2}", now_ms() - t0));
                ctx.drop_t0.set_value(None);
            }
        }
        if ctx.drawn.get_untracked() != shown.version {
            ctx.drawn.set(shown.version);
        }
    });
}
