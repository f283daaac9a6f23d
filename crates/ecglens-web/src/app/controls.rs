//! The view's controls: layer, layout, paper speed and gain, the zoom line, and the exports.

use leptos::prelude::*;

use super::ctx::Ctx;
use super::exports::Exports;
use ecglens_core::paper::{Layout, View, GAINS_MM_PER_MV, SPEEDS_MM_PER_S};

#[component]
pub(super) fn Controls(ctx: Ctx, canvas_ref: NodeRef<leptos::html::Canvas>) -> impl IntoView {
    view! {
        <section class="controls" aria-label="View">
            <label>"Layer "
                <select data-testid="layer" on:change=move |ev| { if let Ok(i) = event_target_value(&ev).parse() { ctx.layer.set(i) } }>
                    {move || {
                        let names: Vec<String> = ctx.current.with(|c| c.as_ref().map(|s| s.explanation.layers.iter().map(|l| l.layer.clone()).collect()))
                            .unwrap_or_else(|| ctx.info.with(|i| i.as_ref().map(|i| i.layers.clone()).unwrap_or_default()));
                        if names.is_empty() {
                            return view! { <option value="0">"none (no atlas)"</option> }.into_any();
                        }
                        names.into_iter().enumerate().map(|(i, n)| view! { <option value=i.to_string() prop:selected=move || ctx.layer.get() == i>{n}</option> }).collect_view().into_any()
                    }}
                </select>
            </label>
            <label>"Layout "
                <select data-testid="layout" on:change=move |ev| { if let Some(l) = Layout::from_id(&event_target_value(&ev)) { ctx.paper.update(|p| p.layout = l); ctx.view.set(View::default()) } }>
                    {Layout::ALL.into_iter().map(|l| view! { <option value=l.id() prop:selected=move || ctx.paper.with(|p| p.layout == l)>{l.label()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Speed "
                <select data-testid="speed" on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { ctx.paper.update(|p| p.speed_mm_per_s = v) } }>
                    {SPEEDS_MM_PER_S.into_iter().map(|v: f64| view! { <option value=v.to_string() prop:selected=move || ctx.paper.with(|p| p.speed_mm_per_s == v)>{format!("{v} mm/s")}</option> }).collect_view()}
                </select>
            </label>
            <label>"Gain "
                <select data-testid="gain" on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { ctx.paper.update(|p| p.gain_mm_per_mv = v) } }>
                    {GAINS_MM_PER_MV.into_iter().map(|v: f64| view! { <option value=v.to_string() prop:selected=move || ctx.paper.with(|p| p.gain_mm_per_mv == v)>{format!("{v} mm/mV")}</option> }).collect_view()}
                </select>
            </label>
            <span class="zoom" data-testid="zoom">{move || ctx.view.with(|v| format!("zoom {:.2}× · from {:.1} s", v.zoom, v.pan_s))}</span>
            <Exports ctx=ctx canvas_ref=canvas_ref />
        </section>
    }
}
