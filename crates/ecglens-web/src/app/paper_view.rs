//! The ECG paper (`paper`, `ecg-canvas`) with its pan and zoom (wheel, drag, keys; geometry in
//! `ecglens_core::paper`: `View`, `Frame`), beside the side panel.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;

use super::ctx::Ctx;
use super::overview::OverviewStrip;
use super::side::Side;
use crate::canvas;
use ecglens_core::paper::wheel_factor;

#[component]
pub(super) fn PaperView(ctx: Ctx, canvas_ref: NodeRef<leptos::html::Canvas>) -> impl IntoView {
    let drag: StoredValue<Option<f64>> = StoredValue::new(None);
    let frame = move || {
        let canvas: HtmlCanvasElement = canvas_ref.get_untracked()?;
        ctx.current.with_untracked(|c| {
            c.as_ref().map(|s| canvas::frame_for(&canvas, &s.explanation, &ctx.paper.get_untracked()))
        })
    };
    let canvas_x = move |client_x: f64| {
        canvas_ref
            .get_untracked()
            .map(|c: HtmlCanvasElement| client_x - c.get_bounding_client_rect().left())
            .unwrap_or(client_x)
    };
    let on_wheel = move |ev: leptos::ev::WheelEvent| {
        let Some(frame) = frame() else { return };
        ev.prevent_default();
        let mut view = ctx.view.get_untracked();
        if ev.shift_key() || ev.delta_x().abs() > ev.delta_y().abs() {
            let d = if ev.delta_x() != 0.0 { ev.delta_x() } else { ev.delta_y() };
            view.pan_by_px(-d, &frame);
        } else {
            view.zoom_at(canvas_x(ev.client_x() as f64), wheel_factor(ev.delta_y(), ev.delta_mode()), &frame);
        }
        ctx.view.set(view);
    };
    // Pointer events: mouse, pen and touch alike. The paper captures the pointer, so a drag that leaves it goes on.
    let on_down = move |ev: leptos::ev::PointerEvent| {
        if ev.button() != 0 {
            return;
        }
        if let Some(paper) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
            // Harmless if it fails (the pointer is already up): the drag then ends at the paper's edge.
            paper.set_pointer_capture(ev.pointer_id()).ok();
        }
        drag.set_value(Some(ev.client_x() as f64));
    };
    let on_move = move |ev: leptos::ev::PointerEvent| {
        if let (Some(x0), Some(frame)) = (drag.get_value(), frame()) {
            let x = ev.client_x() as f64;
            let mut view = ctx.view.get_untracked();
            view.pan_by_px(x - x0, &frame);
            drag.set_value(Some(x));
            ctx.view.set(view);
        }
    };
    let on_up = move |_ev: leptos::ev::PointerEvent| drag.set_value(None);
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let Some(frame) = frame() else { return };
        let mut view = ctx.view.get_untracked();
        if view.key(&ev.key(), &frame) {
            ev.prevent_default();
            ctx.view.set(view);
        }
    };
    view! {
        <section class="view">
            <div class="paper-column">
                <OverviewStrip ctx=ctx />
                <div class="paper" tabindex="0" data-testid="paper"
                    on:wheel=on_wheel on:pointerdown=on_down on:pointermove=on_move on:pointerup=on_up on:pointercancel=on_up on:keydown=on_key>
                    <canvas node_ref=canvas_ref data-testid="ecg-canvas" aria-label="12-lead ECG with cluster bands and entropy tracks"></canvas>
                </div>
            </div>
            <Side ctx=ctx />
        </section>
    }
}
